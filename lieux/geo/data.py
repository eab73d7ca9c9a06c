"""Reading the reference files into one in-memory Geography: pure parsers, no network."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from shapely.geometry import shape

from .names import name_key
from .outlines import CommuneOutlines


@dataclass(frozen=True)
class Commune:
    code: str
    nom: str
    type: str                       # commune-actuelle | arrondissement-municipal
    departement: str
    region: str | None
    population: int | None
    codes_postaux: tuple[str, ...]
    centre: tuple[float, float] | None   # (lon, lat)


@dataclass
class Geography:
    """Everything the geography step needs, indexed for look-ups."""
    communes: dict[str, Commune] = field(default_factory=dict)
    successor: dict[str, str] = field(default_factory=dict)       # old or delegated commune code -> current code
    delegated: dict[str, dict[str, str]] = field(default_factory=dict)  # commune nouvelle -> {name_key: déléguée code}
    former: list[dict] = field(default_factory=list)              # communes déléguées/associées: code, nom, type, parent
    by_postcode: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_name: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    departements: dict[str, dict] = field(default_factory=dict)   # code -> {nom, region}
    regions: dict[str, dict] = field(default_factory=dict)        # code -> {nom}
    departement_shapes: dict = field(default_factory=dict)        # code -> shapely geometry (WGS84)
    region_shapes: dict = field(default_factory=dict)
    versions: dict[str, dict] = field(default_factory=dict)       # reference id -> {url, sha256, ...}
    outlines: CommuneOutlines | None = None                       # commune polygons, when the contours file is there
    # The COG's spelling of every name a commune goes by: name key -> {current commune code: official name}; the
    # current communes and arrondissements, and the communes déléguées and associées under their commune nouvelle.
    spellings: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))

    def departement_nom(self, code):
        return (self.departements.get(code) or {}).get("nom")

    def region_of(self, departement):
        return (self.departements.get(departement) or {}).get("region")

    def region_nom(self, code):
        return (self.regions.get(code) or {}).get("nom")


def read_json(path: Path):
    return json.loads(Path(path).read_text(encoding="utf-8-sig"))


def add_geo_api_communes(geo: Geography, records: list[dict]) -> None:
    """geo.api.gouv.fr /communes answer: communes actuelles and arrondissements municipaux with their centre."""
    for r in records:
        centre = (r.get("centre") or {}).get("coordinates")
        commune = Commune(
            code=r["code"], nom=r["nom"], type=r.get("type", "commune-actuelle"),
            departement=r.get("codeDepartement") or r["code"][:3 if r["code"].startswith("97") else 2],
            region=r.get("codeRegion"), population=r.get("population"),
            codes_postaux=tuple(r.get("codesPostaux") or ()), centre=tuple(centre) if centre else None,
        )
        geo.communes[commune.code] = commune
        geo.by_name[name_key(commune.nom)].add(commune.code)
        geo.spellings[name_key(commune.nom)][commune.code] = commune.nom
        for cp in commune.codes_postaux:
            # The PLM parent communes list every arrondissement's postcodes: look-ups go to the arrondissements.
            if commune.code not in ("75056", "69123", "13055"):
                geo.by_postcode[cp].add(commune.code)


def add_cog_communes(geo: Geography, records: list[dict]) -> None:
    """Etalab's découpage administratif: delegated and associated communes point to their commune nouvelle;
    communes missing from geo.api.gouv.fr (overseas collectivités) are added without a centre."""
    for r in records:
        if r.get("type") == "commune-actuelle" and r["code"] not in geo.communes:
            # Communes of the overseas collectivités (Saint-Martin 97801...), absent from geo.api.gouv.fr: no centre.
            commune = Commune(code=r["code"], nom=r["nom"], type="commune-actuelle", departement=r.get("departement"),
                              region=r.get("region"), population=r.get("population"),
                              codes_postaux=tuple(r.get("codesPostaux") or ()), centre=None)
            geo.communes[commune.code] = commune
            geo.by_name.setdefault(name_key(commune.nom), set()).add(commune.code)
            geo.spellings[name_key(commune.nom)][commune.code] = commune.nom
            for cp in commune.codes_postaux:
                geo.by_postcode.setdefault(cp, set()).add(commune.code)
        if r.get("type") in ("commune-deleguee", "commune-associee") and r.get("chefLieu"):
            parent = r["chefLieu"]
            if r["code"] != parent:
                geo.successor.setdefault(r["code"], parent)
            geo.delegated.setdefault(parent, {})[name_key(r["nom"])] = r["code"]
            geo.former.append({"code": r["code"], "nom": r["nom"], "type": r["type"], "commune_code": parent,
                               "departement_code": r.get("departement")})
            geo.by_name[name_key(r["nom"])].add(parent)
            geo.spellings[name_key(r["nom"])].setdefault(parent, r["nom"])
        for old in r.get("anciensCodes") or ():
            if r.get("type") == "commune-actuelle" and old not in geo.communes:
                geo.successor.setdefault(old, r["code"])


def add_laposte(geo: Geography, text: str) -> None:
    """La Poste's hexasmal file: postcode ↔ commune, acheminement names and former communes (Ligne_5)."""
    reader = csv.reader(io.StringIO(text), delimiter=";")
    header = next(reader, None)
    if not header or "Code_postal" not in [h.lstrip("#") for h in header]:
        raise ValueError("fichier des codes postaux illisible : en-tête Code_commune_INSEE;Nom_de_la_commune;Code_postal;… attendu")
    for row in reader:
        if len(row) < 3:
            continue
        code, nom, cp = row[0].strip(), row[1], row[2].strip()
        code = geo.successor.get(code, code)
        if code not in geo.communes:
            continue  # Monaco, and collectivités without a commune record
        geo.by_postcode[cp].add(code)
        geo.by_name[name_key(nom)].add(code)
        if len(row) > 3 and row[3]:
            geo.by_name[name_key(row[3])].add(code)
        if len(row) > 4 and row[4]:
            geo.by_name[name_key(row[4])].add(code)


