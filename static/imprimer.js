/* The « Imprimer » button of the printable sheets. */
(function () {
  "use strict";
  var button = document.getElementById("imprimer");
  if (button) button.addEventListener("click", function () { window.print(); });
})();
