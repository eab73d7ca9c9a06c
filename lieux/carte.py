"""The map tiles of every map of the site, from one place: datasette-cluster-map's `tile_layer` and
`tile_layer_options` in metadata.yml (the table pages' map reads them itself; the public pages' maps
and the Content-Security-Policy read them here). OpenStreetMap's tiles when nothing is configured.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import yaml

CONFIG_PLUGIN = "datasette-cluster-map"
TILE_LAYER = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
TILE_LAYER_OPTIONS = {
    "maxZoom": 19,
    "attribution": '&copy; <a href="https://www.openstreetmap.org/copyright">contributeurs OpenStreetMap</a>',
}


def tile_config(plugin_config: dict | None) -> dict:
    """{"tile_layer": URL template, "tile_layer_options": Leaflet options} from the plugin's config."""
    config = plugin_config or {}
    return {"tile_layer": config.get("tile_layer") or TILE_LAYER,
            "tile_layer_options": config.get("tile_layer_options") or TILE_LAYER_OPTIONS}


def tile_origins(tile_layer: str) -> list[str]:
    """The origins a browser fetches tiles from, for img-src: "{s}" becomes a wildcard subdomain."""
    subdomains = "{s}." in tile_layer
    parts = urlsplit(tile_layer.replace("{s}.", ""))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return []
    origin = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return [f"{parts.scheme}://*.{origin.split('://', 1)[1]}", origin] if subdomains else [origin]


def configured_tile_origins(metadata_path) -> list[str]:
    """tile_origins of the tile layer configured in a metadata.yml file."""
    metadata = yaml.safe_load(open(metadata_path, encoding="utf-8")) or {}
    return tile_origins(tile_config((metadata.get("plugins") or {}).get(CONFIG_PLUGIN))["tile_layer"])
