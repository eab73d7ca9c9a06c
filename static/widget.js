/* The map of the embeddable widget (/widget): numbered markers, as the list. */
(function () {
  "use strict";
  var data = window.LieuxCarte && LieuxCarte.readData();
  if (!data) return;
  var carte = LieuxCarte.create(document.getElementById("carte"), data);
  if (carte) LieuxCarte.draw(carte, data.centre, data.lieux, true);
})();
