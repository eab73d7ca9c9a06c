"""Where the current file of a source is published: a data.gouv.fr dataset, or a stable URL.

A descriptor's `live` key (sources/README.md):

    live:
      datagouv: <dataset id or slug>        # resolved through data.gouv.fr's API at fetch time
      resource: {title: <regex>, format: csv}   # how to pick the resource (either or both)
      # or
      url: <a stable URL that always serves the current file>
      read: {delimiter: ";"}                # how to read it where it differs (delimiter, encoding, records...)
      differences: [...]                    # how the current shape differs from the pinned file

The API answers GET <api>/datasets/<id-or-slug>/ with the dataset as JSON, whose `resources`
list gives each file's `title`, `format`, `url`, `latest` (a stable link that redirects to the
current file), `last_modified`, `type` (main, documentation...). Among the resources that match,
the most recently modified one is taken.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote

DATAGOUV_API = os.environ.get("LIEUX_DATAGOUV_API", "https://www.data.gouv.fr/api/1")
API_TIMEOUT_SECONDS = 30
API_MAX_BYTES = 20 * 1024 * 1024
FREQUENCIES = ("quotidienne", "hebdomadaire", "mensuelle", "trimestrielle", "semestrielle", "annuelle",
               "irreguliere", "figee")


# What `live.read` may change for the current publication (the rest of the descriptor applies as is).
READ_KEYS = ("delimiter", "encoding", "records", "missing_values")


def reading(descriptor):
    """The descriptor as the current publication is read: `live.read` over the pinned file's settings."""
    import dataclasses

    read = (descriptor.live or {}).get("read") or {}
    if not read:
        return descriptor
    values = {k: tuple(v) if k == "missing_values" else v for k, v in read.items()}
    return dataclasses.replace(descriptor, **values)


class LiveError(RuntimeError):
    """The current file cannot be located; the message (French) says why."""


@dataclass(frozen=True)
class Located:
    url: str
    title: str | None = None
    last_modified: str | None = None
    dataset_page: str | None = None


def check_live(live, path) -> dict:
    """The `live` key as a descriptor gives it, checked; ValueError naming the fix otherwise."""
    if not isinstance(live, dict):
        raise ValueError(f"{path} : « live » est un dictionnaire (datagouv + resource, ou url).")
    unknown = set(live) - {"datagouv", "resource", "url", "differences", "note", "read"}
    if unknown:
        raise ValueError(f"{path} : clé(s) inconnue(s) dans « live » : {', '.join(sorted(unknown))} "
                         "(possibles : datagouv, resource, url, read, differences, note).")
    read = live.get("read") or {}
    if not isinstance(read, dict) or set(read) - set(READ_KEYS):
        raise ValueError(f"{path} : « live.read » ne peut changer que {', '.join(READ_KEYS)} (comment lire la "
                         "publication courante quand elle diffère du fichier épinglé).")
    if bool(live.get("datagouv")) == bool(live.get("url")):
        raise ValueError(f"{path} : « live » donne soit « datagouv » (jeu de données data.gouv.fr) soit « url » "
                         "(adresse stable), et un seul des deux.")
    resource = live.get("resource") or {}
    if live.get("datagouv") and not (isinstance(resource, dict) and (resource.get("title") or resource.get("format"))):
        raise ValueError(f"{path} : « live.resource » dit quel fichier du jeu de données prendre : "
                         "{title: <expression régulière>} et/ou {format: csv}.")
    if resource.get("title"):
        try:
            re.compile(resource["title"])
        except re.error as e:
            raise ValueError(f"{path} : « live.resource.title » n'est pas une expression régulière valide ({e}).")
    return live


def pick_resource(resources: list, title: str | None = None, fmt: str | None = None) -> dict | None:
    """The most recently modified main resource whose title matches `title` (regex, any case) and whose
    format is `fmt` (any case); None when none does. Pure."""
    matching = []
    for r in resources or []:
        if not isinstance(r, dict) or not (r.get("url") or r.get("latest")):
            continue
        if r.get("type") not in (None, "main", "update"):
            continue  # documentation, API, code...
        if title and not re.search(title, r.get("title") or "", re.IGNORECASE):
            continue
        if fmt and (r.get("format") or "").lower().lstrip(".") != fmt.lower():
            continue
        matching.append(r)
    if not matching:
        return None
    return max(matching, key=lambda r: r.get("last_modified") or r.get("created_at") or "")


def get_json(url: str, timeout: float = API_TIMEOUT_SECONDS) -> dict:
    request = urllib.request.Request(url, headers={"Accept": "application/json",
                                                   "User-Agent": "lieux-mediation-numerique/0.1 (annuaire open data)"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(API_MAX_BYTES + 1)
    except urllib.error.HTTPError as e:
        raise LiveError(f"{url} : l'API de data.gouv.fr répond {e.code} {e.reason} "
                        "(jeu de données supprimé ou renommé ? vérifiez « live.datagouv »).") from e
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", None) or e
        raise LiveError(f"{url} : l'API de data.gouv.fr ne répond pas ({reason}).") from e
    if len(body) > API_MAX_BYTES:
        raise LiveError(f"{url} : réponse de l'API de plus de {API_MAX_BYTES // (1024 * 1024)} Mo.")
    try:
        data = json.loads(body)
    except ValueError as e:
        raise LiveError(f"{url} : l'API de data.gouv.fr n'a pas répondu en JSON ({e}).") from e
    if not isinstance(data, dict):
        raise LiveError(f"{url} : réponse inattendue de l'API de data.gouv.fr (un objet JSON est attendu).")
    return data


def locate(live: dict, api: str | None = None) -> Located:
    """The URL of the current file of a source (LiveError when it cannot be found)."""
    if live.get("url"):
        return Located(live["url"])
    api = (api or os.environ.get("LIEUX_DATAGOUV_API") or DATAGOUV_API).rstrip("/")
    dataset_url = f"{api}/datasets/{quote(str(live['datagouv']), safe='')}/"
    data = get_json(dataset_url)
    resource = live.get("resource") or {}
    chosen = pick_resource(data.get("resources"), resource.get("title"), resource.get("format"))
    if chosen is None:
        titles = ", ".join(f"« {r.get('title')} » ({r.get('format')})" for r in data.get("resources") or []
                           if isinstance(r, dict)) or "aucune"
        raise LiveError(f"{dataset_url} : aucune ressource ne correspond à {resource} dans le jeu de données "
                        f"« {data.get('title') or live['datagouv']} ». Ressources publiées : {titles}. "
                        "Corrigez « live.resource » dans le descripteur.")
    return Located(chosen.get("url") or chosen["latest"], chosen.get("title"), chosen.get("last_modified"),
                   data.get("page"))
