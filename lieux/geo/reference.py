"""The reference geography: which official files, where they are published, how they are pinned.

Each file is downloaded by `python build.py fetch` with the same code as the source lists
(lieux.fetch: timeout, retries, sha256 pin, last good copy kept in cache/geo/<id>/). The build
never downloads them itself: it reads the cached copy, or the file given with
`--input <id>=PATH_OR_URL` (tests point every id at a local HTTP server that way).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import fetch

DECOUPAGE_VERSION = "6.0.0"
DECOUPAGE = f"https://unpkg.com/@etalab/decoupage-administratif@{DECOUPAGE_VERSION}/data"
FRANCE_GEOJSON_COMMIT = "5d34ee6d0140c29f785fdb047d9329f1aab58833"
FRANCE_GEOJSON = f"https://raw.githubusercontent.com/gregoiredavid/france-geojson/{FRANCE_GEOJSON_COMMIT}"
# Etalab's commune outlines (IGN Admin Express COG; OpenStreetMap, the Polynésie française cadastre and the
# Nouvelle-Calédonie DTSI for the collectivités d'outre-mer), generalised at 50 m: a year's directory, the COG's vintage.
CONTOURS_YEAR = "2025"
CONTOURS = f"https://etalab-datasets.geo.data.gouv.fr/contours-administratifs/{CONTOURS_YEAR}/geojson"
GEO_API_FIELDS = "nom,code,codesPostaux,centre,codeDepartement,codeRegion,population,type"
LICENCE_OUVERTE = "Licence Ouverte 2.0"


@dataclass(frozen=True)
class ReferenceFile:
    id: str
    titre: str
    producteur: str
    url: str
    version: str
    licence: str
    sha256: str | None = None   # None for live services whose answer changes (the digest is still recorded)
    required: bool = True
    binary: bool = False        # gzipped: the download does not insist on text


REFERENCE_FILES = (
    ReferenceFile(
        "geo-communes", "Communes et arrondissements municipaux avec leur centre (API Découpage administratif)",
        "Etalab / DINUM (geo.api.gouv.fr)",
        "https://geo.api.gouv.fr/communes?type=commune-actuelle,arrondissement-municipal"
        f"&fields={GEO_API_FIELDS}&format=json",
        "service en ligne (état du jour)", LICENCE_OUVERTE),
    ReferenceFile(
        "geo-cog-communes", "Découpage administratif (COG 2025) : communes, communes déléguées et associées",
        "Etalab (paquet npm @etalab/decoupage-administratif)", f"{DECOUPAGE}/communes.json",
        f"@etalab/decoupage-administratif {DECOUPAGE_VERSION} (COG 2025)", LICENCE_OUVERTE,
        "6cafec09b4e127d08edc47f366b28261bee70cca323fbfcb957dd169fcad9284"),
    ReferenceFile(
        "geo-cog-departements", "Découpage administratif (COG 2025) : départements",
        "Etalab (paquet npm @etalab/decoupage-administratif)", f"{DECOUPAGE}/departements.json",
        f"@etalab/decoupage-administratif {DECOUPAGE_VERSION} (COG 2025)", LICENCE_OUVERTE,
        "1ebe7e0ad0a49653c899087194344ec67f7115b728c4e1b98f741bd655b545e0"),
    ReferenceFile(
        "geo-cog-regions", "Découpage administratif (COG 2025) : régions",
        "Etalab (paquet npm @etalab/decoupage-administratif)", f"{DECOUPAGE}/regions.json",
        f"@etalab/decoupage-administratif {DECOUPAGE_VERSION} (COG 2025)", LICENCE_OUVERTE,
        "98cb7c781d09577634b9e104dfbb92e39a0d10ae0e1c6c20978a49a474e1dba5"),
    ReferenceFile(
        "geo-codes-postaux", "Base officielle des codes postaux (fichier hexasmal)", "La Poste",
        "https://datanova.laposte.fr/data-fair/api/v1/datasets/laposte-hexasmal/data-files/019HexaSmal.csv",
        "fichier publié (mis à jour par La Poste)", LICENCE_OUVERTE),
    ReferenceFile(
        "geo-departements-contours", "Contours des départements, outre-mer compris (IGN Admin Express COG 2018, simplifiés à 25 %)",
        "Grégoire David, france-geojson (d'après l'IGN)", f"{FRANCE_GEOJSON}/departements-avec-outre-mer.geojson",
        f"france-geojson commit {FRANCE_GEOJSON_COMMIT[:12]}", "Licence Ouverte (Admin Express, IGN)",
        "0c331e85eef244d8014f68a4c256bb732e28776aceec53ddf849624f2eb6c163"),
    ReferenceFile(
        "geo-regions-contours", "Contours des régions, outre-mer compris (IGN Admin Express COG 2018, simplifiés à 25 %)",
        "Grégoire David, france-geojson (d'après l'IGN)", f"{FRANCE_GEOJSON}/regions-avec-outre-mer.geojson",
        f"france-geojson commit {FRANCE_GEOJSON_COMMIT[:12]}", "Licence Ouverte (Admin Express, IGN)",
        "a573b672264184d11a2f98220867653b092fe3a964433e30e3a0a4708d72d167", required=False),
    # Optional: without it, points are checked against their département only (and the build says so).
    # Not pinned: it could not be downloaded where this was written (no network), so its digest is unknown; the
    # digest of the copy used is recorded in references_geo, as for the live services.
    ReferenceFile(
        "geo-communes-contours", "Contours des communes et arrondissements municipaux, collectivités d'outre-mer "
        "comprises (Etalab, contours administratifs, généralisés à 50 m)",
        "Etalab / DINUM (d'après IGN Admin Express COG ; OpenStreetMap et cadastres locaux pour les COM)",
        f"{CONTOURS}/communes-50m.geojson.gz", f"contours administratifs {CONTOURS_YEAR}", LICENCE_OUVERTE, required=False,
        binary=True),
)
BY_ID = {f.id: f for f in REFERENCE_FILES}
CACHE_PREFIX = "geo"

MISSING_MESSAGE = (
    "Référentiel géographique absent ({missing}) : les coordonnées ne sont pas vérifiées (qualite_geo = "
    "non_verifiee) et le département est déduit du code postal ou du code INSEE. Pour l'obtenir, lancez "
    "« python build.py fetch » (réseau nécessaire), ou passez chaque fichier avec --input ID=CHEMIN_OU_URL."
)


@dataclass(frozen=True)
class ResolvedFile:
    file: ReferenceFile
    fetched: fetch.Fetched | None
    status: str                 # ok | perimee | absente
    message: str | None = None


def cache_key(ref: ReferenceFile) -> str:
    return f"{CACHE_PREFIX}/{ref.id}"


def cached_path(ref: ReferenceFile, cache_dir=None):
    """Where the cached copy of one reference file lives (the URL's query string is not part of the name)."""
    return fetch.cached_file(cache_key(ref), ref.url, cache_dir).with_name(ref.id + suffix(ref))


def suffix(ref: ReferenceFile) -> str:
    name = fetch.filename_for(ref.url.split("?")[0], ref.id)
    return "." + name.rsplit(".", 1)[1] if "." in name else ".json"


def fetch_file(ref: ReferenceFile, cache_dir=None) -> fetch.Fetched:
    """Download one reference file into the cache (last good copy kept when the download fails)."""
    dest = cached_path(ref, cache_dir)
    try:
        return fetch.download(ref.url, dest, sha256=ref.sha256, text=not ref.binary)
    except fetch.FetchError as e:
        if dest.exists():
            meta = fetch.read_meta(dest)
            return fetch.Fetched(dest, meta.get("sha256") or fetch.sha256_of(dest), meta.get("fetched_at", ""), ref.url,
                                 status="perimee", message=f"{e} Dernière copie valide conservée.")
        raise


def resolve(overrides: dict[str, str] | None = None, cache_dir=None) -> dict[str, ResolvedFile]:
    """Each reference file's local copy: --input first, then the cache; never the network otherwise."""
    overrides = overrides or {}
    resolved = {}
    for ref in REFERENCE_FILES:
        try:
            if ref.id in overrides:
                got = fetch.resolve_input(ref.id, overrides[ref.id], cache_dir, text=not ref.binary)
                resolved[ref.id] = ResolvedFile(ref, got, "ok")
                continue
            path = cached_path(ref, cache_dir)
            if path.exists():
                meta = fetch.read_meta(path)
                resolved[ref.id] = ResolvedFile(ref, fetch.Fetched(path, meta.get("sha256") or fetch.sha256_of(path),
                                                                   meta.get("fetched_at", ""), ref.url), "ok")
            else:
                resolved[ref.id] = ResolvedFile(ref, None, "absente", "non téléchargé")
        except fetch.FetchError as e:
            resolved[ref.id] = ResolvedFile(ref, None, "absente", str(e))
    return resolved


def missing_required(resolved: dict[str, ResolvedFile]) -> list[str]:
    return [i for i, r in resolved.items() if r.fetched is None and r.file.required]
