// The plan page's « Imprimer » button (scripts come from files: the CSP forbids inline ones).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector("[data-print]");
  if (button) button.addEventListener("click", function () { window.print(); });
});
