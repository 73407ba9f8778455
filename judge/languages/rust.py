"""Rust with Debian's rustc (1.63, edition 2021): the contestant's source is its own file,
``solution.rs``, included into a module of the driver's crate, compiled with -O in the compile
jail and run natively (cost: as C++, the PMU's instruction count, else CPU time; see ``Rust.meters``).

LeetCode's style: ``impl Solution { pub fn two_sum(nums: Vec<i64>, target: i64) -> Vec<i64> }``
with ``struct Solution;``, ``ListNode`` and ``TreeNode`` defined by the judge; the entry point's
name is the signature's in snake_case. Types: int is ``i64`` (64 bits, as in every other language
here), float ``f64``, str ``String``, lists ``Vec``, a linked list ``Option<Box<ListNode>>`` and a
tree ``Option<Rc<RefCell<TreeNode>>>`` (LeetCode's definitions, with ``val: i64``). Arguments are
passed by value.

The driver reads the cases in the wire format of base.py from a private copy of stdin, calls the
entry point inside ``catch_unwind`` (a panic is the case's runtime error, "panic", with the line
of solution.rs it happened on) and writes one JSON record per case on the result descriptor.
An allocation that fails (RLIMIT_AS) writes the "mle" record and ends the process: Rust aborts
on allocation failure, and only the allocator sees it coming. A stack overflow or an abort kills
the process by a signal (SIGSEGV: the program is pid 1 of its namespace, which SIGABRT cannot
kill, and without /proc Rust cannot tell its guard page): a runtime error.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from typing import Any

from judge.languages.base import (
    MAX_MESSAGE_CHARS,
    Language,
    Lines,
    Program,
    Toolchain,
    clean_compiler_output,
    register_language,
)
from judge.languages.types import Signature, SigType, parse_signature, snake_case

RUSTC = "/usr/bin/rustc"
# rustc links with the C compiler; Debian's /usr/bin/cc is a symlink through /etc/alternatives,
# which the jail does not have.
LINKER = "/usr/bin/gcc"
RUSTC_FLAGS = (
    "--edition=2021",
    "--crate-type=bin",
    "--crate-name=main",
    # rustc finds its sysroot through /proc/self/exe otherwise, and the jail has no /proc.
    "--sysroot=/usr",
    "-C", "opt-level=2",
    "-C", "debug-assertions=off",
    "-C", "overflow-checks=off",
    "-C", "panic=unwind",
    "-C", "debuginfo=0",
    # Debian's std rlibs carry debug information: 11 MB per build in the artefact cache unstripped.
    "-C", "strip=symbols",
    "-C", "codegen-units=1",
    "-C", f"linker={LINKER}",
    "-A", "warnings",
    "--color=never",
    "--error-format=human",
)  # fmt: skip
# rustc's std rlibs (sysroot /usr), gcc as the linker (collect2, crt files, libgcc) and binutils;
# librustc_driver, libstd, LLVM and libc are in /usr/lib/x86_64-linux-gnu, bound for every jail.
TOOLCHAIN_DIRS = ("/usr/bin", "/usr/lib/rustlib", "/usr/lib/gcc", "/usr/libexec/gcc")

BUILTIN_ERRORS = frozenset({"panic"})
# rustc 1.63 computes its default sysroot from /proc/self/exe in every session, --sysroot or not,
# and panics when it cannot ("no /proc/self/exe available"); the compile jail has no /proc. A
# directory of one symlink, exe -> rustc, bound read-only at /proc/self, is all it reads there.
_PROC_SELF: list[str] = []


def proc_self_dir() -> str:
    """The host directory bound at /proc/self in the compile jail (made once per process)."""
    if _PROC_SELF and os.path.islink(os.path.join(_PROC_SELF[0], "exe")):
        return _PROC_SELF[0]
    folder = tempfile.mkdtemp(prefix="codearena-rustc-")
    os.symlink(RUSTC, os.path.join(folder, "exe"))
    os.chmod(folder, 0o755)  # the compiler runs as uid 65534
    atexit.register(shutil.rmtree, folder, True)
    _PROC_SELF[:] = [folder]
    return folder


# The crate root: the node types, the Solution struct, the contestant's module and the driver.
# ``include!`` keeps solution.rs a file of its own: its errors and panics say solution.rs:LINE.
MAIN = r"""#![allow(unused, dead_code, non_snake_case, non_camel_case_types, non_upper_case_globals)]
use std::cell::RefCell;
use std::rc::Rc;

