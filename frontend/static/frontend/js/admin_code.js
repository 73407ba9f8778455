// Curators' code fields in the admin (starter code, generator, custom checker): a code editor
// instead of a plain textarea. The textarea stays the form field; CodeMirror writes back to it.
(function () {
  "use strict";
  function upgrade() {
    if (!window.CodeMirror) return;
    document.querySelectorAll("textarea.code-editor").forEach(function (area) {
      if (area.dataset.upgraded) return;
      area.dataset.upgraded = "1";
      var editor = window.CodeMirror.fromTextArea(area, {
        mode: "python",
        lineNumbers: true,
        indentUnit: 4,
        tabSize: 4,
        indentWithTabs: false,
        viewportMargin: Infinity,
        extraKeys: {
          Tab: function (cm) { cm.execCommand(cm.somethingSelected() ? "indentMore" : "insertSoftTab"); },
          // Esc then Tab leaves the editor (it is no keyboard trap).
          Esc: function (cm) { cm.getInputField().dataset.leave = "1"; },
        },
      });
      var input = editor.getInputField();
      input.setAttribute("aria-label", (area.labels && area.labels[0] ? area.labels[0].textContent : area.name) + " (code editor)");
      input.addEventListener("keydown", function (event) {
        if (event.key === "Tab" && input.dataset.leave === "1") {
          delete input.dataset.leave;
          event.stopPropagation();
          editor.setOption("extraKeys", Object.assign({}, editor.getOption("extraKeys"), { Tab: false }));
          setTimeout(function () {
            editor.setOption("extraKeys", Object.assign({}, editor.getOption("extraKeys"), {
              Tab: function (cm) { cm.execCommand(cm.somethingSelected() ? "indentMore" : "insertSoftTab"); },
            }));
          }, 0);
        } else if (event.key !== "Escape") {
          delete input.dataset.leave;
        }
      }, true);
      editor.on("change", function () { editor.save(); });
      editor.getWrapperElement().style.border = "1px solid #ccc";
      editor.getWrapperElement().style.maxWidth = "60rem";
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", upgrade);
  else upgrade();
})();
