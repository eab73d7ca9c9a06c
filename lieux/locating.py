"""Where a search is centred, told honestly: the one place of the API and the page that locates a search.

`locate(conn, commune, code_postal, q)` answers a `Located`: found (a centre and notes), ambiguous
(candidates, most populous first) or not found. It reads the reference geography through
lieux.places when the database has it, and falls back to the lieux themselves (lieux.communes)
otherwise, or for postcodes the reference lacks (CEDEX, business codes).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from urllib.parse import urlencode

from . import communes, eloignement, geocoder, nearest, places

FOUND, AMBIGUOUS, UNKNOWN = places.FOUND, places.AMBIGUOUS, places.UNKNOWN


@dataclass
class Located:
    status: str
    asked: str
    lat: float | None = None
    lon: float | None = None
    label: str | None = None
    commune: dict | None = None        # {code, nom, departement, population, type} of the commune found
    candidates: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    street: str | None = None          # the street part of an address (then the centre is the commune's)
    postcode: str | None = None
    departement: str | None = None     # of the centre, when known (for the territory of the results)
    commune_codes: set[str] = field(default_factory=set)  # the commune found, its arrondissements or city
    geocoded: bool = False             # the centre is the address's own point (geocoder)

    @property
    def centre(self):
        return (self.lat, self.lon, self.label) if self.status == FOUND else None


def commune_json(d: places.Directory, choice: places.Choice, label: str) -> dict:
    c = choice.commune
    out = {"code": c.code, "nom": c.nom, "departement": c.departement,
           "departement_nom": d.departement_nom(c.departement), "population": c.population or None,
           "type": c.type, "libelle": label, "latitude": c.lat, "longitude": c.lon,
           "ancienne_commune": None}
    if choice.via:
        out["ancienne_commune"] = {"code": choice.via.code, "nom": choice.via.nom, "type": choice.via.type}
    return out


def choice_query(res: places.Resolution, label: str) -> str:
    """The text that names one candidate without ambiguity (the address typed is kept before it)."""
    return f"{res.street.lower()} {label}" if res.street else label


def from_resolution(d: places.Directory, res: places.Resolution) -> Located:
    if res.status == UNKNOWN:
        return Located(UNKNOWN, res.asked, notes=res.notes)
    labels = places.choice_labels(d, res.choices)
    if res.status == AMBIGUOUS:
        candidates = []
        for choice, label in zip(res.choices, labels):
            item = commune_json(d, choice, places.display_label(d, choice, label))
            item["detail"] = places.describe(d, choice)
            item["choix"] = choice_query(res, label)
            candidates.append(item)
        return Located(AMBIGUOUS, res.asked, candidates=candidates, notes=res.notes, street=res.street,
                       postcode=res.postcode)
    choice = res.choices[0]
    label = places.label(d, choice, res.postcode)
    code = choice.commune.code
    related = {code, d.city_of.get(code)} | set(d.arrondissements.get(code, {}).values())
    return Located(FOUND, res.asked, choice.commune.lat, choice.commune.lon, label,
                   commune=commune_json(d, choice, label), notes=res.notes, street=res.street,
                   postcode=res.postcode, departement=choice.commune.departement,
                   commune_codes={c for c in related if c})


def locate(conn: sqlite3.Connection, commune: str | None = None, code_postal: str | None = None,
           q: str | None = None) -> Located:
    asked = " ".join(x for x in (code_postal, commune) if x) or q or ""
    d = places.directory(conn)
    if d is not None:
        located = from_resolution(d, places.resolve_search(d, commune=commune, code_postal=code_postal, q=q))
        if located.status != UNKNOWN:
            return located
    # Without the reference geography, or for a postcode or a name it lacks: the lieux themselves. With the
    # reference, never the last words of a text it did not understand ("Introuvable-sur-Mer" is not Mer).
    old = communes.locate(conn, commune=commune, code_postal=code_postal, q=q, endings=d is None)
    if old is None:
        return Located(UNKNOWN, asked)
    return Located(FOUND, asked, old[0], old[1], old[2])


def candidate_url(path: str, params: dict, candidate: dict) -> str:
    """The same search with the candidate chosen (q = its unambiguous label)."""
    kept = {k: v for k, v in params.items() if k not in ("q", "commune", "code_postal", "lat", "lon") and v}
    return path + "?" + urlencode({"q": candidate["choix"], **kept}, doseq=True)


def ambiguous_message(located: Located) -> str:
    first = located.candidates[0]["libelle"]
    count = len(located.candidates)
    if located.postcode and not located.street and places.POSTCODE.fullmatch(located.asked.strip()):
        return (f"Le code postal {located.postcode} est partagé par {count} communes : choisissez la vôtre "
                f"ou ajoutez son nom (par exemple « {located.postcode} {located.candidates[0]['nom']} »).")
    return (f"« {located.asked} » peut désigner {count} communes : choisissez la vôtre, ou précisez le "
            f"département (par exemple « {first} »).")


async def locate_search(db, search: dict, geocoder_settings: geocoder.Settings | None) -> Located:
    """Locate a parsed search (q, commune, code_postal) on a Datasette database, then its street if asked."""
    def work(conn):
        if search.get("q"):
            return locate(conn, q=search["q"])
        return locate(conn, commune=search.get("commune") or None, code_postal=search.get("code_postal") or None)

    located = await db.execute_fn(work)
    if located.status == FOUND and located.street and geocoder_settings is not None:
        await to_street(located, geocoder_settings)
    return located


async def to_street(located: Located, settings: geocoder.Settings) -> None:
    """Move the centre from the commune to the address when the geocoder finds it; say what happened."""
    hit, why = await geocoder.geocode(settings, located.asked, located.postcode, located.commune_codes or None)
    located.notes = [n for n in located.notes if not n.startswith("Adresse réduite")]
    if hit is None:
        located.notes.append(f"Adresse non localisée ({why}) : recherche autour du centre de {located.label}.")
        return
    located.lat, located.lon, located.geocoded = hit.lat, hit.lon, True
    located.label = hit.label or located.label
    located.notes.append(f"Adresse localisée par la Base Adresse Nationale ({geocoder.STREET_TYPES[hit.type]}) : "
                         f"{hit.label}.")


@dataclass
class Results:
    rows: list[dict]
    warning: str | None = None      # every result is far: said in French, the results still given
    empty: str | None = None        # no result: why, and what to change


def search_lieux(conn: sqlite3.Connection, lat: float, lon: float, label: str, departement: str | None, n: int,
                 rayon_km: float | None, filters: dict | None, after: tuple[float, int] | None = None) -> Results:
    """The n nearest lieux, each marked `eloigne` (too far, or across the sea) with its `territoire`;
    `after`: only those after this (distance_km, rowid), the next page of /api/proches."""
    rows = nearest.nearest(conn, lat, lon, n=n, rayon_km=rayon_km, filters=filters or None, after=after)
    for row in rows:
        row["eloigne"] = eloignement.is_far(row.get("distance_km"), row.get("departement_code"), departement)
        row["territoire"] = eloignement.territory_name(row.get("departement_code"))
        row["distance_libelle"] = (eloignement.far_label(row["distance_km"], row.get("departement_code"), departement,
                                                         row.get("commune"))
                                   if row["eloigne"] else f"à {eloignement.format_km(row['distance_km'])}")
    if rows and all(r["eloigne"] for r in rows):
        return Results(rows, warning=eloignement.nothing_near(label, rows[0], departement))
    if rows:
        return Results(rows)
    filtered = any(v for v in (filters or {}).values())
    if rayon_km is not None:
        beyond = nearest.nearest(conn, lat, lon, n=1, rayon_km=None, filters=filters or None)
        if beyond:
            b = beyond[0]
            where = eloignement.far_label(b["distance_km"], b.get("departement_code"), departement, b.get("commune"))
            radius = f"{rayon_km:g}".replace(".", ",")
            return Results([], empty=(f"Aucun lieu à moins de {radius} km de {label}"
                                      f"{' avec ces critères' if filtered else ''}. Le plus proche, « {b.get('nom')} », "
                                      f"est {where} : choisissez une distance plus grande."))
    if filtered:
        return Results([], empty="Aucun lieu ne correspond à ces critères, à quelque distance que ce soit : "
                                 "retirez des filtres.")
    return Results([], empty="Aucun lieu n'est recensé dans cette base.")