#[derive(PartialEq, Eq, Clone, Debug)]
pub struct ListNode {
    pub val: i64,
    pub next: Option<Box<ListNode>>,
}

impl ListNode {
    #[inline]
    pub fn new(val: i64) -> Self {
        ListNode { next: None, val }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct TreeNode {
    pub val: i64,
    pub left: Option<Rc<RefCell<TreeNode>>>,
    pub right: Option<Rc<RefCell<TreeNode>>>,
}

impl TreeNode {
    #[inline]
    pub fn new(val: i64) -> Self {
        TreeNode { val, left: None, right: None }
    }
}

pub struct Solution;

SOLUTION_MODULE
mod arena_driver {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::any::Any;
    use std::cell::RefCell;
    use std::collections::VecDeque;
    use std::fmt::Write as _;
    use std::fs::File;
    use std::io::{Read, Write};
    use std::os::unix::io::FromRawFd;
    use std::rc::Rc;
    use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};

    use crate::{ListNode, TreeNode};

    extern "C" {
        fn dup(fd: i32) -> i32;
        fn close(fd: i32) -> i32;
        fn write(fd: i32, buf: *const u8, count: usize) -> isize;
        fn _exit(status: i32) -> !;
    }

    static RESULT_FD: AtomicI32 = AtomicI32::new(-1);
    static PANIC_LINE: AtomicU32 = AtomicU32::new(0);
    const MLE_RECORD: &[u8] = b"{\"event\":\"case\",\"status\":\"mle\"}\n";

    fn send(fd: i32, mut data: &[u8]) {
        while !data.is_empty() {
            let n = unsafe { write(fd, data.as_ptr(), data.len()) };
            if n < 0 {
                if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                unsafe { _exit(3) }
            }
            data = &data[n as usize..];
        }
    }

    /// The system allocator, but an allocation that fails is the case's memory limit: Rust would
    /// abort (a signal: a runtime error), so the "mle" record goes out first and the process ends.
    pub struct Allocator;

    #[cold]
    fn out_of_memory() -> ! {
        let fd = RESULT_FD.load(Ordering::Relaxed);
        if fd >= 0 {
            send(fd, MLE_RECORD);
        }
        unsafe { _exit(0) }
    }

    unsafe impl GlobalAlloc for Allocator {
        #[inline]
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let p = System.alloc(layout);
            if p.is_null() {
                out_of_memory()
            }
            p
        }
        #[inline]
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            let p = System.alloc_zeroed(layout);
            if p.is_null() {
                out_of_memory()
            }
            p
        }
        #[inline]
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let p = System.realloc(ptr, layout, new_size);
            if p.is_null() {
                out_of_memory()
            }
            p
        }
        #[inline]
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            System.dealloc(ptr, layout)
        }
    }

    #[global_allocator]
    static ALLOCATOR: Allocator = Allocator;

    pub struct Reader {
        file: File,
        buf: Vec<u8>,
        pos: usize,
        len: usize,
        eof: bool,
    }

    impl Reader {
        fn fill(&mut self) -> bool {
            if self.eof {
                return false;
            }
            loop {
                match self.file.read(&mut self.buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        self.pos = 0;
                        self.len = n;
                        return true;
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                }
            }
            self.eof = true;
            false
        }
        #[inline]
        fn peek(&mut self) -> Option<u8> {
            if self.pos == self.len && !self.fill() {
                return None;
            }
            Some(self.buf[self.pos])
        }
        /// Skips separators: true when another token follows.
        pub fn more(&mut self) -> bool {
            loop {
                match self.peek() {
                    Some(b' ') | Some(b'\n') => self.pos += 1,
                    Some(_) => return true,
                    None => return false,
                }
            }
        }
        /// The next token's bytes, and the one separator after it.
        fn token(&mut self, into: &mut Vec<u8>) {
            if !self.more() {
                panic!("the case ended early");
            }
            while let Some(c) = self.peek() {
                self.pos += 1;
                if c == b' ' || c == b'\n' {
                    break;
                }
                into.push(c);
            }
        }
        pub fn integer(&mut self) -> i64 {
            if !self.more() {
                panic!("the case ended early");
            }
            let mut negative = false;
            if self.peek() == Some(b'-') {
                negative = true;
                self.pos += 1;
            }
            let mut value: u64 = 0;
            while let Some(c) = self.peek() {
                self.pos += 1;
                match c {
                    b'0'..=b'9' => value = value.wrapping_mul(10).wrapping_add((c - b'0') as u64),
                    b' ' | b'\n' => break,
                    _ => panic!("the case is malformed"),
                }
            }
            if negative {
                (value as i64).wrapping_neg()
            } else {
                value as i64
            }
        }
        fn item(&mut self) -> Option<i64> {
            if !self.more() {
                panic!("the case ended early");
            }
            if self.peek() == Some(b'n') {
                self.pos += 1;
                if matches!(self.peek(), Some(b' ') | Some(b'\n')) {
                    self.pos += 1;
                }
                return None;
            }
            Some(self.integer())
        }
        fn bytes(&mut self, n: usize) -> Vec<u8> {
            let mut out = Vec::with_capacity(n);
            while out.len() < n {
                if self.pos == self.len && !self.fill() {
                    panic!("the case ended early");
                }
                let take = (n - out.len()).min(self.len - self.pos);
                out.extend_from_slice(&self.buf[self.pos..self.pos + take]);
                self.pos += take;
            }
            out
        }
    }

    /// A type of the wire format: read from a case, written as JSON.
    pub trait Wire: Sized {
        fn get(reader: &mut Reader) -> Self;
        fn put(&self, out: &mut String) -> Result<(), &'static str>;
        /// Drops the value without recursion (a long list or a deep tree would overflow the stack).
        fn release(self) {}
    }

    impl Wire for i64 {
        fn get(reader: &mut Reader) -> Self {
            reader.integer()
        }
        fn put(&self, out: &mut String) -> Result<(), &'static str> {
            let _ = write!(out, "{}", self);
            Ok(())
        }
    }

    impl Wire for f64 {
        fn get(reader: &mut Reader) -> Self {
            let mut token = Vec::new();
            reader.token(&mut token);
            std::str::from_utf8(&token).ok().and_then(|t| t.parse().ok()).expect("the case is malformed")
        }
        fn put(&self, out: &mut String) -> Result<(), &'static str> {
            if !self.is_finite() {
                return Err("the returned number is not finite");
            }
            let _ = write!(out, "{:?}", self);
            Ok(())
        }
    }

    impl Wire for bool {
        fn get(reader: &mut Reader) -> Self {
            reader.integer() != 0
        }
        fn put(&self, out: &mut String) -> Result<(), &'static str> {
            out.push_str(if *self { "true" } else { "false" });
            Ok(())
        }
    }

    pub fn put_str(out: &mut String, text: &str) {
        out.push('"');
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }

    impl Wire for String {
        fn get(reader: &mut Reader) -> Self {
            let n = reader.integer() as usize;
            let raw = reader.bytes(n);
            match String::from_utf8(raw) {
                Ok(text) => text,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            }
        }
        fn put(&self, out: &mut String) -> Result<(), &'static str> {
            put_str(out, self);
            Ok(())
        }
    }

    impl<T: Wire> Wire for Vec<T> {
        fn get(reader: &mut Reader) -> Self {
            let n = reader.integer() as usize;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(T::get(reader));
            }
            items
        }
        fn put(&self, out: &mut String) -> Result<(), &'static str> {
            out.push('[');
            for (i, item) in self.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                item.put(out)?;
            }
            out.push(']');
            Ok(())
        }
        fn release(self) {
            for item in self {
                item.release();
            }
        }
    }

    impl Wire for Option<Box<ListNode>> {
        fn get(reader: &mut Reader) -> Self {
            let n = reader.integer() as usize;
            let mut values = Vec::with_capacity(n);
            for _ in 0..n {
                values.push(reader.integer());
            }
            let mut head: Option<Box<ListNode>> = None;
            for &val in values.iter().rev() {
                head = Some(Box::new(ListNode { val, next: head }));
            }
            head
        }
        fn put(&self, out: &mut String) -> Result<(), &'static str> {
            out.push('[');
            let mut node = self.as_ref();
            let mut count: u64 = 0;
            while let Some(current) = node {
                count += 1;
                if count > 10_000_000 {
                    return Err("the linked list has a cycle");
                }
                if count > 1 {
                    out.push(',');
                }
                let _ = write!(out, "{}", current.val);
                node = current.next.as_ref();
            }
            out.push(']');
            Ok(())
        }
        fn release(self) {
            let mut node = self;
            while let Some(mut current) = node {
                node = current.next.take();
            }
        }
    }

    impl Wire for Option<Rc<RefCell<TreeNode>>> {
        fn get(reader: &mut Reader) -> Self {
            let n = reader.integer() as usize;
            let mut nodes: Vec<Option<Rc<RefCell<TreeNode>>>> = Vec::with_capacity(n);
            for _ in 0..n {
                nodes.push(reader.item().map(|val| Rc::new(RefCell::new(TreeNode::new(val)))));
            }
            let mut i = 1;
            let mut head = 0;
            while head < nodes.len() && i < nodes.len() {
                if let Some(node) = nodes[head].clone() {
                    let mut node = node.borrow_mut();
                    node.left = nodes[i].clone();
                    i += 1;
                    if i < nodes.len() {
                        node.right = nodes[i].clone();
                        i += 1;
                    }
                }
                head += 1;
            }
            if n > 0 {
                nodes.swap_remove(0)
            } else {
                None
            }
        }
        fn put(&self, out: &mut String) -> Result<(), &'static str> {
            // LeetCode's level order, trailing nulls dropped (harness.py's from_tree_node).
            let mut queue: VecDeque<Option<Rc<RefCell<TreeNode>>>> = VecDeque::new();
            queue.push_back(self.clone());
            let mut seen: u64 = 0;
            let mut nulls: u64 = 0;
            let mut first = true;
            out.push('[');
            while let Some(item) = queue.pop_front() {
                seen += 1;
                if seen > 20_000_000 {
                    return Err("the tree is too large or cyclic");
                }
                match item {
                    None => nulls += 1,
                    Some(node) => {
                        for _ in 0..nulls {
                            out.push_str(if first { "null" } else { ",null" });
                            first = false;
                        }
                        nulls = 0;
                        if !first {
                            out.push(',');
                        }
                        first = false;
                        let node = node.borrow();
                        let _ = write!(out, "{}", node.val);
                        queue.push_back(node.left.clone());
                        queue.push_back(node.right.clone());
                    }
                }
            }
            out.push(']');
            Ok(())
        }
        fn release(self) {
            let mut stack = vec![self];
            while let Some(item) = stack.pop() {
                if let Some(node) = item {
                    if let Ok(cell) = Rc::try_unwrap(node) {
                        let mut node = cell.into_inner();
                        stack.push(node.left.take());
                        stack.push(node.right.take());
                    }
                }
            }
        }
    }

    fn cut(text: &str, limit: usize) -> &str {
        let mut end = text.len().min(limit);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        &text[..end]
    }

    fn panic_message(payload: &(dyn Any + Send)) -> String {
        if let Some(text) = payload.downcast_ref::<&str>() {
            text.to_string()
        } else if let Some(text) = payload.downcast_ref::<String>() {
            text.clone()
        } else {
            String::from("Box<dyn Any>")
        }
    }

    pub fn run() {
        // A panic's place is noted for its record; nothing is printed.
        std::panic::set_hook(Box::new(|info| {
            let line = match info.location() {
                Some(at) if at.file() == "solution.rs" || at.file().ends_with("/solution.rs") => at.line(),
                _ => 0,
            };
            PANIC_LINE.store(line, Ordering::Relaxed);
        }));
        // The cases arrive on a private copy of stdin; the program's own reads of stdin get nothing.
        let case_fd = unsafe { dup(0) };
        unsafe { close(0) };
        let mut reader = Reader {
            file: unsafe { File::from_raw_fd(case_fd) },
            buf: vec![0; 1 << 16],
            pos: 0,
            len: 0,
            eof: false,
        };
        if !reader.more() {
            return;
        }
        let result_fd = reader.integer() as i32;
        RESULT_FD.store(result_fd, Ordering::Relaxed);
        send(result_fd, b"{\"event\":\"compiled\"}\n");
        while reader.more() {
            PANIC_LINE.store(0, Ordering::Relaxed);
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let mut out = String::from("{\"event\":\"case\",\"status\":\"ok\",\"output\":");
                crate::solution::__arena_call(&mut reader, &mut out).map(|_| out)
            }));
            let record = match outcome {
                Ok(Ok(mut out)) => {
                    out.push_str("}\n");
                    out
                }
                Ok(Err(message)) => {
                    let mut out = String::from("{\"event\":\"case\",\"status\":\"unserializable\",\"message\":");
                    put_str(&mut out, message);
                    out.push_str("}\n");
                    out
                }
                Err(payload) => {
                    let message = panic_message(&*payload);
                    std::mem::forget(payload); // its destructor is the program's code
                    let mut out = String::from("{\"event\":\"case\",\"status\":\"error\",");
                    out.push_str("\"error\":\"panic\",\"line\":");
                    match PANIC_LINE.load(Ordering::Relaxed) {
                        0 => out.push_str("null"),
                        line => {
                            let _ = write!(out, "{}", line);
                        }
                    }
                    out.push_str(",\"message\":");
                    put_str(&mut out, cut(&message, 500));
                    out.push_str("}\n");
                    out
                }
            };
            send(result_fd, record.as_bytes());
        }
    }
}

