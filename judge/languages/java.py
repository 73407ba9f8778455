"""Java 17 with Debian's OpenJDK: the contestant's ``Solution.java``, the LeetCode node classes
and a generated driver, compiled by javac in the compile jail and run on the JVM.

Cost meter: CPU time ("cpu"), not the deterministic instruction count. A JIT runtime's count is
not a property of the program: HotSpot compiles hot methods in background threads whose timing
decides how long the interpreter runs before compiled code takes over (and which code C2 ends
up producing), the GC's work depends on heap sizing, and valgrind cannot follow code the JIT
writes at run time (each compilation discards its translations). Two runs of the same program
give counts that differ by far more than the differences between solutions.

Types. Integers are 64-bit in every language here, so ``int`` is ``long``:

    int              long             List[int]         long[]
    float            double           List[float]       double[]
    bool             boolean          List[bool]        boolean[]
    str              String           List[str]         String[]
    ListNode         ListNode         List[List[int]]   long[][]   (and so on: one [] per level)
    TreeNode         TreeNode         List[ListNode]    ListNode[]  (parameters only)

``ListNode`` and ``TreeNode`` are LeetCode's classes with a ``long val`` (and LeetCode's
constructors), in files of their own next to Solution.java. Parameters are exactly these types.
A list return may be any array or ``java.util.Collection`` of the right shape (``long[]``,
``int[]``, ``List<Integer>``, ``List<List<Integer>>``, ``List<int[]>``, ``String[]``...): the
driver writes whatever it gets by its run-time type, and grading decides. A scalar return may be
any type Java converts to the declared one (an ``int`` for ``long``). A ``null`` list node or
tree is an empty one (as in Python); any other ``null`` is written as JSON null.

Both signature styles are a method of ``class Solution``: "class" an instance method (a new
``Solution`` per case, like LeetCode), "function" a ``static`` method (the driver calls it the
same way, so either works for either style).

Line numbers. ``Solution.java`` starts with the imports LeetCode's Java takes for granted
(java.util, java.util.function, java.util.stream, java.math) on the same line as the contestant's
first line, so javac's and the stack traces' line numbers are the contestant's own.

The jail. The run needs no procfs: the launcher finds libjli.so through LD_LIBRARY_PATH (glibc
would read /proc/self/exe to expand the launcher's $ORIGIN). The driver writes its records to
the result descriptor named in the header line: Java cannot open a descriptor by number, and
/proc/self/fd/N is refused (the pipe belongs to root on the host, the jail's user may not reopen
it), so the driver puts the number into a ``FileDescriptor`` by reflection, which
``--add-opens java.base/java.io=ALL-UNNAMED`` allows. The heap (-Xmx) is the problem's memory
limit; ``extra_memory_mb`` is the JVM's own memory beyond the heap (metaspace, code cache, CDS
archive, thread stacks, GC tables). The JVM reserves far more address space than it uses, so no
RLIMIT_AS: the memory cgroup and -Xmx hold it.
"""

from __future__ import annotations

import os
import re
from typing import Any

from judge.languages.base import Language, Lines, Program, Toolchain, register_language
from judge.languages.types import Signature, SigType, UnsupportedSignature, parse_signature

JDK = os.environ.get("JUDGE_JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64")
JAVA = f"{JDK}/bin/java"
JAVAC = f"{JDK}/bin/javac"
# The heap when the problem's memory limit is not known (every problem of the bank has 256 MB).
DEFAULT_HEAP_MB = 256
# The main thread's stack (the launcher runs main() in a thread of this size): deep recursion
# works, and an endless one ends in a StackOverflowError well inside the memory limit.
STACK_MB = 32
DRIVER_CLASS = "ArenaDriver"
SOLUTION_FILE = "Solution.java"
IMPORTS = "import java.util.*; import java.util.function.*; import java.util.stream.*; import java.math.*; "

