"""The geography step: reference files, address resolution, coordinate checks, hubs, coverage.

The build calls `prepare(overrides)` once (reads the cached or given reference files), then
`step(processed, lieux, prepared)` (every lieu placed, hub rows given their coverage), then
`write(db, prepared, result)` once the lieux are loaded (reference tables, corrections, coverage).
"""

from __future__ import annotations

from dataclasses import dataclass

from pyproj.exceptions import CRSError

from . import coordinates, deleguees, reference
from .data import Geography, load_geography
from .hubs import hubs_by_departement, with_coverage
from .normalise import APPROXIMATIVES, CORRIGEE, QUALITES, GeoResult, normalise
from .tables import create_coverage_table, create_tables, insert_corrections

__all__ = ["Prepared", "prepare", "apply", "step", "write", "source_columns", "QUALITES", "CORRIGEE", "APPROXIMATIVES",
           "REFERENCE_IDS", "HUBS_SCHEMA"]

REFERENCE_IDS = tuple(reference.BY_ID)


@dataclass
class Prepared:
    geography: Geography | None
    resolved: dict
    message: str | None      # set when the reference is missing or unreadable (French, says how to get it)


def prepare(overrides: dict | None = None, cache_dir=None) -> Prepared:
    """Read the reference geography from --input files or the cache; never fails, never downloads by itself."""
    resolved = reference.resolve(overrides, cache_dir)
    missing = reference.missing_required(resolved)
    if missing:
        detail = "; ".join(f"{i} {resolved[i].message}" for i in missing)
        return Prepared(None, resolved, reference.MISSING_MESSAGE.format(missing=detail))
    try:
        geography = load_geography({i: r.fetched.path for i, r in resolved.items() if r.fetched})
    except (OSError, ValueError, KeyError) as e:
        return Prepared(None, resolved, reference.MISSING_MESSAGE.format(missing=f"fichier illisible : {e}"))
    return Prepared(geography, resolved, None)


def apply(lieux: list[dict], prepared: Prepared, crs_by_source: dict, hubs: list[dict] | None = None,
          padded: set | None = None) -> GeoResult:
    """The build's hook: every lieu placed, with its département, région, qualite_geo and hub."""
    geography = prepared.geography
    by_departement = hubs_by_departement(hubs, geography) if hubs and geography else None
    result = normalise(lieux, geography, crs_by_source, by_departement, prepared.message, padded)
    deleguees.annotate(result.rows, geography)
    return result


def write(db, prepared: Prepared, result: GeoResult) -> None:
    """Reference tables, the coverage table and the geography's corrections (after the lieux are loaded)."""
    create_tables(db, prepared.geography, prepared.resolved)
    insert_corrections(db, result.corrections)
    create_coverage_table(db)


def hub_rows(hubs: list[dict], prepared: Prepared) -> list[dict]:
    """Hub rows with the départements they cover and their area (`geometry`), when the reference is there."""
    return with_coverage(hubs, prepared.geography) if prepared.geography else hubs


HUBS_SCHEMA = "hubs-territoriaux"


def checked_crs(descriptor) -> str:
    """The descriptor's `crs`, once pyproj knows it; a clear error otherwise (a typo would place every point wrong)."""
    crs = descriptor.crs or coordinates.WGS84
    try:
        coordinates.transformer(crs)
    except CRSError as e:
        raise ValueError(f"{getattr(descriptor, 'path', descriptor.id)} : système de coordonnées « {crs} » inconnu ({e}). "
                         "Indiquez un code EPSG, par exemple crs: EPSG:2154 pour le Lambert-93.") from e
    return crs


def step(processed, lieux: list[dict], prepared: Prepared) -> GeoResult:
    """The whole geography step on the processed sources: hub rows get their coverage, every lieu its place."""
    crs_by_source = {inp.descriptor.id: checked_crs(inp.descriptor) for inp, _ in processed}
    hubs = []
    for _, result in processed:
        if result is not None and result.rows.get(HUBS_SCHEMA):
            result.rows[HUBS_SCHEMA] = hub_rows(result.rows[HUBS_SCHEMA], prepared)
            hubs += result.rows[HUBS_SCHEMA]
    # Postcodes that lost their leading 0 upstream got it back in lieux.transforms.code_postal: say so when the
    # postcode base then disagrees, since the padding is the likely culprit.
    padded = {(c.source, c.ligne) for _, result in processed if result is not None for c in result.corrections
              if c.champ == "code_postal" and "0 initial" in c.motif}
    return apply(lieux, prepared, crs_by_source, hubs, padded)


def source_columns(summary: dict) -> dict:
    """The geography columns of one source's row in the `sources` table (`geo_corrigee` sums the corrections)."""
    return {f"geo_{q.replace('-', '_')}": summary.get(q, 0) for q in QUALITES} | {
        "geo_corrigee": sum(summary.get(q, 0) for q in CORRIGEE),
        "geo_adresses_incoherentes": summary.get("adresses_incoherentes", 0),
        "geo_codes_insee_completes": summary.get("codes_insee_completes", 0),
        "geo_codes_postaux_0_incoherents": summary.get("codes_postaux_0_incoherents", 0),
        "geo_communes_par_le_point": summary.get("communes_par_le_point", 0),
        "geo_noms_communes_nettoyes": summary.get("noms_communes_nettoyes", 0),
    }
