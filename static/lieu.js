/* The small map of a place page. */
(function () {
  "use strict";
  var data = window.LieuxCarte && LieuxCarte.readData();
  if (!data) return;
  var carte = LieuxCarte.create(document.getElementById("carte"), data);
  if (carte) LieuxCarte.draw(carte, null, data.lieux, false);
  var legende = document.getElementById("legende-approximative");  // only when the point is approximate
  if (carte && legende) legende.hidden = false;
})();
