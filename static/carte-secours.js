/* Loaded before any map of the site (public pages, and the table pages' datasette-cluster-map): loads Leaflet
   (datasette-leaflet's module, which sets window.L) and changes how every map behaves.
   - Markers are not tab stops: the list of results (or the table) is the keyboard path and the text alternative.
   - When the tile server does not answer (offline, blocked, down), the map says so in French and draws the
     départements' outlines, read from the database (/carte/departements.geojson), as its background. */
import "../-/static-plugins/datasette-leaflet/leaflet-v1.7.1.js";
export * from "../-/static-plugins/datasette-leaflet/leaflet-v1.7.1.js";  // `import * as L from` this file

const L = window.L;
const CONTOURS_URL = new URL("../carte/departements.geojson", import.meta.url).href;
const MESSAGE = "Le fond de carte n'a pas pu être chargé (connexion absente ou serveur de tuiles indisponible) : "
  + "les contours des départements le remplacent.";
const ZOOM_MAX_SANS_TUILES = 10;  // closer in, a département's outline is out of view
let contours = null;

function loadContours() {
  if (!contours) {
    contours = fetch(CONTOURS_URL).then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .catch(function () { return { features: [] }; });
  }
  return contours;
}

function fallback(map) {
  if (!map || map._lieuxSecours) return;
  map._lieuxSecours = true;
  const container = map.getContainer();
  container.classList.add("carte-hors-ligne");
  if (container.offsetWidth < 250) { drawContours(map, container); return; }  // a cell's thumbnail map: no message
  const note = document.createElement("p");
  note.className = "carte-message";
  note.setAttribute("role", "status");
  note.textContent = MESSAGE;
  container.parentNode.insertBefore(note, container.nextSibling);
  drawContours(map, container);
  if (map.getZoom() > ZOOM_MAX_SANS_TUILES) map.setZoom(ZOOM_MAX_SANS_TUILES, { animate: false });
}

function drawContours(map, container) {
  loadContours().then(function (collection) {
    if (!collection.features || !collection.features.length) return;
    const layer = L.geoJSON(collection, {
      interactive: false,
      style: { color: "#6a6a6a", weight: 1, fillColor: "#f1efe9", fillOpacity: 1 },
    });
    layer.addTo(map);
    layer.bringToBack();
    container.dataset.contours = String(collection.features.length);
  });
}

if (L && !L.lieuxSecours) {
  L.lieuxSecours = true;
  L.Marker.prototype.options.keyboard = false;
  // Leaflet's own words, in French, on every map.
  L.Control.Zoom.prototype.options.zoomInTitle = "Zoomer";
  L.Control.Zoom.prototype.options.zoomOutTitle = "Dézoomer";
  L.Map.addInitHook(function () {
    this.on("popupopen", function (event) {
      const close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close) { close.setAttribute("aria-label", "Fermer"); close.setAttribute("title", "Fermer"); }
    });
  });
  // Every tile layer, whoever makes it (datasette-leaflet-geojson hard-codes OpenStreetMap), uses the site's
  // one tile setting (metadata.yml, datasette-cluster-map's tile_layer), written in <meta name="lieux-tuiles">.
  const meta = document.querySelector('meta[name="lieux-tuiles"]');
  const tiles = meta ? JSON.parse(meta.content) : null;
  L.TileLayer.addInitHook(function () {
    if (tiles && tiles.tile_layer && !(L.TileLayer.WMS && this instanceof L.TileLayer.WMS)) {
      this._url = tiles.tile_layer;
      L.setOptions(this, tiles.tile_layer_options || {});
    }
    let loaded = 0;
    this.on("tileload", function () { loaded += 1; });
    this.on("tileerror", function () { if (!loaded) fallback(this._map); });
  });
}
