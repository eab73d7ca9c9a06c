/* The table pages' map (datasette-cluster-map) in French: its progress line and buttons are written in
   English by the plugin; this rewrites them as they appear. The map gets a name for screen readers. */
(function () {
  "use strict";
  var box = document.getElementById("carte-table");
  if (!box || !window.MutationObserver) return;
  var WORDS = { "load all": "tout charger", "pause": "pause" };
  function translate(node) {
    if (node.nodeType === 3) {
      var m = /^Showing ([\d\s\u202f.,]+) of ([\d\s\u202f.,]+)(?: \(([\d.]+)%\))?\s*$/.exec(node.nodeValue);
      if (m) node.nodeValue = "Sur la carte : " + m[1].trim() + " lieux sur " + m[2].trim()
        + (m[3] ? " (" + m[3].replace(".", ",") + " %)" : "") + " ";
      return;
    }
    if (node.nodeType !== 1) return;
    if (node.tagName === "BUTTON" && WORDS[node.textContent]) node.textContent = WORDS[node.textContent];
    if (node.classList && node.classList.contains("leaflet-container") && !node.hasAttribute("aria-label")) {
      node.setAttribute("role", "region");
      node.setAttribute("aria-label", "Carte des lignes de cette page (les lignes restent listées dans le tableau)");
    }
    for (var i = 0; i < node.childNodes.length; i++) translate(node.childNodes[i]);
  }
  new MutationObserver(function (records) {
    records.forEach(function (r) {
      if (r.type === "characterData") translate(r.target);
      r.addedNodes.forEach(translate);
    });
  }).observe(box, { childList: true, subtree: true, characterData: true });
})();
