"""The geography step of the build: every lieu gets a checked point, its commune, département, région and hub.

`normalise(lieux, geography, crs_by_source)` is pure: it returns the rows (changed copies), the
corrections to record and a per-source quality count. Without the reference geography (offline
demo), the département comes from the postcode or INSEE code and points are marked non_verifiee.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ..load import departement_from_codes
from ..process import CorrectionRow
from .. import schemas
from . import addresses, coordinates
from .areas import DepartementLocator
from .data import Geography

# A point farther than this from its address's département is certainly wrong (a geocoder's homonym in
# another region, an overseas lieu placed in mainland France): the lieu goes to its commune centre.
# Closer, the address may be the wrong half: the point is kept and marked hors_departement.
FAR_KM = 50

QUALITES = ("source", "corrigee", "centre_commune", "hors_departement", "absente", "non_verifiee")


@dataclass
class Placement:
    """What the geography step decided for one lieu."""
    values: dict = field(default_factory=dict)        # standard fields to change: {field: new value}
    motifs: dict = field(default_factory=dict)        # {field: why it changed}
    geo: dict = field(default_factory=dict)           # extra columns: departement/region codes and names, qualite_geo...
    problems: list = field(default_factory=list)      # address inconsistencies, in French


@dataclass
class GeoResult:
    rows: list
    corrections: list
    summary: dict          # source id -> Counter of qualite_geo values and address counts
    message: str | None = None


def fmt(value):
    return None if value is None else f"{value:.6f}".rstrip("0").rstrip(".") if isinstance(value, float) else value


def set_point(p: Placement, row: dict, lon, lat, motif: str) -> None:
    for name, value in (("longitude", lon), ("latitude", lat)):
        new = None if value is None else round(value, 6)
        if row.get(name) != new:
            p.values[name] = new
            p.motifs[name] = motif


def place(row: dict, geo: Geography, locator: DepartementLocator, crs: str) -> Placement:
    """Check and place one lieu against the reference geography."""
    p = Placement()
    found = addresses.resolve(geo, row.get("code_insee"), row.get("code_postal"), row.get("commune"))
    p.problems = found.problems
    if found.code_insee != row.get("code_insee"):
        p.values["code_insee"] = found.code_insee
        p.motifs["code_insee"] = found.code_insee_motif
    departement = found.departement or departement_from_codes(found.code_insee, row.get("code_postal"))
    if departement not in geo.departements and departement not in locator.shapes:
        departement = None

    x, y = row.get("longitude"), row.get("latitude")
    qualite, motif = None, None
    if x is None or y is None:
        reason = "coordonnées absentes de la source"
    elif coordinates.is_zero(x, y):
        reason = f"coordonnées nulles ({fmt(y)}, {fmt(x)}) dans la source"
    else:
        reason = None
        options = coordinates.candidates(x, y, crs, departement)
        if departement:
            # Without a resolved commune, a Corsican postcode does not tell 2A from 2B: either is the right one.
            allowed = [departement] if found.commune or departement not in ("2A", "2B") else ["2A", "2B"]
            for c in options:
                inside = next((d for d in allowed if locator.contains(d, c.lon, c.lat)), None)
                if inside:
                    departement = inside
                    qualite = "corrigee" if c.corrige else "source"
                    motif = c.motif or "point dans son département"
                    if c.motif:
                        set_point(p, row, c.lon, c.lat, c.motif)
                    break
            else:
                first = options[0] if options else None
                where = locator.locate(first.lon, first.lat) if first else None
                distance = locator.distance_km(departement, first.lon, first.lat) if where else None
                if where and distance is not None and distance > FAR_KM and found.commune and found.commune.centre:
                    reason = (f"point ({fmt(y)}, {fmt(x)}) dans le département {where}, à environ {distance:.0f} km "
                              f"du {departement} de son adresse")
                elif where:
                    qualite = "hors_departement"
                    motif = (f"point dans le département {where} ({geo.departement_nom(where) or '?'}) "
                             f"et non dans le {departement} de son adresse : à vérifier")
                    if first.motif:
                        set_point(p, row, first.lon, first.lat, first.motif)
                else:
                    reason = f"point ({fmt(y)}, {fmt(x)}) hors de France et de son département"
        else:
            first = next((c for c in options if locator.locate(c.lon, c.lat)), None)
            if first:
                departement = locator.locate(first.lon, first.lat)
                qualite = "corrigee" if first.corrige else "source"
                motif = "département déduit du point (adresse non reconnue)"
                if first.motif:
                    set_point(p, row, first.lon, first.lat, first.motif)
            else:
                reason = f"point ({fmt(y)}, {fmt(x)}) hors de France"

    if reason:
        centre = found.commune.centre if found.commune else None
        if centre:
            qualite, motif = "centre_commune", f"{reason} : placé au centre de la commune {found.commune.nom}"
            set_point(p, row, centre[0], centre[1], motif)
        else:
            qualite, motif = "absente", f"{reason}, commune non reconnue : aucun point"
            set_point(p, row, None, None, motif)

    region = geo.region_of(departement) if departement else None
    p.geo = {
        "departement_code": departement, "departement_nom": geo.departement_nom(departement),
        "region_code": region, "region_nom": geo.region_nom(region),
        "qualite_geo": qualite, "qualite_geo_motif": motif,
    }
    return p


def place_without_reference(row: dict, crs: str) -> Placement:
    """Offline: département from the codes, declared projections converted, impossible points removed."""
    p = Placement()
    x, y = row.get("longitude"), row.get("latitude")
    qualite, motif = "non_verifiee", "référentiel géographique absent : point non vérifié"
    if x is None or y is None:
        qualite, motif = "absente", "coordonnées absentes de la source (référentiel géographique absent : pas de centre de commune)"
    elif coordinates.is_zero(x, y):
        qualite, motif = "absente", f"coordonnées nulles ({fmt(y)}, {fmt(x)}) dans la source : retirées"
        set_point(p, row, None, None, motif)
    else:
        declared = [c for c in coordinates.candidates(x, y, crs, None) if not c.corrige]  # no guess without polygons
        if not declared:
            qualite, motif = "absente", f"coordonnées impossibles ({fmt(y)}, {fmt(x)}) : retirées"
            set_point(p, row, None, None, motif)
        elif declared[0].motif:
            set_point(p, row, declared[0].lon, declared[0].lat, declared[0].motif)
    departement = departement_from_codes(row.get("code_insee"), row.get("code_postal"))
    p.geo = {"departement_code": departement, "departement_nom": None, "region_code": None, "region_nom": None,
             "qualite_geo": qualite, "qualite_geo_motif": motif}
    return p


def normalise(lieux: list[dict], geography: Geography | None, crs_by_source: dict | None = None,
              hubs_by_departement: dict | None = None, message: str | None = None, padded: set | None = None) -> GeoResult:
    """Place every lieu; return the changed rows, the corrections and the per-source counts."""
    crs_by_source = crs_by_source or {}
    locator = DepartementLocator(geography.departement_shapes) if geography else None
    rows, corrections, summary = [], [], defaultdict(Counter)
    for row in lieux:
        source = row.get("_source")
        crs = crs_by_source.get(source, coordinates.WGS84)
        p = place(row, geography, locator, crs) if geography else place_without_reference(row, crs)
        new = dict(row)
        for name, value in p.values.items():
            corrections.append(CorrectionRow(source, schemas.LIEUX, row.get("_ligne"), name, row.get(name), value, p.motifs[name]))
            new[name] = value
        for champ, problem in p.problems:
            if champ == "code_postal" and (source, row.get("_ligne")) in (padded or ()):
                problem += " ; ce code avait 4 chiffres dans la source et a reçu un 0 initial : vérifiez-le"
                summary[source]["codes_postaux_0_incoherents"] += 1
            corrections.append(CorrectionRow(source, schemas.LIEUX, row.get("_ligne"), champ, row.get(champ), row.get(champ),
                                             f"incohérence signalée, valeur gardée : {problem}"))
        hubs = (hubs_by_departement or {}).get(p.geo["departement_code"]) or []
        new["_geo"] = {**p.geo, "hub": " | ".join(hubs) if hubs else None}
        rows.append(new)
        counts = summary[source]
        counts[p.geo["qualite_geo"]] += 1
        counts["adresses_incoherentes"] += bool(p.problems)
        counts["codes_insee_completes"] += "code_insee" in p.values
    return GeoResult(rows, corrections, dict(summary), message)
