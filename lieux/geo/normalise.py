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
from .. import positions, schemas
from . import addresses, coordinates
from .areas import DepartementLocator
from .data import Commune, Geography
from .names import name_key, plm_arrondissement
from .outlines import COAST_M, TOLERANCE_M

# Without a commune outline (no contours file, a commune without one): a point farther than this from its address's
# département is certainly wrong (a geocoder's homonym in another region, an overseas lieu placed in mainland France):
# the lieu goes to its commune centre. Closer, the address may be the wrong half: the point is kept and marked
# hors_departement.
FAR_KM = 50

CORRIGEE = tuple(f"corrigee-{kind}" for kind in (coordinates.INVERSION, coordinates.SIGNE, coordinates.PROJECTION))
QUALITES = ("source",) + CORRIGEE + ("centre_commune", "hors_departement", "absente", "non_verifiee")
# Points of the place itself, as the source gives them or corrected.
PRECISES = ("source",) + CORRIGEE
# Points that are not the place's own (position_approximative): the commune's centre, as lieux/positions.py lists
# them for the API and the pages. `absente` has no point.
APPROXIMATIVES = tuple(positions.APPROXIMATIVES)


@dataclass
class Placement:
    """What the geography step decided for one lieu."""
    values: dict = field(default_factory=dict)        # standard fields to change: {field: new value}
    motifs: dict = field(default_factory=dict)        # {field: why it changed}
    geo: dict = field(default_factory=dict)           # extra columns: departement/region codes and names, qualite_geo...
    problems: list = field(default_factory=list)      # address inconsistencies, in French
    counts: Counter = field(default_factory=Counter)  # other things worth counting per source


@dataclass
class GeoResult:
    rows: list
    corrections: list
    summary: dict          # source id -> Counter of qualite_geo values and address counts
    message: str | None = None


@dataclass
class Fit:
    """The commune check's answer: the point kept (a candidate) or a reason to use the commune's centre."""
    commune: Commune | None
    candidate: coordinates.Candidate | None = None
    motif: str | None = None
    reason: str | None = None
    decided_by_point: bool = False


def fmt(value):
    return None if value is None else f"{value:.6f}".rstrip("0").rstrip(".") if isinstance(value, float) else value


def km(metres: float) -> str:
    return f"{metres:.0f} m" if metres < 1000 else f"{metres / 1000:.1f} km".replace(".", ",")


def qualite_of(candidate: coordinates.Candidate) -> str:
    return f"corrigee-{candidate.kind}" if candidate.corrige else "source"


def set_point(p: Placement, row: dict, lon, lat, motif: str) -> None:
    for name, value in (("longitude", lon), ("latitude", lat)):
        new = None if value is None else round(value, 6)
        if row.get(name) != new:
            p.values[name] = new
            p.motifs[name] = motif


def commune_label(geo: Geography, code: str) -> str:
    commune = geo.communes.get(code)
    return f"{commune.nom} ({code})" if commune else code


def decide_by_point(found: addresses.Resolved, options: list, geo: Geography) -> Fit | None:
    """When the postcode has several communes and the name does not say which, the commune holding the point
    (strictly: within the tolerance of two communes, the point could be either)."""
    if len(found.postcode_codes) < 2 or (found.commune is not None and found.named):
        return None
    for c in options:
        hits = [h for h in geo.outlines.locate(c.lon, c.lat) if h in found.postcode_codes]
        if len(hits) == 1:
            commune = geo.communes[hits[0]]
            motif = (f"le point est dans la commune {commune_label(geo, commune.code)}, l'une des {len(found.postcode_codes)} "
                     f"communes du code postal {found.postcode} : le point décide du code INSEE")
            return Fit(commune, c, motif, decided_by_point=True)
    return None