# The JVM's own threads with the flags below (main and the launcher's, VM thread, reference
# handler, finalizer, signal dispatcher, service, monitor deflation, one C1 and one C2 compiler
# thread, sweeper, notification, periodic task, common cleaner): 14, measured. The rest of the
# pids limit is the program's own threads.
JVM_THREADS = 14
PROGRAM_THREADS = 18
# Fixed compiler threads and one "processor": the same threads (and the same JIT) on every host.
JVM_FLAGS = (
    "-XX:+UseSerialGC",
    "-XX:ActiveProcessorCount=1",
    "-XX:CICompilerCount=2",
    "-XX:-UseDynamicNumberOfCompilerThreads",
    "-XX:-UsePerfData",
    "-XX:+DisableAttachMechanism",
    "-XX:-CreateCoredumpOnCrash",
    "-XX:ErrorFile=/tmp/hs_err.log",
    "-Xshare:auto",
    "-Dfile.encoding=UTF-8",
)
# javac is a short-lived JVM: C1 alone starts it in about half the CPU time of the full JIT; one
# "processor" keeps its threads few on any host; its main thread gets room for long expressions.
JAVAC_FLAGS = (
    "-J-Xmx512m",
    "-J-Xss8m",
    "-J-XX:ActiveProcessorCount=1",
    "-J-XX:+UseSerialGC",
    "-J-XX:TieredStopAtLevel=1",
    "-J-XX:-UsePerfData",
    "-J-Xshare:auto",
    "-J-Dfile.encoding=UTF-8",
    "-J-Dsun.stdout.encoding=UTF-8",
    "-J-Dsun.stderr.encoding=UTF-8",
    "-encoding",
    "UTF-8",
    "-g",
    "-proc:none",
    "-nowarn",
    "-Xlint:none",
    "-XDsuppressNotes",
    "-Xmaxerrs",
    "10",
    "-d",
    ".",
)

# What a hidden test may name: the throwables of java.lang, java.util and java.util.concurrent
# (the driver reports every class by its simple name; the runner shows only these, and calls a
# class of the program's own "an exception").
JAVA_LANG_ERRORS = (
    "Throwable Exception RuntimeException Error ArithmeticException ArrayIndexOutOfBoundsException "
    "ArrayStoreException ClassCastException ClassNotFoundException CloneNotSupportedException "
    "EnumConstantNotPresentException IllegalAccessException IllegalArgumentException "
    "IllegalCallerException IllegalMonitorStateException IllegalStateException "
    "IllegalThreadStateException IndexOutOfBoundsException InstantiationException "
    "InterruptedException LayerInstantiationException NegativeArraySizeException "
    "NoSuchFieldException NoSuchMethodException NullPointerException NumberFormatException "
    "ReflectiveOperationException SecurityException StringIndexOutOfBoundsException "
    "TypeNotPresentException UnsupportedOperationException AssertionError BootstrapMethodError "
    "ClassCircularityError ClassFormatError ExceptionInInitializerError IllegalAccessError "
    "IncompatibleClassChangeError InstantiationError InternalError LinkageError NoClassDefFoundError "
    "NoSuchFieldError NoSuchMethodError OutOfMemoryError StackOverflowError UnsatisfiedLinkError "
    "UnsupportedClassVersionError VerifyError VirtualMachineError"
)
JAVA_UTIL_ERRORS = (
    "ConcurrentModificationException EmptyStackException IllegalFormatException "
    "DuplicateFormatFlagsException FormatFlagsConversionMismatchException FormatterClosedException "
    "IllegalFormatCodePointException IllegalFormatConversionException IllegalFormatFlagsException "
    "IllegalFormatPrecisionException IllegalFormatWidthException IllformedLocaleException "
    "InputMismatchException MissingFormatArgumentException MissingFormatWidthException "
    "MissingResourceException NoSuchElementException TooManyListenersException "
    "UnknownFormatConversionException UnknownFormatFlagsException InvalidPropertiesFormatException "
    "CompletionException ExecutionException CancellationException RejectedExecutionException "
    "TimeoutException BrokenBarrierException"
)
BUILTIN_ERRORS = frozenset(f"{JAVA_LANG_ERRORS} {JAVA_UTIL_ERRORS}".split())

NODE_CLASSES = {
    "ListNode": """public class ListNode {
    public long val;
    public ListNode next;
    public ListNode() {}
    public ListNode(long val) { this.val = val; }
    public ListNode(long val, ListNode next) { this.val = val; this.next = next; }
}
""",
    "TreeNode": """public class TreeNode {
    public long val;
    public TreeNode left;
    public TreeNode right;
    public TreeNode() {}
    public TreeNode(long val) { this.val = val; }
    public TreeNode(long val, TreeNode left, TreeNode right) {
        this.val = val;
        this.left = left;
        this.right = right;
    }
}
""",
}

