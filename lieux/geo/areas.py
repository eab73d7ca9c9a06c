"""Which département a point lies in: département polygons (shapely), with a small tolerance for coasts and borders."""

from __future__ import annotations

import shapely
import shapely.ops
from pyproj import Geod
from shapely import STRtree, Point

GEOD = Geod(ellps="WGS84")

# About 1 km: lieux geocoded on a quay or a border street fall just outside a simplified polygon.
TOLERANCE_DEGREES = 0.01

# Overseas collectivités with INSEE-like codes but no polygon in the département contours:
# (min_lon, min_lat, max_lon, max_lat), so that their lieux still count as in France.
COM_BOUNDS = {
    "975": (-56.6, 46.7, -56.0, 47.2),     # Saint-Pierre-et-Miquelon
    "977": (-63.0, 17.8, -62.7, 18.0),     # Saint-Barthélemy
    "978": (-63.2, 18.0, -62.9, 18.2),     # Saint-Martin
    "986": (-178.3, -14.5, -176.0, -13.1), # Wallis-et-Futuna
    "987": (-155.0, -28.0, -134.0, -7.0),  # Polynésie française
    "988": (163.5, -23.0, 168.5, -19.5),   # Nouvelle-Calédonie
}


class DepartementLocator:
    """Point-in-département tests on the full-resolution polygons, prepared once."""

    def __init__(self, shapes: dict, tolerance: float = TOLERANCE_DEGREES):
        self.codes = list(shapes)
        self.shapes = shapes
        self.tolerance = tolerance
        for geometry in shapes.values():
            shapely.prepare(geometry)
        self.tree = STRtree([shapes[c] for c in self.codes])

    def contains(self, code: str, lon: float, lat: float) -> bool:
        """True when the point lies in département `code` or within the tolerance of its edge."""
        if code in COM_BOUNDS:
            x0, y0, x1, y1 = COM_BOUNDS[code]
            return x0 <= lon <= x1 and y0 <= lat <= y1
        geometry = self.shapes.get(code)
        if geometry is None:
            return False
        if shapely.contains_xy(geometry, lon, lat):
            return True
        return shapely.dwithin(geometry, Point(lon, lat), self.tolerance)

    def distance_km(self, code: str, lon: float, lat: float) -> float | None:
        """Approximate distance from the point to département `code` (0 inside), in kilometres."""
        geometry = self.shapes.get(code)
        if geometry is None and code in COM_BOUNDS:
            geometry = shapely.box(*COM_BOUNDS[code])
        if geometry is None:
            return None
        near = shapely.ops.nearest_points(geometry, Point(lon, lat))[0]
        return GEOD.inv(lon, lat, near.x, near.y)[2] / 1000

    def locate(self, lon: float, lat: float) -> str | None:
        """The code of the département holding the point (tolerance included), or None outside France."""
        point = Point(lon, lat)
        hits = self.tree.query(point, predicate="intersects")
        if len(hits):
            return self.codes[int(hits[0])]
        near = self.tree.query(point, predicate="dwithin", distance=self.tolerance)
        if len(near):
            return min((self.codes[int(i)] for i in near), key=lambda c: self.shapes[c].distance(point))
        for code, (x0, y0, x1, y1) in COM_BOUNDS.items():
            if x0 <= lon <= x1 and y0 <= lat <= y1:
                return code
        return None


def simplified_geojson(geometry, tolerance: float = 0.005, precision: int = 4) -> dict:
    """A lighter polygon for maps: simplified (topology kept) and rounded to `precision` decimals."""
    simple = shapely.set_precision(geometry.simplify(tolerance, preserve_topology=True), 10 ** -precision)
    if simple.is_empty:
        simple = geometry
    return shapely.geometry.mapping(simple)
