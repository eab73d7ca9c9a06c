"""A report per producer, after every refresh: what to fix in its list, as a page and as files to send.

For one source of a built database: its status, its rejets (grouped and one by one), its unrecognised
values, its lieux whose date_maj is older than seuils.DATE_MAJ_OLD_DAYS, its geography problems, its rows
merged with other lists' rows, and the changes of the last build (table `changements`). Pure reads of
SQLite (a sqlite3 connection); `write_reports` writes <source>.json and <source>.csv for every source.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from . import seuils
from .messages import CODE_LABELS

# qualite_geo values worth a producer's look (lieux.geo.QUALITES; "corrigee" in databases built before the kinds)
GEO_PROBLEMS = ("corrigee", "corrigee-inversion", "corrigee-signe", "corrigee-projection", "centre_commune",
                "hors_departement", "absente")
CSV_COLUMNS = ["rubrique", "ligne", "identifiant", "nom", "champ", "valeur", "code", "detail"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def tables(conn) -> set[str]:
    return {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}


def rows(conn, sql: str, params=()) -> list[dict]:
    cursor = conn.execute(sql, params)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, r)) for r in cursor]


def build_info(conn, key: str = "construit_le") -> str | None:
    if "build_info" not in tables(conn):
        return None
    row = conn.execute("select valeur from build_info where cle = ?", [key]).fetchone()
    return row[0] if row else None


def producer_report(conn: sqlite3.Connection, source_id: str, today: date | None = None) -> dict | None:
    """The report of one source (None when the database has no such source)."""
    present = tables(conn)
    [source] = rows(conn, "select * from sources where id = ?", [source_id]) or [None]
    if source is None:
        return None
    from .changements import current_build

    built = build_info(conn)
    build_id = (current_build(conn) or (None,))[0]
    today = today or (date.fromisoformat(built[:10]) if built else date.today())
    cutoff = (today - timedelta(days=seuils.DATE_MAJ_OLD_DAYS)).isoformat()
    members = "membres" in present
    report = {
        "source": source_id, "titre": source.get("titre"), "producteur": source.get("producteur"),
        "construit_le": built, "statut": source.get("statut"), "message": source.get("message"),
        "lignes_lues": source.get("lignes_lues"), "lignes_chargees": source.get("lignes_chargees"),
        "lignes_rejetees": source.get("lignes_rejetees"),
        "rejets_par_type": [{**r, "libelle": CODE_LABELS.get(r["code"], r["code"])} for r in rows(
            conn, "select code, champ, count(*) as erreurs, count(distinct ligne) as lignes, min(message) as exemple "
                  "from rejets where source = ? group by code, champ order by erreurs desc, code, champ", [source_id])],
        "rejets": rows(conn, "select ligne, champ, valeur, code, message from rejets where source = ? order by ligne, id",
                       [source_id]),
        "valeurs_non_reconnues": rows(conn, "select champ, valeur, nombre from valeurs_non_reconnues where source = ? "
                                            "order by nombre desc, champ, valeur", [source_id])
        if "valeurs_non_reconnues" in present else [],
        "date_maj_anciennes": rows(conn, "select ligne, cle as identifiant, nom, date_maj from membres "
                                         "where source_id = ? and date_maj < ? order by date_maj, ligne",
                                   [source_id, cutoff]) if members else [],
        "date_maj_seuil": cutoff,
        "geographie": rows(conn, "select m.ligne, m.cle as identifiant, m.nom, l.qualite_geo, l.qualite_geo_motif "
                                 "from membres m join lieux l on l.id = m.lieu_id where m.source_id = ? "
                                 f"and l.qualite_geo in ({', '.join('?' * len(GEO_PROBLEMS))}) order by m.ligne",
                           [source_id, *GEO_PROBLEMS]) if members else [],
        "fusionnes": rows(conn, "select m.ligne, m.cle as identifiant, m.nom, m.lieu_id, "
                                "group_concat(distinct o.source_id) as autres_sources from membres m "
                                "join membres o on o.lieu_id = m.lieu_id and o.source_id != m.source_id "
                                "where m.source_id = ? group by m.source_id, m.cle order by m.ligne",
                          [source_id]) if members else [],
        "changements": rows(conn, "select lieu_id, nature, date, champs, fusionne_dans, nom from changements "
                                  "where construction = ? and exists (select 1 from json_each(changements.sources) "
                                  "where value = ?) order by nature, lieu_id", [build_id, source_id])
        if "changements" in present and build_id else [],
    }
    report["resume"] = {key: len(report[key]) for key in
                        ("rejets", "valeurs_non_reconnues", "date_maj_anciennes", "geographie", "fusionnes", "changements")}
    return report


def safe_cell(value):
    """A cell a spreadsheet will not run as a formula (a leading apostrophe, as OWASP advises)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def report_rows(report: dict):
    """The report as flat rows (CSV_COLUMNS), one per problem or change."""
    for r in report["rejets"]:
        yield {"rubrique": "rejet", "ligne": r["ligne"], "champ": r["champ"], "valeur": r["valeur"], "code": r["code"],
               "detail": r["message"]}
    for r in report["valeurs_non_reconnues"]:
        yield {"rubrique": "valeur non reconnue", "champ": r["champ"], "valeur": r["valeur"],
               "detail": f"{r['nombre']} ligne(s)"}
    for r in report["date_maj_anciennes"]:
        yield {"rubrique": "date_maj ancienne", "ligne": r["ligne"], "identifiant": r["identifiant"], "nom": r["nom"],
               "champ": "date_maj", "valeur": r["date_maj"], "detail": f"antérieure au {report['date_maj_seuil']}"}
    for r in report["geographie"]:
        yield {"rubrique": "géographie", "ligne": r["ligne"], "identifiant": r["identifiant"], "nom": r["nom"],
               "code": r["qualite_geo"], "detail": r["qualite_geo_motif"]}
    for r in report["fusionnes"]:
        yield {"rubrique": "fusionné", "ligne": r["ligne"], "identifiant": r["identifiant"], "nom": r["nom"],
               "valeur": r["lieu_id"], "detail": f"même lieu que des lignes de : {r['autres_sources']}"}
    for r in report["changements"]:
        yield {"rubrique": "changement", "identifiant": r["lieu_id"], "nom": r["nom"], "code": r["nature"],
               "champ": ", ".join(json.loads(r["champs"])) if r["champs"] else None,
               "detail": f"fusionné dans {r['fusionne_dans']}" if r["fusionne_dans"] else None}


def report_csv(report: dict) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in report_rows(report):
        writer.writerow({k: safe_cell(row.get(k)) for k in CSV_COLUMNS})
    return out.getvalue()


def write_reports(db_path: Path, folder: Path, stale: dict | None = None) -> list[Path]:
    """<source>.json and <source>.csv for every source of the database, and index.json (all sources' summaries)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        index = []
        for (source_id,) in conn.execute("select id from sources order by id").fetchall():
            report = producer_report(conn, source_id)
            for name, text in ((f"{source_id}.json", json.dumps(report, ensure_ascii=False, indent=1)),
                               (f"{source_id}.csv", report_csv(report))):
                (folder / name).write_text(text, encoding="utf-8")
                written.append(folder / name)
            index.append({"source": source_id, "statut": report["statut"], "message": report["message"],
                          **report["resume"]})
        (folder / "index.json").write_text(json.dumps({"base": str(db_path), "perimees": stale or {}, "sources": index},
                                                      ensure_ascii=False, indent=1), encoding="utf-8")
        written.append(folder / "index.json")
    finally:
        conn.close()
    return written