# The driver: reads the header (the result descriptor), then one case at a time in the wire format
# of judge/languages/base.py, calls the entry point and writes one JSON record per case.
# READERS and CALL are filled in per signature.
DRIVER = r"""import java.io.*;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.*;

final class ArenaDriver {
    private ArenaDriver() {}

    /** A value that has no JSON form: the record says "unserializable" (a wrong answer). */
    static final class Unserializable extends RuntimeException {
        Unserializable(String message) { super(message, null, false, false); }
    }

    /** The case stream: typed tokens separated by one space, a case per line. */
    static final class In {
        private final InputStream in;
        private final byte[] buf = new byte[1 << 16];
        private int pos, len;
        private boolean eof;
        In(InputStream in) { this.in = in; }
        private boolean fill() throws IOException {
            if (eof) return false;
            int n = in.read(buf, 0, buf.length);
            if (n <= 0) { eof = true; return false; }
            pos = 0; len = n;
            return true;
        }
        private int peek() throws IOException { return pos == len && !fill() ? -1 : buf[pos] & 0xff; }
        boolean more() throws IOException {
            int c;
            while ((c = peek()) == ' ' || c == '\n') pos++;
            return c >= 0;
        }
        private void separator() throws IOException {
            int c = peek();
            if (c == ' ' || c == '\n') pos++;
            else if (c >= 0) throw new IllegalStateException("a malformed case");
        }
        String token() throws IOException {
            if (!more()) throw new EOFException("the case ended early");
            StringBuilder t = new StringBuilder();
            int c;
            while ((c = peek()) >= 0 && c != ' ' && c != '\n') { t.append((char) c); pos++; }
            separator();
            return t.toString();
        }
        long integer() throws IOException {
            if (!more()) throw new EOFException("the case ended early");
            boolean negative = peek() == '-';
            if (negative) pos++;
            long value = 0;  // accumulated negatively: Long.MIN_VALUE has no positive twin
            int digits = 0, c;
            while ((c = peek()) >= '0' && c <= '9') { value = value * 10 - (c - '0'); pos++; digits++; }
            if (digits == 0) throw new IllegalStateException("a malformed case");
            separator();
            return negative ? value : -value;
        }
        int count() throws IOException {
            long n = integer();
            if (n < 0 || n > Integer.MAX_VALUE - 16) throw new IllegalStateException("a malformed case");
            return (int) n;
        }
        double real() throws IOException { return Double.parseDouble(token()); }
        boolean bool() throws IOException { return integer() != 0; }
        String string() throws IOException {
            int n = count();
            byte[] b = new byte[n];
            int got = 0;
            while (got < n) {
                if (pos == len && !fill()) throw new EOFException("the case ended early");
                int take = Math.min(n - got, len - pos);
                System.arraycopy(buf, pos, b, got, take);
                pos += take; got += take;
            }
            return utf8(b);
        }
        /** UTF-8 that also takes encoded surrogates (the worker encodes with "surrogatepass"). */
        static String utf8(byte[] b) {
            int n = b.length, i = 0;
            while (i < n && b[i] >= 0) i++;
            if (i == n) return new String(b, 0, n, StandardCharsets.ISO_8859_1);
            char[] out = new char[n];
            for (int k = 0; k < i; k++) out[k] = (char) b[k];
            int o = i;
            while (i < n) {
                int c = b[i] & 0xff;
                if (c < 0x80) { out[o++] = (char) c; i++; continue; }
                if (c >= 0xc2 && c < 0xe0 && i + 1 < n && (b[i + 1] & 0xc0) == 0x80) {
                    out[o++] = (char) (((c & 0x1f) << 6) | (b[i + 1] & 0x3f));
                    i += 2; continue;
                }
                if (c >= 0xe0 && c < 0xf0 && i + 2 < n && (b[i + 1] & 0xc0) == 0x80 && (b[i + 2] & 0xc0) == 0x80) {
                    int cp = ((c & 0x0f) << 12) | ((b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f);
                    if (cp >= 0x800) { out[o++] = (char) cp; i += 3; continue; }
                }
                if (c >= 0xf0 && c < 0xf5 && i + 3 < n && (b[i + 1] & 0xc0) == 0x80 && (b[i + 2] & 0xc0) == 0x80
                        && (b[i + 3] & 0xc0) == 0x80) {
                    int cp = ((c & 0x07) << 18) | ((b[i + 1] & 0x3f) << 12) | ((b[i + 2] & 0x3f) << 6)
                            | (b[i + 3] & 0x3f);
                    if (cp >= 0x10000 && cp <= 0x10ffff) {
                        out[o++] = Character.highSurrogate(cp);
                        out[o++] = Character.lowSurrogate(cp);
                        i += 4; continue;
                    }
                }
                out[o++] = '\ufffd';
                i++;
            }
            return new String(out, 0, o);
        }
    }

    /** A record being written: ASCII JSON (everything else escaped, as Python's encoder does). */
    static final class Out {
        byte[] b = new byte[1 << 12];
        int n;
        private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        void reset() { n = 0; }
        private void room(int k) {
            if (n + k > b.length) {
                long size = Math.max(Math.max(2L * b.length, 4096), (long) n + k);
                if (size > Integer.MAX_VALUE - 16) throw new OutOfMemoryError("Java heap space");
                b = Arrays.copyOf(b, (int) size);
            }
        }
        Out raw(String ascii) {
            int k = ascii.length();
            room(k);
            for (int i = 0; i < k; i++) b[n++] = (byte) ascii.charAt(i);
            return this;
        }
        Out raw(char c) { room(1); b[n++] = (byte) c; return this; }
        Out integer(long v) { return raw(Long.toString(v)); }
        Out real(double v) {
            if (Double.isNaN(v) || Double.isInfinite(v)) throw new Unserializable("the returned number is not finite");
            return raw(Double.toString(v));
        }
        Out bool(boolean v) { return raw(v ? "true" : "false"); }
        Out string(String s) {
            if (s == null) return raw("null");
            int k = s.length();
            room(k + 2);
            b[n++] = '"';
            for (int i = 0; i < k; i++) {
                char c = s.charAt(i);
                if (c == '"' || c == '\\') { room(2 + k - i); b[n++] = '\\'; b[n++] = (byte) c; }
                else if (c >= 0x20 && c < 0x7f) { room(1 + k - i); b[n++] = (byte) c; }
                else if (c == '\n') { room(2 + k - i); b[n++] = '\\'; b[n++] = 'n'; }
                else {
                    room(6 + k - i);
                    b[n++] = '\\'; b[n++] = 'u';
                    b[n++] = HEX[(c >> 12) & 15]; b[n++] = HEX[(c >> 8) & 15];
                    b[n++] = HEX[(c >> 4) & 15]; b[n++] = HEX[c & 15];
                }
            }
            room(1);
            b[n++] = '"';
            return this;
        }
WRITERS
        /** A list return, whatever its run-time type: arrays, collections, boxed scalars. */
        Out any(Object v, int depth) {
            if (depth > 64) throw new Unserializable("the returned value is nested too deeply");
            if (v == null) return raw("null");
            if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte)
                return integer(((Number) v).longValue());
            if (v instanceof Double || v instanceof Float) return real(((Number) v).doubleValue());
            if (v instanceof Boolean) return bool((Boolean) v);
            if (v instanceof String) return string((String) v);
            if (v instanceof Character) return string(String.valueOf((char) (Character) v));
            if (v instanceof java.math.BigInteger) {
                java.math.BigInteger big = (java.math.BigInteger) v;
                if (big.bitLength() > 63) throw new Unserializable("the returned integer does not fit in 64 bits");
                return integer(big.longValue());
            }
            raw('[');
            if (v instanceof long[]) {
                long[] a = (long[]) v;
                for (int i = 0; i < a.length; i++) comma(i).integer(a[i]);
            } else if (v instanceof int[]) {
                int[] a = (int[]) v;
                for (int i = 0; i < a.length; i++) comma(i).integer(a[i]);
            } else if (v instanceof double[]) {
                double[] a = (double[]) v;
                for (int i = 0; i < a.length; i++) comma(i).real(a[i]);
            } else if (v instanceof boolean[]) {
                boolean[] a = (boolean[]) v;
                for (int i = 0; i < a.length; i++) comma(i).bool(a[i]);
            } else if (v instanceof short[]) {
                short[] a = (short[]) v;
                for (int i = 0; i < a.length; i++) comma(i).integer(a[i]);
            } else if (v instanceof byte[]) {
                byte[] a = (byte[]) v;
                for (int i = 0; i < a.length; i++) comma(i).integer(a[i]);
            } else if (v instanceof float[]) {
                float[] a = (float[]) v;
                for (int i = 0; i < a.length; i++) comma(i).real(a[i]);
            } else if (v instanceof char[]) {
                char[] a = (char[]) v;
                for (int i = 0; i < a.length; i++) comma(i).string(String.valueOf(a[i]));
            } else if (v instanceof Object[]) {
                Object[] a = (Object[]) v;
                for (int i = 0; i < a.length; i++) comma(i).any(a[i], depth + 1);
            } else if (v instanceof Collection) {
                int i = 0;
                for (Object item : (Collection<?>) v) comma(i++).any(item, depth + 1);
            } else throw new Unserializable("cannot send a value of type " + v.getClass().getSimpleName());
            return raw(']');
        }
        private Out comma(int i) { return i > 0 ? raw(',') : this; }
    }

    private static final byte[] SMALL = new byte[0];
    private static final byte[] MLE = "{\"event\":\"case\",\"status\":\"mle\"}\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FAILED = ("{\"event\":\"case\",\"status\":\"error\",\"error\":\"Error\",\"line\":null,"
            + "\"message\":\"the error could not be described\"}\n").getBytes(StandardCharsets.US_ASCII);

    private static void send(FileOutputStream result, byte[] bytes, int n) {
        try {
            result.write(bytes, 0, n);
        } catch (Throwable e) {
            Runtime.getRuntime().halt(3);
        }
    }

    private static String cut(String text, int limit) {
        return text.length() <= limit ? text : text.substring(0, limit);
    }

    /** The error record of a throwable; a hostile getMessage() or getStackTrace() leaves gaps. */
    private static void describe(Out out, Throwable e) {
        Class<?> type = e.getClass();
        String name = type.getSimpleName();
        if (name.isEmpty()) name = type.getName();
        String message = "";
        try {
            String text = e.getMessage();
            if (text != null) message = cut(text, 500);
        } catch (Throwable ignored) {
            message = "";
        }
        int line = 0;
        try {
            for (StackTraceElement frame : e.getStackTrace()) {
                if (frame != null && "Solution.java".equals(frame.getFileName())) {
                    line = frame.getLineNumber();
                    break;
                }
            }
        } catch (Throwable ignored) {
            line = 0;
        }
        out.reset();
        out.raw("{\"event\":\"case\",\"status\":\"error\",\"error\":").string(cut(name, 100));
        out.raw(",\"line\":").raw(line > 0 && line < 10_000_000 ? Integer.toString(line) : "null");
        out.raw(",\"message\":").string(message).raw("}\n");
    }

    private static FileOutputStream resultStream(int fd) throws ReflectiveOperationException {
        FileDescriptor descriptor = new FileDescriptor();
        Field field = FileDescriptor.class.getDeclaredField("fd");
        field.setAccessible(true);
        field.setInt(descriptor, fd);
        return new FileOutputStream(descriptor);
    }

    private static final int ANSWER = 0, MEMORY = 1, FAILURE = 2;

    /** describe(), or what to send when even that fails (a heap the program keeps full). */
    private static int described(Out out, Throwable e) {
        try {
            describe(out, e);
            return ANSWER;
        } catch (OutOfMemoryError again) {
            return MEMORY;
        } catch (Throwable again) {
            return FAILURE;
        }
    }

READERS
    public static void main(String[] argv) throws Throwable {
        // The cases arrive on a private stream; the program's own reads of System.in get nothing.
        In in = new In(new FileInputStream(FileDescriptor.in));
        System.setIn(new ByteArrayInputStream(new byte[0]));
        if (!in.more()) Runtime.getRuntime().halt(0);
        FileOutputStream result = resultStream(in.count());
        Out out = new Out();
        byte[] compiled = "{\"event\":\"compiled\"}\n".getBytes(StandardCharsets.US_ASCII);
        send(result, compiled, compiled.length);
        while (in.more()) {
            // Nothing on the failure paths allocates before it knows the heap has room again:
            // a program may keep the heap full from a static field.
            int status = ANSWER;
            try {
                out.reset();
                out.raw("{\"event\":\"case\",\"status\":\"ok\",\"output\":");
CALL
                out.raw("}\n");
            } catch (Unserializable e) {
                try {
                    out.reset();
                    out.raw("{\"event\":\"case\",\"status\":\"unserializable\",\"message\":").string(e.getMessage()).raw("}\n");
                } catch (OutOfMemoryError again) {
                    status = MEMORY;
                }
            } catch (OutOfMemoryError e) {
                String text = e.getMessage();
                // No thread could be started (the pids limit): a runtime error, not the heap.
                status = text != null && text.contains("native thread") ? described(out, e) : MEMORY;
            } catch (Throwable e) {
                status = described(out, e);
            }
            if (status == MEMORY) send(result, MLE, MLE.length);
            else if (status == FAILURE) send(result, FAILED, FAILED.length);
            else send(result, out.b, out.n);
            // A large answer's buffer is not kept: the next case gets the whole heap.
            if (out.b.length > 1 << 20) out.b = SMALL;
        }
        try {
            System.out.flush();
            System.err.flush();
        } catch (Throwable ignored) {
            // the program's own streams: nothing of the judge's
        }
        // halt, not exit: threads the program left running and its shutdown hooks end here.
        Runtime.getRuntime().halt(0);
    }
}
"""

