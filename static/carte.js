/* Leaflet maps of the public pages. Leaflet comes from the datasette-leaflet plugin's static files, an ES
   module that sets window.L; the page loads it with <script type="module">, run in order with these deferred scripts.
   Data reach the DOM through textContent and DOM properties only, never as HTML. */
(function () {
  "use strict";

  function readData() {
    var node = document.getElementById("donnees-carte");
    return node ? JSON.parse(node.textContent) : null;
  }

  function create(element, data) {
    if (!window.L || !element) return null;
    element.hidden = false;
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var map = L.map(element, { scrollWheelZoom: false, fadeAnimation: !still, zoomAnimation: !still,
                               markerZoomAnimation: !still });
    L.tileLayer(data.tile_layer, data.tile_layer_options || {}).addTo(map);
    map.attributionControl.setPrefix(false);
    map.on("popupopen", function (event) {
      var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close) { close.setAttribute("aria-label", "Fermer"); close.setAttribute("title", "Fermer"); }
    });
    var layer = L.layerGroup().addTo(map);
    return { map: map, layer: layer };
  }

  function popupFor(lieu) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = lieu.url;
    link.textContent = lieu.nom;
    box.appendChild(link);
    if (lieu.distance) {
      var p = document.createElement("div");
      p.textContent = lieu.distance;
      box.appendChild(p);
    } else if (lieu.approximative) {
      var q = document.createElement("div");
      q.textContent = "Position approximative (centre de la commune)";
      box.appendChild(q);
    }
    return box;
  }

  /* A precise point is a filled disc; a point that is not the place's own (its commune's centre)
     a hollow, dashed circle, explained by the legend under the map. */
  function numberedIcon(number, shift, approximate) {
    var span = document.createElement("span");
    span.className = "marqueur-numero" + (approximate ? " approximatif" : "");
    span.textContent = String(number);
    return L.divIcon({ className: "", html: span, iconSize: [28, 28], iconAnchor: [14 - shift[0], 14 - shift[1]],
                       popupAnchor: [shift[0], shift[1] - 12] });
  }

  /* Numbered markers that would cover each other at the map's zoom (the same building, a commune's centre, two
     places a street apart seen from afar) are spread on a small circle around their middle, so that every
     number stays visible and can be clicked; recomputed after each zoom. */
  var NEAR_PX = 26;
  function circle(points, group) {
    var k = group.length;
    var middle = group.reduce(function (m, g) { return m.add(points[g]); }, L.point(0, 0)).divideBy(k);
    var radius = k < 2 ? 0 : Math.max(16, Math.round(30 * k / (2 * Math.PI)));
    return group.map(function (g, n) {
      var angle = 2 * Math.PI * n / k - Math.PI / 2;
      return k < 2 ? points[g] : middle.add(L.point(radius * Math.cos(angle), radius * Math.sin(angle)));
    });
  }
  function spread(map, entries) {
    var points = entries.map(function (e) { return map.latLngToLayerPoint(e.marker.getLatLng()); });
    var groups = entries.map(function (_, i) { return [i]; });
    // Merge groups while two of their markers (as drawn) would cover each other.
    for (var round = 0; round < 10; round++) {
      var targets = groups.map(function (g) { return circle(points, g); });
      var merged = false;
      for (var a = 0; a < groups.length && !merged; a++) {
        for (var b = a + 1; b < groups.length && !merged; b++) {
          if (targets[a].some(function (p) { return targets[b].some(function (q) { return p.distanceTo(q) < NEAR_PX; }); })) {
            groups[a] = groups[a].concat(groups[b]).sort(function (x, y) { return x - y; });
            groups.splice(b, 1);
            merged = true;
          }
        }
      }
      if (!merged) break;
    }
    groups.forEach(function (group) {
      var targets = circle(points, group);
      group.forEach(function (g, n) {
        var shift = [Math.round(targets[n].x - points[g].x), Math.round(targets[n].y - points[g].y)];
        var e = entries[g];
        if (e.shift && e.shift[0] === shift[0] && e.shift[1] === shift[1]) return;
        var old = e.marker.getElement() && e.marker.getElement().querySelector(".marqueur-numero");
        e.shift = shift;
        e.marker.setIcon(numberedIcon(e.number, shift, e.approximate));
        if (old && old.classList.contains("actif")) e.marker.getElement().querySelector(".marqueur-numero").classList.add("actif");
      });
    });
  }

  function approximateIcon() {
    var span = document.createElement("span");
    span.className = "marqueur-lieu approximatif";
    return L.divIcon({ className: "", html: span, iconSize: [30, 30], iconAnchor: [15, 15], popupAnchor: [0, -14] });
  }

  /* Draw the search centre and numbered lieux; returns the markers, in the list's order. */
  function draw(carte, centre, lieux, numbered) {
    carte.layer.clearLayers();
    var bounds = [];
    var markers = [];
    var numberedEntries = [];
    if (centre && centre.lat != null) {
      L.marker([centre.lat, centre.lon], {
        icon: L.divIcon({ className: "", html: '<span class="marqueur-centre"></span>', iconSize: [22, 22] }),
        keyboard: false, interactive: false
      }).addTo(carte.layer);
      bounds.push([centre.lat, centre.lon]);
    }
    lieux.forEach(function (lieu, i) {
      if (lieu.lat == null || lieu.lon == null) { markers.push(null); return; }
      var options = { title: (numbered ? (i + 1) + ". " : "") + lieu.nom +
                      (lieu.approximative ? " (position approximative)" : ""), alt: lieu.nom, keyboard: false };
      if (!numbered && lieu.approximative) options.icon = approximateIcon();
      if (numbered) {
        options.icon = numberedIcon(i + 1, [0, 0], lieu.approximative);
        options.zIndexOffset = 1000 * (lieux.length - i);  // the nearest on top when markers overlap
      }
      var marker = L.marker([lieu.lat, lieu.lon], options);
      if (lieu.url) marker.bindPopup(popupFor(lieu));
      marker.addTo(carte.layer);
      markers.push(marker);
      if (numbered) numberedEntries.push({ marker: marker, number: i + 1, approximate: lieu.approximative, shift: [0, 0] });
      bounds.push([lieu.lat, lieu.lon]);
    });
    if (bounds.length === 1) carte.map.setView(bounds[0], 15);
    else if (bounds.length > 1) carte.map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
    else carte.map.setView([46.6, 2.4], 5);
    if (carte.respread) carte.map.off("zoomend", carte.respread);
    carte.respread = function () { spread(carte.map, numberedEntries); };
    carte.map.on("zoomend", carte.respread);
    carte.respread();
    return markers;
  }

  window.LieuxCarte = { readData: readData, create: create, draw: draw };
})();
