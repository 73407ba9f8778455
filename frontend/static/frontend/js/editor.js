// The problem page's code editor: CodeMirror 5 over the form's textarea.
// Without JavaScript (or if CodeMirror failed to load) the plain textarea still submits.
(function () {
  "use strict";

  var textarea = document.getElementById("id_source");
  var form = document.getElementById("submit-form");
  if (!textarea || !form || typeof window.CodeMirror === "undefined") {
    return;
  }
  var starterNode = document.getElementById("starter-code");
  var starter = starterNode ? JSON.parse(starterNode.textContent) : {};
  var language = document.getElementById("id_language");
  var submitButton = document.getElementById("submit-button");

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
    mode: { name: "python", version: 3, singleLineStringErrors: false },
    lineNumbers: true,
    indentUnit: 4,
    tabSize: 4,
    indentWithTabs: false,
    matchBrackets: true,
    viewportMargin: Infinity,
    extraKeys: {
      // Python wants spaces: Tab indents the selection or inserts four spaces.
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
    },
  });

  // fromTextArea copies the code back into the textarea on submit; doing it here too keeps
  // the order explicit, then the button is disabled so a double click cannot submit twice.
  form.addEventListener("submit", function () {
    editor.save();
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
      var code = starter[language ? language.value : "PY3"] || "";
      if (editor.getValue() === code || window.confirm("Replace your code with the starter code?")) {
        editor.setValue(code);
        editor.focus();
      }
    });
  }
})();