NODE_WRITERS = {
    "ListNode": r"""        Out list(ListNode node) {
            raw('[');
            long count = 0;
            for (; node != null; node = node.next) {
                if (++count > 10_000_000) throw new Unserializable("the linked list has a cycle");
                if (count > 1) raw(',');
                integer(node.val);
            }
            return raw(']');
        }
""",
    "TreeNode": r"""        Out tree(TreeNode root) {
            ArrayList<TreeNode> queue = new ArrayList<>();
            queue.add(root);
            int end = 0;  // the items up to the last node (the trailing nulls are trimmed)
            for (int head = 0; head < queue.size(); head++) {
                TreeNode node = queue.get(head);
                if (node == null) continue;
                end = head + 1;
                queue.add(node.left);
                queue.add(node.right);
                if (queue.size() > 20_000_000) throw new Unserializable("the tree is too large or cyclic");
            }
            raw('[');
            for (int i = 0; i < end; i++) {
                if (i > 0) raw(',');
                TreeNode node = queue.get(i);
                if (node == null) raw("null"); else integer(node.val);
            }
            return raw(']');
        }
""",
}

_SCALARS = {"int": "long", "float": "double", "bool": "boolean", "str": "String"}
_READ_SCALAR = {"int": "in.integer()", "float": "in.real()", "bool": "in.bool()", "str": "in.string()"}
_TAGS = {"int": "Long", "float": "Double", "bool": "Bool", "str": "String", "ListNode": "List", "TreeNode": "Tree"}
_WRITE = {
    "int": "out.integer(value);",
    "float": "out.real(value);",
    "bool": "out.bool(value);",
    "str": "out.string(value);",
    "ListNode": "out.list(value);",
    "TreeNode": "out.tree(value);",
}
# Names a Python signature may use that Java reserves (keywords and literals): a parameter is
# renamed in the starter (it is the contestant's name alone), an entry point cannot be.
JAVA_KEYWORDS = (
    "abstract assert boolean break byte case catch char class const continue default do double else enum "
    "extends final finally float for goto if implements import instanceof int interface long native new "
    "package private protected public return short static strictfp super switch synchronized this throw "
    "throws transient try void volatile while true false null _"
)
KEYWORDS = frozenset(JAVA_KEYWORDS.split(" "))
# Methods every class has and none may redeclare (Object's final ones).
OBJECT_FINAL = frozenset({"getClass", "notify", "notifyAll", "wait"})


