"""The optional address geocoder: the national address base's API (api-adresse.data.gouv.fr), off by default.

When configured (plugin `lieux-adresses` in metadata.yml: `url`, `delai_s`; or the environment
variables LIEUX_GEOCODEUR_URL and LIEUX_GEOCODEUR_DELAI, which win), an address typed in a search is
sent to its `/search/` endpoint, which answers a GeoJSON FeatureCollection whose features carry
`label`, `score`, `type` (housenumber, street, locality, municipality), `citycode`, `postcode`,
`city`. The answer is kept only when it is a street-level point in the commune the offline reading
found; otherwise, on a timeout or an error, the search stays at the commune's centre and says why.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

PLUGIN = "lieux-adresses"
ENV_URL = "LIEUX_GEOCODEUR_URL"
ENV_TIMEOUT = "LIEUX_GEOCODEUR_DELAI"
OFFICIAL_URL = "https://api-adresse.data.gouv.fr/search/"
DEFAULT_TIMEOUT_S = 2.0
STREET_TYPES = {"housenumber": "numéro", "street": "voie", "locality": "lieu-dit"}
MIN_SCORE = 0.4
OFF = {"", "0", "off", "non", "false", "aucun"}


@dataclass(frozen=True)
class Settings:
    url: str
    timeout_s: float = DEFAULT_TIMEOUT_S


@dataclass(frozen=True)
class Hit:
    lat: float
    lon: float
    label: str
    type: str
    score: float
    citycode: str | None


def settings(plugin_config: dict | None, environ=None) -> Settings | None:
    """The geocoder to use, or None (the default: no address leaves the server)."""
    environ = os.environ if environ is None else environ
    config = plugin_config or {}
    url = environ.get(ENV_URL)
    if url is None:
        url = config.get("url")
    if url is None or str(url).strip().lower() in OFF:
        return None
    timeout = environ.get(ENV_TIMEOUT) or config.get("delai_s") or DEFAULT_TIMEOUT_S
    try:
        timeout = float(timeout)
    except (TypeError, ValueError):
        raise ValueError(f"délai du géocodeur illisible : « {timeout} » (un nombre de secondes, par exemple 2)")
    if not (0 < timeout <= 30):
        raise ValueError(f"délai du géocodeur hors limites : {timeout} s (entre 0 et 30 s)")
    return Settings(str(url).strip(), timeout)


def request_params(text: str, postcode: str | None = None) -> dict:
    params = {"q": text[:200], "limit": "1"}
    if postcode:
        params["postcode"] = postcode
    return params


def pick(body, commune_codes: set[str] | None) -> tuple[Hit | None, str | None]:
    """(hit, None) for a usable street-level answer, else (None, why) in French."""
    features = body.get("features") if isinstance(body, dict) else None
    if not isinstance(features, list):
        return None, "réponse illisible du service d'adresses"
    if not features:
        return None, "adresse inconnue du service d'adresses"
    feature = features[0] if isinstance(features[0], dict) else {}
    props = feature.get("properties") or {}
    try:
        lon, lat = (float(x) for x in feature["geometry"]["coordinates"][:2])
        score = float(props.get("score", 0))
    except (KeyError, TypeError, ValueError):
        return None, "réponse illisible du service d'adresses"
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None, "réponse illisible du service d'adresses"
    if props.get("type") not in STREET_TYPES:
        return None, "le service d'adresses n'a trouvé que la commune"
    if score < MIN_SCORE:
        return None, "adresse trop incertaine pour le service d'adresses"
    citycode = props.get("citycode")
    if commune_codes and citycode not in commune_codes:
        return None, f"le service d'adresses situe cette adresse dans une autre commune ({props.get('city') or citycode})"
    return Hit(lat, lon, str(props.get("label") or ""), props["type"], score, citycode), None


async def geocode(config: Settings, text: str, postcode: str | None,
                  commune_codes: set[str] | None) -> tuple[Hit | None, str | None]:
    """Ask the geocoder; never raises: (None, why) on a timeout, an HTTP error or an unusable answer."""
    import asyncio

    import httpx

    async def ask():
        async with httpx.AsyncClient(timeout=config.timeout_s, follow_redirects=False) as client:
            return await client.get(config.url, params=request_params(text, postcode),
                                    headers={"Accept": "application/json"})

    try:  # httpx times each read; wait_for bounds the whole exchange (a server that trickles bytes)
        response = await asyncio.wait_for(ask(), config.timeout_s)
    except (httpx.TimeoutException, asyncio.TimeoutError):
        return None, f"le service d'adresses n'a pas répondu en {config.timeout_s:g} s"
    except httpx.HTTPError:
        return None, "le service d'adresses est injoignable"
    if response.status_code != 200:
        return None, f"le service d'adresses a répondu par une erreur ({response.status_code})"
    try:
        body = response.json()
    except ValueError:
        return None, "réponse illisible du service d'adresses"
    return pick(body, commune_codes)
