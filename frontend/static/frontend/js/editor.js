// The problem page's code editor: CodeMirror 5 over the form's textarea, in the mode of the
// chosen language; the code kept in this browser per problem and language, the language kept
// for the next problem; and "Run" (POST /api/problems/<code>/run/: the samples or the author's
// own inputs, nothing stored, no submission).
// Without JavaScript (or if CodeMirror failed to load) the plain textarea still submits.
(function () {
  "use strict";

  var textarea = document.getElementById("id_source");
  var form = document.getElementById("submit-form");
  if (!textarea || !form || typeof window.CodeMirror === "undefined") {
    return;
  }

  function readJson(id, fallback) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : fallback;
  }

  // The languages the problem offers: {key: {name, mode, starter}} (frontend/views.py).
  var languages = readJson("editor-languages", {});
  var firstSampleArgs = readJson("first-sample-args", null);
  var language = document.getElementById("id_language");
  var submitButton = document.getElementById("submit-button");
  var runButton = document.getElementById("run-button");
  var results = document.getElementById("run-results");
  var customToggle = document.getElementById("custom-toggle");
  var customBox = document.getElementById("custom-input-box");
  var customInput = document.getElementById("custom-input");
  var customError = document.getElementById("custom-input-error");
  var problem = form.getAttribute("data-problem") || "";
  var runUrl = form.getAttribute("data-run-url") || "";
  var loginUrl = form.getAttribute("data-login-url") || "/login/";

  var SAVE_DELAY_MS = 400;
  var MAX_RUN_INPUTS = 10; // arena/services/runs.py
  var LANGUAGE_KEY = "codearena:language";

  // --- what this browser keeps ------------------------------------------------------------
  // localStorage may be missing or refuse to write (private windows, a full quota): the editor
  // then works as before, it only forgets.
  var store = {
    get: function (key) {
      try {
        return window.localStorage.getItem(key);
      } catch (e) {
        return null;
      }
    },
    set: function (key, value) {
      try {
        window.localStorage.setItem(key, value);
      } catch (e) {
        /* forgotten, not lost: the editor still has it */
      }
    },
    remove: function (key) {
      try {
        window.localStorage.removeItem(key);
      } catch (e) {
        /* as above */
      }
    },
  };

  function codeKey(lang) {
    return "codearena:code:" + problem + ":" + lang;
  }

  function currentLanguage() {
    return language ? language.value : "PY3";
  }

  function starterFor(lang) {
    var info = languages[lang];
    return info && typeof info.starter === "string" ? info.starter : "";
  }

  // Offered: in the list and not disabled (a language the problem's signature cannot use).
  function hasLanguage(lang) {
    return (
      !!language &&
      Object.prototype.hasOwnProperty.call(languages, lang) &&
      Array.prototype.some.call(language.options, function (option) {
        return option.value === lang && !option.disabled;
      })
    );
  }

  // The CodeMirror mode: a mode name or a MIME type, its script loaded by the page.
  function modeFor(lang) {
    var mode = languages[lang] ? languages[lang].mode : "python";
    if (mode === "python") {
      return { name: "python", version: 3, singleLineStringErrors: false };
    }
    return mode || "text/plain";
  }

  // The server fills the editor with the starter code, or with code the user asked for
  // (?from=<submission>) or has just sent (a refused submission, shown again): only the starter
  // code gives way to what this browser kept.
  if (textarea.value === starterFor(currentLanguage())) {
    var lastLanguage = store.get(LANGUAGE_KEY);
    if (lastLanguage && hasLanguage(lastLanguage)) {
      language.value = lastLanguage;
    }
    var kept = store.get(codeKey(currentLanguage()));
    textarea.value = kept !== null ? kept : starterFor(currentLanguage());
  }
  // The language the editor's content is in: what a save files it under.
  var editorLanguage = currentLanguage();

  // --- the editor -------------------------------------------------------------------------
  function submit() {
    if (!submitButton) {
      return;
    }
    if (form.requestSubmit) {
      form.requestSubmit(submitButton);
    } else {
      submitButton.click();
    }
  }

  var editor = window.CodeMirror.fromTextArea(textarea, {
    mode: modeFor(editorLanguage),
    lineNumbers: true,
    indentUnit: 4,
    tabSize: 4,
    indentWithTabs: false,
    matchBrackets: true,
    viewportMargin: Infinity,
    screenReaderLabel: "Code editor",
    // A phone wraps long lines instead of scrolling sideways inside the page.
    lineWrapping: window.matchMedia("(max-width: 600px)").matches,
    extraKeys: {
      // Spaces in every language: Tab indents the selection or inserts four spaces.
      Tab: function (cm) {
        if (cm.somethingSelected()) {
          cm.indentSelection("add");
        } else {
          cm.replaceSelection("    ", "end");
        }
      },
      "Shift-Tab": function (cm) {
        cm.indentSelection("subtract");
      },
      "Ctrl-Enter": submit,
      "Cmd-Enter": submit,
      "Ctrl-'": run,
      "Cmd-'": run,
    },
  });
  editor.getInputField().setAttribute("aria-describedby", "editor-help");

  // Tab indents, so the editor would trap a keyboard user: Esc, then Tab (or Shift+Tab), moves
  // the focus on as from any other field. codemirrorIgnore leaves the key to the browser.
  var leaving = false;
  editor.on("keydown", function (cm, event) {
    if (event.key === "Escape") {
      leaving = true;
    } else if (event.key === "Tab" && leaving) {
      leaving = false;
      event.codemirrorIgnore = true;
    } else if (["Shift", "Control", "Alt", "Meta"].indexOf(event.key) === -1) {
      leaving = false;
    }
  });
  editor.on("blur", function () {
    leaving = false;
  });

  // Code equal to the starter code is not kept: the starter code is what the page falls back to.
  var saveTimer = null;
  function saveNow() {
    window.clearTimeout(saveTimer);
    saveTimer = null;
    var code = editor.getValue();
    if (code === starterFor(editorLanguage)) {
      store.remove(codeKey(editorLanguage));
    } else {
      store.set(codeKey(editorLanguage), code);
    }
  }
  editor.on("change", function () {
    window.clearTimeout(saveTimer);
    saveTimer = window.setTimeout(saveNow, SAVE_DELAY_MS);
  });
  // A reload or a link followed within the delay must not lose the last keystrokes.
  window.addEventListener("pagehide", function () {
    if (saveTimer !== null) {
      saveNow();
    }
  });

  if (language) {
    language.addEventListener("change", function () {
      saveNow(); // under the language being left
      editorLanguage = currentLanguage();
      store.set(LANGUAGE_KEY, editorLanguage);
      editor.setOption("mode", modeFor(editorLanguage));
      var keptCode = store.get(codeKey(editorLanguage));
      editor.setValue(keptCode !== null ? keptCode : starterFor(editorLanguage));
      editor.clearHistory(); // undo must not bring back the other language's code
      runAvailability();
    });
  }

  // fromTextArea copies the code back into the textarea on submit; doing it here too keeps
  // the order explicit, then the button is disabled so a double click cannot submit twice.
  form.addEventListener("submit", function () {
    editor.save();
    saveNow();
    store.set(LANGUAGE_KEY, currentLanguage());
    if (submitButton) {
      window.setTimeout(function () {
        submitButton.disabled = true;
        submitButton.textContent = "Submitting…";
      }, 0);
    }
  });

  var reset = document.getElementById("reset-code");
  if (reset) {
    reset.addEventListener("click", function () {
      var code = starterFor(currentLanguage());
      if (editor.getValue() === code || window.confirm("Replace your code with the starter code?")) {
        editor.setValue(code);
        saveNow();
        editor.focus();
      }
    });
  }

  // --- the solution card stays in reach -----------------------------------------------------
  // Beside a long statement the card sticks to the top of the window; taller than the window
  // (run results below the editor), it sticks by its bottom edge instead, so all of it can be
  // scrolled to.
  var card = form.closest ? form.closest(".solve") : null;
  function fitCard() {
    var spare = window.innerHeight - card.offsetHeight - 16;
    card.style.top = Math.min(16, spare) + "px";
  }
  if (card) {
    fitCard();
    window.addEventListener("resize", fitCard);
    if (typeof window.ResizeObserver === "function") {
      new window.ResizeObserver(fitCard).observe(card);
    }
  }

  // --- Run ----------------------------------------------------------------------------------
  // "Run" exists in every language: it shows the button and its keys once the page knows the
  // user may run (logged in).
  function runAvailability() {
    if (!runButton || !results || !runUrl) {
      return;
    }
    runButton.hidden = false;
    ["run-keys", "run-options"].forEach(function (id) {
      var node = document.getElementById(id);
      if (node) {
        node.hidden = false;
      }
    });
  }

  if (!runButton || !results || !runUrl) {
    return; // logged out: the page offers to log in instead
  }
  runAvailability();

  var VERDICT_LABELS = {
    AC: "Accepted",
    OK: "Returned",
    WA: "Wrong Answer",
    TLE: "Time Limit Exceeded",
    MLE: "Memory Limit Exceeded",
    RTE: "Runtime Error",
    OLE: "Output Limit Exceeded",
    CE: "Compile Error",
    IE: "Internal Error",
  };

  // JSON as the server writes it (Python's json.dumps: ", " between items, ": " after keys),
  // so a run's input reads like the statement's samples.
  function pyJson(value) {
    if (Array.isArray(value)) {
      return "[" + value.map(pyJson).join(", ") + "]";
    }
    if (value !== null && typeof value === "object") {
      return (
        "{" +
        Object.keys(value)
          .map(function (key) {
            return JSON.stringify(key) + ": " + pyJson(value[key]);
          })
          .join(", ") +
        "}"
      );
    }
    var text = JSON.stringify(value);
    return text === undefined ? "null" : text;
  }

  // {"nums": [2, 7], "target": 9} → nums = [2, 7], target = 9 (arena_ui's call_args).
  function callArgs(named) {
    if (named === null || typeof named !== "object" || Array.isArray(named)) {
      return pyJson(named);
    }
    return Object.keys(named)
      .map(function (name) {
        return name + " = " + pyJson(named[name]);
      })
      .join(", ");
  }

  // As arena_ui's duration_ms and memory_kb filters.
  function durationText(ms) {
    if (typeof ms !== "number") {
      return "—";
    }
    if (ms >= 1000) {
      return (ms / 1000).toFixed(2) + " s";
    }
    if (ms < 0.1) {
      return "<0.1 ms";
    }
    return (ms >= 10 ? ms.toFixed(0) : ms.toFixed(1)) + " ms";
  }

  function memoryText(kb) {
    if (typeof kb !== "number" || kb <= 0) {
      return "—";
    }
    if (kb >= 1024) {
      return kb % 1024 === 0 ? kb / 1024 + " MB" : (kb / 1024).toFixed(1) + " MB";
    }
    return kb + " KB";
  }

  // Everything the run sends back (the program's prints above all) is text, never markup.
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
  }

  function chip(verdict) {
    var node = el("span", "verdict-chip v-" + String(verdict).toLowerCase(), verdict);
    node.title = VERDICT_LABELS[verdict] || verdict;
    return node;
  }

  function row(list, term, value, pre) {
    list.appendChild(el("dt", null, term));
    var dd = el("dd");
    dd.appendChild(el(pre === false ? "span" : "pre", null, value));
    list.appendChild(dd);
  }

  function caseLabel(c) {
    return (c.kind === "sample" ? "Sample " : "Input ") + c.ordinal;
  }

  function summaryText(report) {
    var n = report.cases.length;
    if (report.verdict === "AC") {
      return n === 1 ? "The sample passed." : "All " + n + " samples passed.";
    }
    if (report.verdict === "OK") {
      return n === 1 ? "Your code returned on the input." : "Your code returned on all " + n + " inputs.";
    }
    var bad = report.cases.filter(function (c) {
      return c.verdict === report.verdict;
    })[0];
    var label = VERDICT_LABELS[report.verdict] || report.verdict;
    return bad ? label + " on " + caseLabel(bad).toLowerCase() + "." : label + ".";
  }

  function caseItem(c) {
    var item = el("li", "sample run-case");
    item.setAttribute("data-verdict", c.verdict);
    var head = el("div", "sample-head run-case-head");
    head.appendChild(el("span", null, caseLabel(c)));
    head.appendChild(chip(c.verdict));
    if (c.returned || c.time_ms) {
      head.appendChild(el("span", "run-case-cost", durationText(c.time_ms) + " · " + memoryText(c.memory_kb)));
    }
    item.appendChild(head);
    var list = el("dl");
    row(list, "Input", callArgs(c.input));
    if (c.kind === "sample") {
      row(list, "Expected", pyJson(c.expected));
      row(list, "Got", c.returned ? pyJson(c.output) : "nothing returned", c.returned);
    } else if (c.returned) {
      row(list, "Returned", pyJson(c.output));
    }
    // A wrong answer's message repeats input, expected and got, shown above already.
    if (c.message && c.verdict !== "AC" && c.verdict !== "OK" && c.verdict !== "WA") {
      row(list, "Message", c.message);
    }
    [
      ["stdout", c.stdout, c.stdout_cut],
      ["stderr", c.stderr, c.stderr_cut],
    ].forEach(function (stream) {
      if (stream[1] || stream[2]) {
        row(list, stream[0] + (stream[2] ? " (cut)" : ""), stream[1]);
        list.lastChild.firstChild.className = "run-" + stream[0];
      }
    });
    item.appendChild(list);
    return item;
  }

  function showReport(report) {
    clear(results);
    var head = el("div", "run-summary");
    head.appendChild(chip(report.verdict));
    head.appendChild(el("strong", null, summaryText(report)));
    results.appendChild(head);
    var list = el("ol", "run-cases");
    report.cases.forEach(function (c) {
      list.appendChild(caseItem(c));
    });
    results.appendChild(list);
    results.appendChild(el("p", "muted small", "A run is not a submission: nothing was stored or scored."));
  }

  function showProblem(parts) {
    clear(results);
    var box = el("div", "alert error run-error");
    box.appendChild(el("strong", null, "Not run: "));
    parts.forEach(function (part) {
      box.appendChild(typeof part === "string" ? document.createTextNode(part) : part);
    });
    results.appendChild(box);
  }

  function showInputError(message) {
    customError.textContent = message;
    customError.hidden = false;
    customInput.setAttribute("aria-invalid", "true");
  }

  function clearInputError() {
    customError.textContent = "";
    customError.hidden = true;
    customInput.removeAttribute("aria-invalid");
  }

  function showError(response, body, lines) {
    var error = body && body.error ? body.error : {};
    var message = typeof error.message === "string" && error.message ? error.message : "";
    if (response.status === 400 && lines && typeof error.item === "number" && lines[error.item]) {
      // "item 0: give 2 argument(s) …" is about one custom input: say which line, beside it.
      showInputError("Line " + lines[error.item] + ": " + message.replace(/^item \d+: /, ""));
      clear(results);
      return;
    }
    if (response.status === 401) {
      var login = el("a", null, "Log in");
      login.href = loginUrl;
      showProblem(["you are not logged in (any more). ", login, " to run your code: it stays in this editor."]);
      return;
    }
    var parts = [message || "the server answered " + response.status + ". Run again in a moment."];
    if (response.status === 429) {
      var wait = parseInt(response.headers.get("Retry-After") || "", 10);
      if (wait > 0) {
        parts.push(" Wait " + wait + " s, then run again.");
      }
    } else if (response.status === 403) {
      parts.push(" Reload the page and run again: your code stays in this editor.");
    }
    showProblem(parts);
  }

  // One input a line: a JSON array of the arguments, or an object by parameter name.
  function parseCustomInput(text) {
    var inputs = [];
    var lines = [];
    var example = firstSampleArgs !== null ? pyJson(firstSampleArgs) : "[1, 2]";
    var rows = text.split("\n");
    for (var i = 0; i < rows.length; i++) {
      var line = rows[i].trim();
      if (!line) {
        continue;
      }
      var value;
      try {
        value = JSON.parse(line);
      } catch (e) {
        return { error: "Line " + (i + 1) + " is not valid JSON (" + e.message + "). Write it like " + example + "." };
      }
      if (value === null || typeof value !== "object") {
        return {
          error: "Line " + (i + 1) + " is one value: write the arguments as a JSON array, like " + example + ".",
        };
      }
      inputs.push(value);
      lines.push(i + 1);
    }
    if (!inputs.length) {
      return { error: "Write an input first, one a line, like " + example + "." };
    }
    if (inputs.length > MAX_RUN_INPUTS) {
      return { error: "A run takes at most " + MAX_RUN_INPUTS + " inputs; there are " + inputs.length + "." };
    }
    return { inputs: inputs, lines: lines };
  }

  var running = false;

  function setRunning(on) {
    running = on;
    var hadFocus = document.activeElement === runButton;
    runButton.disabled = on;
    runButton.setAttribute("aria-busy", on ? "true" : "false");
    runButton.textContent = on ? "Running…" : "Run";
    results.setAttribute("aria-busy", on ? "true" : "false");
    return hadFocus;
  }

  function run() {
    if (running || !runButton || !results || !runUrl) {
      return;
    }
    var inputs = null;
    var lines = null;
    if (customToggle && customToggle.checked) {
      var parsed = parseCustomInput(customInput.value);
      if (parsed.error) {
        showInputError(parsed.error);
        return;
      }
      inputs = parsed.inputs;
      lines = parsed.lines;
    }
    if (customError) {
      clearInputError();
    }
    var refocus = setRunning(true);
    clear(results);
    results.appendChild(
      el(
        "p",
        "muted run-pending",
        inputs === null ? "Running on the samples…" : "Running on " + inputs.length + " input(s)…"
      )
    );
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
    window
      .fetch(runUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrf ? csrf.value : "",
        },
        body: JSON.stringify({ language: currentLanguage(), source: editor.getValue(), inputs: inputs }),
      })
      .then(function (response) {
        return response.json().then(
          function (body) {
            return { response: response, body: body };
          },
          function () {
            return { response: response, body: null };
          }
        );
      })
      .then(
        function (answer) {
          if (answer.response.ok && answer.body && Array.isArray(answer.body.cases)) {
            showReport(answer.body);
          } else {
            showError(answer.response, answer.body, lines);
          }
        },
        function () {
          showProblem(["the server could not be reached. Check your connection and run again."]);
        }
      )
      .then(function () {
        setRunning(false);
        if (refocus && (!document.activeElement || document.activeElement === document.body)) {
          runButton.focus();
        }
      });
  }

  runButton.addEventListener("click", run);

  if (customToggle && customBox && customInput && customError) {
    customToggle.addEventListener("change", function () {
      customBox.hidden = !customToggle.checked;
      if (customToggle.checked) {
        if (!customInput.value.trim() && firstSampleArgs !== null) {
          customInput.value = pyJson(firstSampleArgs);
        }
        customInput.focus();
      } else {
        clearInputError();
      }
    });
    customInput.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && event.key === "'") {
        event.preventDefault();
        run();
      }
    });
  }
})();