def java_type(t: SigType) -> str:
    if t.kind == "list":
        assert t.item is not None
        return f"{java_type(t.item)}[]"
    return _SCALARS.get(t.kind, t.kind)


def _tag(t: SigType) -> str:
    return f"Array{_tag(t.item)}" if t.item is not None else _TAGS[t.kind]


def _reader_call(t: SigType) -> str:
    return _READ_SCALAR.get(t.kind) or f"read{_tag(t)}(in)"


def _new_array(t: SigType, size: str) -> str:
    """``new long[n][]`` for a ``long[][]``: the first dimension sized, the others left open."""
    return f"new {java_type(t.base())}[{size}]{'[]' * (t.depth - 1)}"


def _readers(types: list[SigType]) -> str:
    """One static reader per node and array type the parameters use (inner ones included)."""
    done: set[str] = set()
    lines = Lines()
    lines.level = 1

    def emit(t: SigType) -> None:
        if t.kind in _SCALARS or _tag(t) in done:
            return
        done.add(_tag(t))
        if t.kind == "ListNode":
            lines.add(
                "static ListNode readList(In in) throws IOException {",
                "    int n = in.count();",
                "    long[] values = new long[n];",
                "    for (int i = 0; i < n; i++) values[i] = in.integer();",
                "    ListNode head = null;",
                "    for (int i = n - 1; i >= 0; i--) head = new ListNode(values[i], head);",
                "    return head;",
                "}",
            )
        elif t.kind == "TreeNode":
            # LeetCode's level order, built exactly as the Python harness's to_tree_node.
            lines.add(
                "static TreeNode readTree(In in) throws IOException {",
                "    int n = in.count();",
                "    TreeNode[] nodes = new TreeNode[n];",
                "    for (int i = 0; i < n; i++) {",
                "        String token = in.token();",
                '        nodes[i] = token.equals("n") ? null : new TreeNode(Long.parseLong(token));',
                "    }",
                "    if (n == 0 || nodes[0] == null) return null;",
                "    ArrayDeque<TreeNode> queue = new ArrayDeque<>();",
                "    queue.add(nodes[0]);",
                "    int i = 1;",
                "    while (!queue.isEmpty() && i < n) {",
                "        TreeNode node = queue.poll();",
                "        node.left = nodes[i++];",
                "        if (node.left != null) queue.add(node.left);",
                "        if (i < n) {",
                "            node.right = nodes[i++];",
                "            if (node.right != null) queue.add(node.right);",
                "        }",
                "    }",
                "    return nodes[0];",
                "}",
            )
        else:
            assert t.item is not None
            emit(t.item)
            lines.add(
                f"static {java_type(t)} read{_tag(t)}(In in) throws IOException {{",
                "    int n = in.count();",
                f"    {java_type(t)} a = {_new_array(t, 'n')};",
                f"    for (int i = 0; i < n; i++) a[i] = {_reader_call(t.item)};",
                "    return a;",
                "}",
            )

    for t in types:
        emit(t)
    return "".join(line + "\n" for line in lines.lines)


