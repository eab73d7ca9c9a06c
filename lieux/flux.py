"""What reusers follow: the changes (/api/changements, paged JSON; an Atom feed per département) and the
whole directory as NDJSON (/api/lieux.ndjson). Pure functions; the views are in plugins/changements.py."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from urllib.parse import quote, urlencode
from xml.sax.saxutils import escape

from . import positions, schemas
from .changements import NATURES

DEFAULT_PAGE = 100
MAX_PAGE = 1000
FEED_DAYS = 7
FEED_MAX_ENTRIES = 1000
DEPARTEMENT = re.compile(r"^(?:\d{2}|2[AB]|97\d)$")
CHANGES_PARAMS = ("depuis", "jusqu_a", "departement", "nature", "apres", "taille")
FEED_PARAMS = ("departement", "jours")
NATURE_LABELS = {"ajout": "Nouveau lieu", "modification": "Lieu modifié", "suppression": "Lieu retiré",
                 "fusion": "Lieu fusionné avec un autre"}


class ParameterError(ValueError):
    """A parameter that cannot be used; the message (French) says how to fix it."""


def one(args, name: str) -> str | None:
    values = args.getlist(name)
    if len(values) > 1:
        raise ParameterError(f"« {name} » est donné {len(values)} fois : donnez-le une seule fois.")
    return values[0] if values else None


def check_known(args, allowed) -> None:
    unknown = sorted(set(args.keys()) - set(allowed))
    if unknown:
        raise ParameterError(f"paramètre inconnu « {unknown[0]} ». Paramètres possibles : {', '.join(allowed)}.")


def parse_day(text: str | None, name: str) -> str | None:
    if text is None:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise ValueError(text)
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise ParameterError(f"« {name} » doit être une date AAAA-MM-JJ, par exemple 2026-01-31 ; reçu « {text[:40]} ».")


def parse_departement(text: str | None) -> str | None:
    if text is None:
        return None
    code = text.strip().upper()
    if not DEPARTEMENT.match(code):
        raise ParameterError(f"« departement » est un code de département (01, 2A, 974…) ; reçu « {text[:40]} ».")
    return code


def parse_int(text: str | None, name: str, low: int, high: int, default: int | None) -> int | None:
    if text is None:
        return default
    if not re.fullmatch(r"\d{1,9}", text.strip()):
        raise ParameterError(f"« {name} » doit être un entier entre {low} et {high} ; reçu « {text[:40]} ».")
    value = int(text)
    if not low <= value <= high:
        raise ParameterError(f"« {name} » doit être un entier entre {low} et {high} ; reçu « {text[:40]} ».")
    return value


def parse_changes(args) -> dict:
    """The parameters of /api/changements (ParameterError for anything wrong or unknown)."""
    check_known(args, CHANGES_PARAMS)
    depuis = parse_day(one(args, "depuis"), "depuis")
    if depuis is None:
        raise ParameterError("« depuis » est obligatoire : /api/changements?depuis=AAAA-MM-JJ (les changements de ce "
                             "jour et des suivants).")
    natures = []
    for raw in args.getlist("nature"):
        for value in raw.split("|"):
            if value not in NATURES:
                raise ParameterError(f"« nature » vaut {', '.join(NATURES)} ; reçu « {value[:40]} ».")
            natures.append(value)
    return {"depuis": depuis, "jusqu_a": parse_day(one(args, "jusqu_a"), "jusqu_a"),
            "departement": parse_departement(one(args, "departement")), "natures": natures,
            "apres": parse_int(one(args, "apres"), "apres", 0, 10**9 - 1, 0),
            "taille": parse_int(one(args, "taille"), "taille", 1, MAX_PAGE, DEFAULT_PAGE)}


def changes_where(p: dict) -> tuple[str, list]:
    clauses, params = ["date >= ?"], [p["depuis"]]
    if p.get("jusqu_a"):
        clauses.append("date <= ?")
        params.append(p["jusqu_a"])
    if p.get("departement"):
        clauses.append("departement_code = ?")
        params.append(p["departement"])
    if p.get("natures"):
        clauses.append(f"nature in ({', '.join('?' * len(p['natures']))})")
        params += p["natures"]
    return " and ".join(clauses), params


def changes_query(p: dict) -> tuple[str, list, str, list]:
    """(page SQL, params, count SQL, params): keyset paging on the change id, oldest first."""
    where, params = changes_where(p)
    page = (f"select * from changements where {where} and id > ? order by id limit ?", [*params, p["apres"], p["taille"] + 1])
    return (*page, f"select count(*) from changements where {where}", params)


def change_json(row: dict, lieu_url) -> dict:
    out = {k: row.get(k) for k in ("id", "lieu_id", "nature", "date", "nom", "commune", "departement_code",
                                   "fusionne_dans")}
    out["champs"] = json.loads(row["champs"]) if row.get("champs") else []
    out["sources"] = json.loads(row["sources"]) if row.get("sources") else []
    out["url"] = lieu_url(row["fusionne_dans"] or row["lieu_id"]) if row["nature"] != "suppression" else None
    return out


def next_url(path: str, p: dict, last_id: int) -> str:
    query = [("depuis", p["depuis"])]
    for key in ("jusqu_a", "departement"):
        if p.get(key):
            query.append((key, p[key]))
    if p.get("natures"):
        query.append(("nature", "|".join(p["natures"])))
    query += [("apres", str(last_id)), ("taille", str(p["taille"]))]
    return f"{path}?{urlencode(query)}"


# --- NDJSON ---------------------------------------------------------------------------------------

def lieu_record(row: dict) -> dict:
    """One line of the bulk export: the standard's fields (lists for multi-valued ones), then département,
    quality of the position and sources."""
    out = schemas.standard_values(row)
    out["departement"] = row.get("departement_code")
    out["qualite_geo"] = row.get("qualite_geo")
    out["position_approximative"] = positions.approximative(row.get("qualite_geo"))
    out["sources"] = json.loads(row["sources"]) if row.get("sources") else []
    return out


# --- Atom (RFC 4287) ------------------------------------------------------------------------------

def parse_feed(args, today: date) -> dict:
    check_known(args, FEED_PARAMS)
    departement = parse_departement(one(args, "departement"))
    if departement is None:
        raise ParameterError("« departement » est obligatoire : /api/changements.atom?departement=35 "
                             "(les changements de la semaine dans ce département).")
    days = parse_int(one(args, "jours"), "jours", 1, 31, FEED_DAYS)
    return {"departement": departement, "depuis": (today - timedelta(days=days - 1)).isoformat(), "jours": days}


def entry_title(row: dict) -> str:
    what = NATURE_LABELS[row["nature"]]
    name = row.get("nom") or row["lieu_id"]
    where = f" ({row['commune']})" if row.get("commune") else ""
    return f"{what} : {name}{where}"


def entry_summary(row: dict) -> str:
    if row["nature"] == "modification" and row.get("champs"):
        return "Champs modifiés : " + ", ".join(json.loads(row["champs"])) + "."
    if row["nature"] == "fusion":
        return f"Ce lieu est désormais décrit par le lieu {row['fusionne_dans']} (même lieu listé par plusieurs sources)."
    if row["nature"] == "suppression":
        return "Ce lieu n'est plus dans les listes publiées par ses sources."
    return "Nouveau lieu dans l'annuaire."


def atom_feed(rows: list[dict], p: dict, base: str, self_url: str, updated: datetime, lieu_url) -> str:
    """The Atom document (text) of the week's changes in one département."""
    stamp = updated.strftime("%Y-%m-%dT%H:%M:%SZ")
    dep = p["departement"]
    title = f"Lieux de médiation numérique : changements de la semaine, département {dep}"
    subtitle = f"Lieux ajoutés, modifiés, fusionnés ou retirés depuis le {p['depuis']}."
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">',
        f"<title>{escape(title)}</title>",
        f"<subtitle>{escape(subtitle)}</subtitle>",
        f"<id>tag:lieux-mediation-numerique,2026:changements:{escape(dep)}</id>",
        f'<link rel="self" type="application/atom+xml" href="{attr(self_url)}"/>',
        f'<link rel="alternate" type="text/html" href="{attr(base + "/")}"/>',
        f"<updated>{stamp}</updated>",
        "<author><name>Annuaire des lieux de médiation numérique</name></author>",
    ]
    for row in rows:
        day = f"{row['date']}T00:00:00Z"
        link = lieu_url(row["fusionne_dans"] or row["lieu_id"]) if row["nature"] != "suppression" else None
        parts += [
            "<entry>",
            f"<id>tag:lieux-mediation-numerique,2026:changement:{int(row['id'])}</id>",
            f"<title>{escape(entry_title(row))}</title>",
            f"<updated>{day}</updated>",
            f'<category term="{row["nature"]}"/>',
            f"<summary>{escape(entry_summary(row))}</summary>",
        ]
        if link:
            parts.append(f'<link rel="alternate" type="text/html" href="{attr(base + link)}"/>')
        parts.append("</entry>")
    parts.append("</feed>")
    return "\n".join(parts) + "\n"


def attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def lieu_path(lieu_id) -> str:
    return f"/lieu/{quote(str(lieu_id), safe='')}"