def check_commune(found: addresses.Resolved, options: list, geo: Geography) -> Fit | None:
    """The point checked against its commune's outline; None when the commune has none (département check then)."""
    outlines = geo.outlines
    commune = found.commune
    if commune is not None and commune.code in outlines:
        for c in options:
            d = outlines.distance_m(commune.code, c.lon, c.lat)
            if d <= TOLERANCE_M:
                motif = "point dans sa commune" if d == 0 else f"point à {km(d)} de sa commune (tolérance {TOLERANCE_M} m)"
                return Fit(commune, c, motif + (f" ; {c.motif}" if c.motif else ""))
    decided = decide_by_point(found, options, geo)
    if decided:
        return decided
    if commune is None or commune.code not in outlines:
        return None
    if not options:
        return Fit(commune, reason="coordonnées impossibles dans la source")
    first = options[0]
    d = outlines.distance_m(commune.code, first.lon, first.lat)
    where = [h for h in outlines.locate(first.lon, first.lat) if h in geo.communes]
    if not where and d <= COAST_M:  # at sea off its harbour, just across the border: no other commune is nearer
        motif = f"point hors de toute commune, à {km(d)} de la sienne (bord de mer ou frontière, tolérance {km(COAST_M)})"
        return Fit(commune, first, motif + (f" ; {first.motif}" if first.motif else ""))
    inside = f", dans la commune {commune_label(geo, where[-1])}" if where else ""
    return Fit(commune, reason=(f"point ({fmt(first.lat)}, {fmt(first.lon)}) à {km(d)} de la commune {commune.nom}{inside} ; "
                                "ni l'inversion, ni le signe, ni une projection ne le placent dans sa commune"))


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
    qualite, motif, commune, decided_by_point = None, None, found.commune, False
    if x is None or y is None:
        reason = "coordonnées absentes de la source"
    elif coordinates.is_zero(x, y):
        reason = f"coordonnées nulles ({fmt(y)}, {fmt(x)}) dans la source"
    else:
        reason = None
        options = coordinates.candidates(x, y, crs, departement)
        fit = check_commune(found, options, geo) if geo.outlines else None
        if fit is not None:
            commune, reason, decided_by_point = fit.commune, fit.reason, fit.decided_by_point
            departement = commune.departement if commune else departement
            if fit.candidate:
                qualite, motif = qualite_of(fit.candidate), fit.motif
                if fit.candidate.motif:
                    set_point(p, row, fit.candidate.lon, fit.candidate.lat, fit.candidate.motif)
            if fit.decided_by_point:
                p.problems = [(champ, problem) for champ, problem in p.problems if champ != "commune"]
                if commune.code != row.get("code_insee"):
                    p.values["code_insee"], p.motifs["code_insee"] = commune.code, fit.motif
                    p.counts["communes_par_le_point"] += 1
                else:
                    p.values.pop("code_insee", None)
        elif departement:
            # Without a resolved commune, a Corsican postcode does not tell 2A from 2B: either is the right one.
            allowed = [departement] if found.commune or departement not in ("2A", "2B") else ["2A", "2B"]
            for c in options:
                inside = next((d for d in allowed if locator.contains(d, c.lon, c.lat)), None)
                if inside:
                    departement = inside
                    qualite = qualite_of(c)
                    motif = c.motif or ("point dans son département" + (" (commune sans contour)" if geo.outlines else ""))
                    if c.motif:
                        set_point(p, row, c.lon, c.lat, c.motif)
                    break
            else:
                first = options[0] if options else None
                where = locator.locate(first.lon, first.lat) if first else None
                distance = locator.distance_km(departement, first.lon, first.lat) if where else None
                if where and distance is not None and distance > FAR_KM:
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
                qualite = qualite_of(first)
                motif = "département déduit du point (adresse non reconnue)"
                if first.motif:
                    set_point(p, row, first.lon, first.lat, first.motif)
            else:
                reason = f"point ({fmt(y)}, {fmt(x)}) hors de France"

    if reason:
        centre = commune.centre if commune else None
        if centre:
            qualite, motif = "centre_commune", f"{reason} : placé au centre de la commune {commune.nom}"
            set_point(p, row, centre[0], centre[1], motif)
        else:
            qualite, motif = "absente", f"{reason}, commune non reconnue ou sans centre connu : aucun point"
            set_point(p, row, None, None, motif)

    cleaned = clean_commune_name(row.get("commune"), found.name, commune, geo, decided_by_point)
    if cleaned:
        p.values["commune"], p.motifs["commune"] = cleaned
        p.counts["noms_communes_nettoyes"] += 1

    region = geo.region_of(departement) if departement else None
    p.geo = {
        "departement_code": departement, "departement_nom": geo.departement_nom(departement),
        "region_code": region, "region_nom": geo.region_nom(region),
        "qualite_geo": qualite, "qualite_geo_motif": motif,
    }
    return p


def clean_commune_name(raw, name, commune: Commune | None, geo: Geography, decided_by_point=False) -> tuple[str, str] | None:
    """(name, motif) when the commune field should read otherwise, else None.

    The COG's spelling of the name it gives ("BORDEAUX CEDEX" is Bordeaux, "Épernay, Marne, Grand Est, FRA" Épernay,
    "Seynod - Annecy" Seynod, a commune déléguée of Annecy); the commune's name when the field names no known place
    (a misspelt or shortened name, "Hondchoote", "Bohain") or when the point chose another commune. La Poste's
    lieux-dits and PLM arrondissements ("Paris 15e") are left as written.
    """
    if not raw or commune is None or plm_arrondissement(raw):
        return None
    key = name_key(name)
    spellings = geo.spellings.get(key, {})
    official = spellings.get(commune.code) or spellings.get(addresses.plm_parent(commune.code) or "")
    if official:
        if official == raw:
            return None
        how = "écrit comme dans le code officiel géographique" if key == name_key(raw) else "nettoyé"
        return official, f"nom de commune « {raw} » {how} : {official}"
    if key not in geo.by_name:
        return commune.nom, f"« {raw} » n'est le nom d'aucune commune : commune {commune.nom} ({commune.code}) retenue"
    if decided_by_point and commune.code not in geo.by_name[key]:
        return commune.nom, f"« {raw} » n'est pas le nom de la commune où se trouve le point : {commune.nom} ({commune.code})"
    return None


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
        counts.update(p.counts)
    return GeoResult(rows, corrections, dict(summary), message)