def call_lines(sig: Signature, solution: str = "Solution") -> list[str]:
    """One case: read the arguments, call the entry point, write the value into ``out``. Both
    styles call it on a new instance (LeetCode's new Solution per case; a static method too)."""
    lines = [f"{java_type(p.type)} a{i} = {_reader_call(p.type)};" for i, p in enumerate(sig.params)]
    # A list is written by its run-time type (an int[] or a List<List<Integer>> is fine).
    declared = "Object" if sig.returns.kind == "list" else java_type(sig.returns)
    args = ", ".join(f"a{i}" for i in range(len(sig.params)))
    lines.append(f"{declared} value = new {solution}().{sig.name}({args});")
    lines.append("out.any(value, 0);" if sig.returns.kind == "list" else _WRITE[sig.returns.kind])
    return lines


def driver_source(signatures: list[Signature], calls: list[str]) -> str:
    """The driver class: the readers of every parameter type and the node writers of every
    return type of ``signatures``, and ``calls`` as the body of the case loop."""
    returns = {sig.returns.kind for sig in signatures}
    writers = "".join(text for kind, text in NODE_WRITERS.items() if kind in returns)
    readers = _readers([p.type for sig in signatures for p in sig.params])
    body = "".join(" " * 16 + line + "\n" for line in calls)
    return DRIVER.replace("READERS\n", readers).replace("WRITERS\n", writers).replace("CALL\n", body)


