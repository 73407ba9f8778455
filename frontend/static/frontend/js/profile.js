// Profile page: copy the freshly created token; confirm before revoking one.
(function () {
  "use strict";

  var button = document.getElementById("copy-token");
  var value = document.getElementById("new-token-value");
  if (button && value) {
    if (!navigator.clipboard) {
      button.hidden = true; // plain HTTP: the clipboard API is unavailable, select the text instead
    } else {
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(value.textContent).then(function () {
          button.textContent = "Copied";
        });
      });
    }
  }

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
})();