fn main() {
    arena_driver::run();
}
"""

# The contestant's module: what LeetCode solutions take for granted in scope (the node types,
# Solution, std::collections; by glob, so a ``use`` of the contestant's own shadows it), the
# source, and the driver's call of the entry point, made here so a private method is callable.
MODULE = """mod NAME {
    use super::*;
    use std::collections::*;
STRUCT    include!("PATH");

    pub(crate) fn __arena_call(
        reader: &mut crate::arena_driver::Reader,
        out: &mut ::std::string::String,
    ) -> ::std::result::Result<(), &'static str> {
        use crate::arena_driver::Wire;
CALL    }
}
"""

RUST_TYPES = {
    "int": "i64",
    "float": "f64",
    "bool": "bool",
    "str": "String",
    "ListNode": "Option<Box<ListNode>>",
    "TreeNode": "Option<Rc<RefCell<TreeNode>>>",
}
LIST_NODE_DOC = """// Definition for singly-linked list (defined by the judge):
// #[derive(PartialEq, Eq, Clone, Debug)]
// pub struct ListNode {
//   pub val: i64,
//   pub next: Option<Box<ListNode>>
// }
// impl ListNode { pub fn new(val: i64) -> Self { ListNode { next: None, val } } }"""

TREE_NODE_DOC = """// Definition for a binary tree node (defined by the judge):
// #[derive(Debug, PartialEq, Eq)]
// pub struct TreeNode {
//   pub val: i64,
//   pub left: Option<Rc<RefCell<TreeNode>>>,
//   pub right: Option<Rc<RefCell<TreeNode>>>,
// }
// impl TreeNode { pub fn new(val: i64) -> Self { TreeNode { val, left: None, right: None } } }"""