def uses(sig: Signature, kind: str) -> bool:
    return any(p.type.base().kind == kind for p in sig.params) or sig.returns.base().kind == kind


def _default(t: SigType) -> str:
    if t.kind == "list":
        return _new_array(t, "0")
    return {"int": "0", "float": "0.0", "bool": "false", "str": '""'}.get(t.kind, "null")


def _jdk_mounts() -> tuple[str, ...]:
    """The JDK and the directories its symlinks lead to in /etc (Debian keeps jvm.cfg and the
    security configuration in /etc/java-17-openjdk)."""
    mounts = [JDK]
    for folder in (f"{JDK}/lib", f"{JDK}/conf"):
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            path = os.path.join(folder, name)
            target = os.path.realpath(path)
            if os.path.islink(path) and target.startswith("/etc/"):
                top = "/".join(target.split("/")[:3])
                if os.path.isdir(top) and top not in mounts:
                    mounts.append(top)
    return tuple(mounts)


@register_language
class Java(Language):
    key = "JAVA17"
    name = "Java 17"
    aliases = ("java", "java17", "java 17")
    editor_mode = "text/x-java"
    extension = "java"
    comment = "//"
    meters = ("cpu",)
    builtin_errors = BUILTIN_ERRORS
    # The JVM's memory beyond a full heap: metaspace, code cache, the CDS archive, the card
    # table, thread stacks (32 MB for main() when a recursion uses it all) and the launcher.
    # Measured: a trivial run peaks at 18 MB, a full 256 MB heap at 274 MB.
    extra_memory_mb = 64
    # Starting the JVM and loading the driver: about 60 ms of CPU (measured, JIT and GC threads
    # included; class data sharing on), plus the load step's 2 s. The allowance is for a cold
    # page cache and a loaded host.
    load_allowance_ms = 500

    def check_signature(self, sig: Signature) -> None:
        if sig.name in KEYWORDS or sig.name in OBJECT_FINAL:
            raise UnsupportedSignature(f"the entry point name {sig.name!r} is reserved in Java")

    def noop_source(self) -> str:
        return "class Solution {\n    public static long noop() {\n        return 0;\n    }\n}\n"

    def starter_code(self, sig: Signature) -> str:
        params = ", ".join(f"{java_type(p.type)} {_name(p.name)}" for p in sig.params)
        lines = Lines()
        if uses(sig, "ListNode"):
            lines.add(
                "// class ListNode {",
                "//     long val;",
                "//     ListNode next;",
                "//     ListNode() / ListNode(long val) / ListNode(long val, ListNode next)",
                "// }",
            )
        if uses(sig, "TreeNode"):
            lines.add(
                "// class TreeNode {",
                "//     long val;",
                "//     TreeNode left, right;",
                "//     TreeNode() / TreeNode(long val) / TreeNode(long val, TreeNode left, TreeNode right)",
                "// }",
            )
        lines.add("class Solution {")
        lines.level = 1
        if sig.style == "function":
            lines.add(f"// A function: a static method of Solution, called as Solution.{sig.name}(...).")
        static = "static " if sig.style == "function" else ""
        lines.add(f"public {static}{java_type(sig.returns)} {sig.name}({params}) {{")
        lines.level = 2
        lines.add(f"return {_default(sig.returns)};")
        lines.level = 1
        lines.add("}")
        lines.level = 0
        lines.add("}")
        return lines.text()

    def files(self, signature: dict[str, Any], source: str) -> dict[str, str]:
        sig = parse_signature(signature)
        self.check_signature(sig)
        # The imports share the contestant's line 1: javac's line numbers are the contestant's.
        files = {SOLUTION_FILE: IMPORTS + source}
        for kind, text in NODE_CLASSES.items():
            if uses(sig, kind):
                files[f"{kind}.java"] = text
        files[f"{DRIVER_CLASS}.java"] = driver_source([sig], call_lines(sig))
        return files

    def toolchain(self) -> Toolchain:
        return Toolchain(
            # ListNode.java and TreeNode.java, written when the signature uses them, are found
            # (and compiled) through the class path, the build directory.
            argv=(JAVAC, *JAVAC_FLAGS, SOLUTION_FILE, f"{DRIVER_CLASS}.java"),
            mounts=_jdk_mounts(),
            env=(f"LD_LIBRARY_PATH={JDK}/lib",),
            identity=(os.path.realpath(JAVAC), os.path.realpath(f"{JDK}/lib/modules")),
            # The JVM reserves far more address space than it uses: the cgroup holds javac.
            address_space_mb=None,
            memory_mb=768,
            max_pids=JVM_THREADS + 16,
            cpu_time_s=20,
            artefact=f"{DRIVER_CLASS}.class",
        )

    def program(self, box: str, memory_mb: int | None = None) -> Program:
        """``memory_mb``: the problem's memory limit, the heap's size (DEFAULT_HEAP_MB when a caller
        does not say)."""
        return Program(
            argv=(
                JAVA,
                f"-Xmx{memory_mb or DEFAULT_HEAP_MB}m",
                f"-Xss{STACK_MB}m",
                *JVM_FLAGS,
                "--add-opens=java.base/java.io=ALL-UNNAMED",
                "-cp",
                "/box",
                DRIVER_CLASS,
            ),
            box=box,
            mounts=_jdk_mounts(),
            env=(f"LD_LIBRARY_PATH={JDK}/lib",),
            address_space=False,
            max_pids=JVM_THREADS + PROGRAM_THREADS,
        )

    def clean_message(self, text: str) -> str:
        """javac's errors as the contestant wrote the file: the imports of line 1 taken out of
        the echoed source line (and its caret moved with it), javac's notes left out, and of a
        crash of javac's (a recursion too deep for it) only the name of its error."""
        lines: list[str] = []
        shift = 0
        trace = False
        for line in text.replace("\r\n", "\n").split("\n"):
            # A stack trace's frames start with a tab (a line cut short by the output cap too);
            # javac indents its own lines with spaces, but echoes source lines as they are.
            trace = bool(_TRACE.match(line)) or (trace and line.startswith("\t"))
            if _NOISE.match(line) or (trace and line.startswith("\t")):
                continue
            if shift and line.strip() == "^" and line.startswith(" " * shift):
                line = line[shift:]
            shift = 0
            if line.startswith(IMPORTS):
                line, shift = line[len(IMPORTS) :], len(IMPORTS)
            lines.append(line)
        return super().clean_message("\n".join(lines))


# javac's notes and warning counts, and the line that announces the stack trace of a crash.
_NOISE = re.compile(r"^(?:Note: |warning: \[options\]|Picked up |\d+ warnings?$|Consult the following stack trace)")
_TRACE = re.compile(r"^(?:Caused by: )?(?:java|javax|jdk|com\.sun)\.[\w.$]+(?:Error|Exception)\b")


def _name(name: str) -> str:
    return f"{name}_" if name in KEYWORDS else name
