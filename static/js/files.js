// Evidence inputs: say at once when the chosen files break a limit, and keep such a
// form from being sent (the server would refuse it after a long upload).
(function () {
  "use strict";
  document.querySelectorAll("input[type=file][data-max-files]").forEach(function (input) {
    var hint = document.getElementById(input.id + "-hint");
    function problem() {
      var maxFiles = +input.dataset.maxFiles, maxFile = +input.dataset.maxFile, maxTotal = +input.dataset.maxTotal;
      var total = 0, tooBig = false;
      Array.prototype.forEach.call(input.files, function (f) { total += f.size; if (f.size > maxFile) tooBig = true; });
      return input.files.length > maxFiles || tooBig || total > maxTotal;
    }
    function check() {
      input.setCustomValidity(problem() && hint ? hint.textContent : "");
      return !problem();
    }
    input.addEventListener("change", function () { if (!check()) input.reportValidity(); });
    if (input.form) {
      input.form.addEventListener("submit", function (event) {
        if (!check()) { event.preventDefault(); input.reportValidity(); input.focus(); }
      });
    }
  });
  // One press of a send button: a second would send the same report twice.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      if (!event.defaultPrevented) form.dataset.sent = "1";
    });
  });
})();