PRELUDE_DOC = (
    "// Integers are 64-bit (i64) here, as in every language of the judge.\n"
    "// In scope: std::collections::*, Rc and RefCell."
)


def rust_type(t: SigType) -> str:
    if t.kind == "list":
        assert t.item is not None
        return f"Vec<{rust_type(t.item)}>"
    return RUST_TYPES[t.kind]


def solution_module(
    sig: Signature, *, name: str = "solution", path: str = "solution.rs", own_struct: bool = False
) -> str:
    """The module around the source file ``path``: the driver calls ``crate::solution::__arena_call``.
    ``own_struct``: the module has a ``Solution`` of its own (several entry points in one crate)."""
    call = Lines(level=2)
    args = []
    for index, param in enumerate(sig.params):
        call.add(f"let a{index}: {rust_type(param.type)} = Wire::get(reader);")
        args.append(f"a{index}")
    entry = rust_name(snake_case(sig.name))
    target = f"Solution::{entry}" if sig.style == "class" else entry
    call.add(f"let value: {rust_type(sig.returns)} = {target}({', '.join(args)});")
    call.add("value.put(out)?;", "value.release();", "Ok(())")
    return (
        MODULE.replace("NAME", name)
        .replace("PATH", path)
        .replace("STRUCT", "    pub struct Solution;\n" if own_struct else "")
        .replace("CALL", call.text())
    )


