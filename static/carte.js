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

  /* Lieux at the same spot (same building, or a commune's centre) are spread on a small circle around it,
     so that every number stays visible and can be clicked: [dx, dy] in pixels for each lieu. */
  function spread(lieux) {
    var groups = {}, shifts = [];
    lieux.forEach(function (lieu, i) {
      if (lieu.lat == null || lieu.lon == null) return;
      var key = Number(lieu.lat).toFixed(5) + "," + Number(lieu.lon).toFixed(5);
      (groups[key] = groups[key] || []).push(i);
    });
    lieux.forEach(function (_, i) { shifts[i] = [0, 0]; });
    Object.keys(groups).forEach(function (key) {
      var members = groups[key], k = members.length;
      if (k < 2) return;
      var radius = Math.max(16, Math.round(30 * k / (2 * Math.PI)));
      members.forEach(function (i, j) {
        var angle = 2 * Math.PI * j / k - Math.PI / 2;
        shifts[i] = [Math.round(radius * Math.cos(angle)), Math.round(radius * Math.sin(angle))];
      });
    });
    return shifts;
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
    var shifts = spread(lieux);
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
        options.icon = numberedIcon(i + 1, shifts[i], lieu.approximative);
        options.zIndexOffset = 1000 * (lieux.length - i);  // the nearest on top when markers overlap
      }
      var marker = L.marker([lieu.lat, lieu.lon], options);
      if (lieu.url) marker.bindPopup(popupFor(lieu));
      marker.addTo(carte.layer);
      markers.push(marker);
      bounds.push([lieu.lat, lieu.lon]);
    });
    if (bounds.length === 1) carte.map.setView(bounds[0], 15);
    else if (bounds.length > 1) carte.map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
    else carte.map.setView([46.6, 2.4], 5);
    return markers;
  }

  window.LieuxCarte = { readData: readData, create: create, draw: draw };
})();
