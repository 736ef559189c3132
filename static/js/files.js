// Evidence inputs: say on the page, at once, which chosen file breaks a limit and why (as the
// server would), and keep such a form from being sent after a long upload the server would refuse.
(function () {
  "use strict";
  document.querySelectorAll("input[type=file][data-max-files]").forEach(function (input) {
    var maxFiles = +input.dataset.maxFiles, maxFile = +input.dataset.maxFile, maxTotal = +input.dataset.maxTotal;
    var described = input.getAttribute("aria-describedby") || "";
    var list = null;

    function problems() {
      var found = [], total = 0;
      if (input.files.length > maxFiles) found.push(input.dataset.tooMany);
      Array.prototype.forEach.call(input.files, function (f) {
        total += f.size;
        if (f.size > maxFile) found.push(input.dataset.tooBig.replace("{name}", f.name));
      });
      if (total > maxTotal) found.push(input.dataset.tooMuch);
      return found;
    }

    function show(found) {
      if (!list) {
        list = document.createElement("ul");
        list.className = "errors";
        list.id = input.id + "-check";
        list.setAttribute("role", "alert");
        input.parentNode.insertBefore(list, input);
      }
      list.textContent = "";
      found.forEach(function (text) {
        var item = document.createElement("li");
        item.textContent = text;
        list.appendChild(item);
      });
      list.hidden = !found.length;
      input.parentNode.classList.toggle("has-error", found.length > 0);
      if (found.length) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", (described + " " + list.id).trim());
      } else {
        input.removeAttribute("aria-invalid");
        input.setAttribute("aria-describedby", described);
      }
      return !found.length;
    }

    input.addEventListener("change", function () { show(problems()); });
    if (input.form) {
      input.form.addEventListener("submit", function (event) {
        if (!show(problems())) { event.preventDefault(); input.focus(); }
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