# Rust's keywords: a parameter or entry point of that name is written as a raw identifier.
KEYWORD_TEXT = (
    "as async await break const continue crate dyn else enum extern false fn for if impl in let loop match "
    "mod move mut pub ref return self Self static struct super trait true type unsafe use where while "
    "abstract become box do final macro override priv try typeof unsized virtual yield"
)
KEYWORDS = frozenset(KEYWORD_TEXT.split())
UNRAWABLE = frozenset({"crate", "self", "Self", "super"})


def rust_name(name: str) -> str:
    if name in UNRAWABLE:
        return f"{name}_"
    return f"r#{name}" if name in KEYWORDS else name


def _uses(sig: Signature, kind: str) -> bool:
    return any(p.type.base().kind == kind for p in sig.params) or sig.returns.base().kind == kind


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# rustc's error blocks start with "error" or "warning" at the start of a line.
_BLOCK = re.compile(r"^(?=error|warning)", re.M)
_NOISE = re.compile(
    r"^(?:For more information about (?:this|an) error.*|Some errors have detailed explanations.*)\n?", re.M
)
MAX_ERRORS = 10


@register_language
class Rust(Language):
    key = "RUST"
    name = "Rust"
    aliases = ("rust", "rs", "rustc")
    editor_mode = "rust"
    extension = "rs"
    comment = "//"
    # As C++ (judge/languages/cpp.py): unsafe code can issue valgrind client requests built at run
    # time and write valgrind's memory, so valgrind's count could be forged; the kernel's cannot.
    meters = ("instructions", "cpu")
    builtin_errors = BUILTIN_ERRORS

    def starter_code(self, sig: Signature) -> str:
        name = rust_name(snake_case(sig.name))
        params = ", ".join(f"{rust_name(snake_case(p.name))}: {rust_type(p.type)}" for p in sig.params)
        head = f"pub fn {name}({params}) -> {rust_type(sig.returns)} {{"
        lines = Lines()
        if _uses(sig, "ListNode"):
            lines.extend(LIST_NODE_DOC.splitlines())
        if _uses(sig, "TreeNode"):
            lines.extend(TREE_NODE_DOC.splitlines())
        lines.extend(PRELUDE_DOC.splitlines())
        if sig.style == "class":
            lines.add("impl Solution {")
            lines.level = 1
            lines.add(head)
            lines.level = 2
            lines.add("todo!()")
            lines.level = 1
            lines.add("}")
            lines.level = 0
            lines.add("}")
        else:
            lines.add(head.removeprefix("pub "))
            lines.level = 1
            lines.add("todo!()")
            lines.level = 0
            lines.add("}")
        return lines.text()

    def files(self, signature: dict[str, Any], source: str) -> dict[str, str]:
        main = MAIN.replace("SOLUTION_MODULE\n", solution_module(parse_signature(signature)))
        return {"main.rs": main, "solution.rs": source}

    def toolchain(self) -> Toolchain:
        return Toolchain(
            argv=(RUSTC, *RUSTC_FLAGS, "-o", "main", "main.rs"),
            mounts=(
                *(path for path in TOOLCHAIN_DIRS if os.path.isdir(path)),
                f"{proc_self_dir()}:/proc/self",
            ),
            env=("PATH=/usr/bin", "HOME=/tmp", "TMPDIR=/tmp"),
            identity=(os.path.realpath(RUSTC),),
            # rustc maps ~670 MB of address space for a trivial crate (LLVM, its thread stacks);
            # what it really uses (~190 MB) is held by the memory cgroup at memory_mb.
            address_space_mb=2048,
            memory_mb=1024,
        )

    def program(self, box: str, memory_mb: int | None = None) -> Program:
        return Program(argv=("/box/main",), box=box)

    def noop_source(self) -> str:
        return "fn noop() -> i64 {\n    0\n}\n"

    def clean_message(self, text: str) -> str:
        """rustc's errors, the first few: jail paths gone, its closing advice dropped."""
        text = _NOISE.sub("", _ANSI.sub("", text.replace("\r\n", "\n")))
        blocks = [block for block in _BLOCK.split(text) if block.strip() and not block.startswith("warning")]
        closing = [block for block in blocks if block.startswith("error: aborting due to")]
        kept, errors = [], 0
        for block in blocks:
            if block in closing:
                continue
            errors += block.startswith("error")
            if errors <= MAX_ERRORS:
                kept.append(block)
        if errors > MAX_ERRORS:
            kept.append(f"… ({errors - MAX_ERRORS} more errors)\n\n")
        return clean_compiler_output("".join(kept + closing), limit=MAX_MESSAGE_CHARS)
