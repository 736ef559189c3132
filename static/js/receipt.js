// The receipt page: a print button where printing from script is possible.
(function () {
  var button = document.querySelector(".js-print");
  if (!button || !window.print) return;
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