def add_departements(geo: Geography, records: list[dict]) -> None:
    for r in records:
        geo.departements[r["code"]] = {"nom": r["nom"], "region": r.get("region"), "zone": r.get("zone")}


def add_regions(geo: Geography, records: list[dict]) -> None:
    for r in records:
        geo.regions[r["code"]] = {"nom": r["nom"], "zone": r.get("zone")}


def shapes_by_code(collection: dict) -> dict:
    """{code: shapely geometry} of a GeoJSON FeatureCollection whose features carry a `code` property."""
    shapes = {}
    for feature in collection.get("features", []):
        code = str(feature["properties"]["code"])
        geometry = shape(feature["geometry"])
        if not geometry.is_valid:
            geometry = geometry.buffer(0)
        shapes[code] = geometry
    return shapes


def add_outlines(geo: Geography, outlines: CommuneOutlines) -> None:
    """Commune polygons; a commune without a centre (the collectivités d'outre-mer are absent from geo.api.gouv.fr)
    gets its outline's representative point."""
    geo.outlines = outlines
    for code, commune in list(geo.communes.items()):
        if commune.centre is None and code in outlines.shapes:
            geo.communes[code] = replace(commune, centre=outlines.representative_point(code))


def load_geography(paths: dict[str, Path]) -> Geography:
    """Read every reference file given as {reference id: local path}; the optional ones may be absent."""
    geo = Geography()
    add_geo_api_communes(geo, read_json(paths["geo-communes"]))
    add_cog_communes(geo, read_json(paths["geo-cog-communes"]))
    add_laposte(geo, Path(paths["geo-codes-postaux"]).read_text(encoding="utf-8-sig", errors="replace"))
    add_departements(geo, read_json(paths["geo-cog-departements"]))
    add_regions(geo, read_json(paths["geo-cog-regions"]))
    geo.departement_shapes = shapes_by_code(read_json(paths["geo-departements-contours"]))
    if paths.get("geo-regions-contours"):
        geo.region_shapes = shapes_by_code(read_json(paths["geo-regions-contours"]))
    if paths.get("geo-communes-contours"):
        add_outlines(geo, CommuneOutlines.read(paths["geo-communes-contours"]))
    geo.by_postcode = dict(geo.by_postcode)
    geo.by_name = dict(geo.by_name)
    geo.spellings = dict(geo.spellings)
    return geo
