"""A database whose one lieu carries markup and javascript: URLs, to check that pages escape data."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.conftest import ROOT, run_build

DEMO_CSV = ROOT / "sources" / "demo" / "lieux-demo.csv"
HOSTILE_NAME = '<script>alert("nom")</script> Lieu <b>gras</b>'


def build_hostile_db(folder: Path) -> Path:
    """Build (with the real build command) a demo database holding one hostile lieu, `demo-hostile`."""
    with DEMO_CSV.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        row = next(reader)
        fieldnames = reader.fieldnames
    row.update(id="demo-hostile", nom=HOSTILE_NAME, adresse="<img src=x onerror=alert(1)>",
               site_web="javascript:alert(1)", prise_rdv="javascript:alert(2)",
               presentation_resume="<iframe src=//evil>")
    csv_path = folder / "lieux.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerow(row)
    db_path = folder / "lieux.db"
    run_build(db_path, "--demo", "--input", f"demo={csv_path}")
    return db_path


# ---- A corpus of hostile input files (issue 16 §2): generated, never committed.
#
# Each one is given to `build` as --input of one source, beside a good source that must still load,
# and to `validate`. `unreadable`: words of the French message that marks the source `illisible`
# (and makes `validate` exit with 2); `rejected`: words of the reason of its rejected rows.

import gzip  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import zipfile  # noqa: E402
from dataclasses import dataclass  # noqa: E402

from lieux import schemas  # noqa: E402

CSV_SOURCE, JSON_SOURCE, GEOJSON_SOURCE = "mediation-numerique", "aix-en-provence", "fabriques-de-territoire"
GOOD_JSON_RECORD = {"id": "bon-1", "nom": "Lieu fictif en bon état", "commune": "Aix-en-Provence", "code_postal": "13100",
                    "Adresse": "1 place Fictive", "date_maj": "2024-01-01"}


@dataclass(frozen=True)
class Hostile:
    name: str
    source: str                   # the source it is given to (--input SOURCE=...)
    unreadable: str | None = None  # words of the message: the source is `illisible`
    rejected: str | None = None    # words of the rejection reason of its bad rows (the source loads)
    validate_exit: int = 2         # `validate`'s exit code (2: unreadable, 1: invalid, 0: valid)
    validate_words: str | None = None  # words of validate's output (default: those of `unreadable`)
    value: str | None = None       # what --input gets when it is not a file (a URL)

    @property
    def good_source(self) -> str:
        return JSON_SOURCE if self.source == CSV_SOURCE else CSV_SOURCE


def standard_rows() -> tuple[str, list[str]]:
    """The standard's header line and the demo sample's first rows (our own fictional data), as CSV lines."""
    lines = DEMO_CSV.read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",") == schemas.field_names(schemas.LIEUX)
    return lines[0], lines[1:4]


def good_csv(folder: Path) -> Path:
    header, rows = standard_rows()
    path = folder / "bon.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def good_json(folder: Path) -> Path:
    path = folder / "bon.json"
    path.write_text(json.dumps([GOOD_JSON_RECORD], ensure_ascii=False), encoding="utf-8")
    return path


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _zip(content: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("lieux.csv", content)
    return buf.getvalue()


def hostile_corpus(folder: Path) -> list[Hostile]:
    """Write the hostile files into `folder`; return what each one must give."""
    header, rows = standard_rows()
    csv_text = "\n".join([header, *rows]) + "\n"
    good = json.dumps(GOOD_JSON_RECORD, ensure_ascii=False)
    wide = ",".join("x" for _ in range(10_000))
    mac = rows[0].replace("Médiathèque", "Médiathèque à l'Église")
    files: dict[str, bytes] = {
        "vide.csv": b"",
        "entete-seule.csv": (header + "\n").encode(),
        "lignes-vides-1mo.csv": b"\n" * (1024 * 1024),
        "entete-puis-lignes-vides-1mo.csv": (header + "\n").encode() + b"\r\n" * (512 * 1024),
        "colonnes-10000.csv": ((wide + "\n") * 4).encode(),
        "lignes-de-10000-cellules.csv": "\n".join([header, rows[0], wide, wide, wide]).encode() + b"\n",
        "utf16.csv": csv_text.encode("utf-16"),
        "utf16-sans-bom.csv": csv_text.encode("utf-16-le"),
        "binaire.csv": random.Random(16).randbytes(50_000),
        "archive.csv.gz": gzip.compress(csv_text.encode(), mtime=0),
        "archive.zip": _zip(csv_text.encode()),
        "octets-nuls.csv": csv_text.encode().replace(b"Paris", b"Pa\x00ris"),
        "cellule-de-200000-caracteres.csv": "\n".join([header, rows[0].replace("Paris),", "Paris" + "é" * 200_000 + "),", 1), rows[1]]).encode() + b"\n",
        "encodage-mixte.csv": "\n".join([header, rows[0], rows[1]]).encode("utf-8").replace("Lyon".encode(), "Ly\xf4n".encode("cp1252")) + b"\n",
        "mac-roman.csv": "\n".join([header, mac, rows[1]]).encode("mac_roman") + b"\n",
        "mojibake.csv": "\n".join([header, rows[0].replace("Médiathèque", "MÃ©diathÃ¨que"), rows[1]]).encode() + b"\n",
        "json-profond.json": _nested(10_000).encode(),
        "json-profond-dans-un-lieu.json": ("[" + good + ', {"nom": "Lieu", "x": ' + _nested(10_000) + "}]").encode(),
        "json-profondeur-100.json": ("[" + good + ', {"nom": "Lieu", "x": ' + _nested(100) + "}]").encode(),
        "json-nombre-de-5000-chiffres.json": ('[{"nom": "Lieu", "latitude": ' + "1" * 5000 + "}, " + good + "]").encode(),
        "json-demi-paire-utf16.json": ('[{"nom": "Lieu \\ud800 fictif", "commune": "Aix"}, ' + good + "]").encode(),
        "json-objet.json": b'{"lieux": []}',
        "geojson-features-pas-des-objets.geojson": json.dumps({"type": "FeatureCollection", "features": [
            1, "texte", None, [], {"type": "Feature", "properties": {"id_territoire": "1", "lib_territoire": "Fabrique"},
                                   "geometry": {"type": "Point", "coordinates": [2.35, 48.85]}}]}).encode(),
        "geojson-geometries-bizarres.geojson": json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"id_territoire": str(i), "lib_territoire": f"Fabrique {i}"}, "geometry": g}
            for i, g in enumerate(["texte", {"type": "Point", "coordinates": "2.3,48.8"}, {"type": "Point", "coordinates": [[2, 48]]},
                                   {"type": 5}, [1, 2], {"type": "Point", "coordinates": [True, {"a": 1}]}], start=1)]
            + [{"type": "Feature", "properties": [1, 2], "geometry": None}]}).encode(),
        "geojson-features-pas-une-liste.geojson": b'{"type": "FeatureCollection", "features": {"a": 1}}',
        "geojson-profond.geojson": ('{"type": "FeatureCollection", "features": ' + _nested(10_000) + "}").encode(),
    }
    for name, content in files.items():
        (folder / name).write_bytes(content)
    with open(folder / "json-enorme.json", "wb") as f:  # sparse: 201 MB on paper, nothing on disk
        f.write(b"[")
        f.truncate(201 * 1024 * 1024)
    (folder / "un-dossier.csv").mkdir()
    os.mkfifo(folder / "tube.csv")
    os.symlink("/dev/zero", folder / "lien-vers-dev-zero.csv")

    C, J, G = CSV_SOURCE, JSON_SOURCE, GEOJSON_SOURCE
    return [
        Hostile("vide.csv", C, unreadable="le fichier est vide"),
        Hostile("entete-seule.csv", C, unreadable="aucune ligne de données"),
        Hostile("lignes-vides-1mo.csv", C, unreadable="rien que des lignes blanches"),
        Hostile("entete-puis-lignes-vides-1mo.csv", C, unreadable="aucune ligne de données"),
        Hostile("colonnes-10000.csv", C, unreadable="10000 colonnes dans l'en-tête, au-delà de la limite de 1000"),
        Hostile("lignes-de-10000-cellules.csv", C, rejected="10000 valeurs au lieu de 32 colonnes", validate_exit=1,
                validate_words="cellule en trop : 29904"),
        Hostile("utf16.csv", C, validate_exit=0, validate_words="Encodage détecté : UTF-16"),
        Hostile("utf16-sans-bom.csv", C, unreadable="UTF-16 sans marque d'ordre des octets"),
        Hostile("binaire.csv", C, unreadable="pas un fichier texte", validate_words="octets nuls"),
        Hostile("archive.csv.gz", C, unreadable="c'est une archive gzip"),
        Hostile("archive.zip", C, unreadable="c'est une archive zip", validate_words="classeur de tableur"),
        Hostile("octets-nuls.csv", C, unreadable="pas un fichier texte", validate_words="octets nuls"),
        Hostile("cellule-de-200000-caracteres.csv", C, rejected="une cellule de plus de 100000 caractères", validate_exit=1,
                validate_words="cellule trop longue : 1"),
        Hostile("encodage-mixte.csv", C, rejected="octet 0xF4 qui n'est pas de l'UTF-8", validate_exit=1,
                validate_words="Encodage mixte : le fichier est en UTF-8 sauf 3 octet(s)"),
        # the source declares UTF-8 (the standard's encoding); validate, without a descriptor, detects Mac Roman
        Hostile("mac-roman.csv", C, unreadable="n'est pas encodé en utf-8 (octet 0x8E à la ligne 2)", validate_exit=0,
                validate_words="Encodage détecté : Mac Roman"),
        Hostile("mojibake.csv", C, validate_exit=0, validate_words="Mojibake probable"),
        Hostile("json-profond.json", J, unreadable="JSON imbriqué sur plus de 64 niveaux", validate_words="fichier JSON"),
        Hostile("json-profond-dans-un-lieu.json", J, unreadable="JSON imbriqué sur plus de 64 niveaux", validate_words="fichier JSON"),
        Hostile("json-profondeur-100.json", J, rejected="objet imbriqué sur plus de 64 niveaux", validate_words="fichier JSON"),
        Hostile("json-nombre-de-5000-chiffres.json", J, rejected="nombre de 5000 caractères dans « latitude »",
                validate_words="fichier JSON"),
        Hostile("json-demi-paire-utf16.json", J, rejected="moitié de paire UTF-16 \\ud800) dans « nom »",
                validate_words="fichier JSON"),
        Hostile("json-objet.json", J, unreadable="liste d'objets (un par lieu), pas un objet", validate_words="fichier JSON"),
        Hostile("json-enorme.json", J, unreadable="au-delà de la limite de 200 Mo"),
        Hostile("geojson-features-pas-des-objets.geojson", G, rejected="n'est pas un objet Feature", validate_words="fichier JSON"),
        Hostile("geojson-geometries-bizarres.geojson", G, rejected="coordonnées du point illisibles", validate_words="fichier JSON"),
        Hostile("geojson-features-pas-une-liste.geojson", G, unreadable="« features » doit être la liste des lieux",
                validate_words="fichier JSON"),
        Hostile("geojson-profond.geojson", G, unreadable="JSON imbriqué sur plus de 64 niveaux", validate_words="fichier JSON"),
        Hostile("un-dossier.csv", C, unreadable="c'est un dossier"),
        Hostile("tube.csv", C, unreadable="c'est un tube nommé (FIFO)"),
        Hostile("lien-vers-dev-zero.csv", C, unreadable="c'est un périphérique"),
        Hostile("dev-zero", C, unreadable="c'est un périphérique", value="/dev/zero"),
        Hostile("url-ipv6-non-fermee", C, unreadable="adresse illisible, elle est mal formée", value="http://[::1/lieux.csv"),
        Hostile("url-sans-serveur", C, unreadable="le nom du serveur manque", value="http:///lieux.csv"),
        Hostile("url-avec-espaces", C, unreadable="elle contient des espaces", value="https://exemple.invalid/mes lieux.csv"),
        Hostile("url-port-invalide", C, unreadable="numéro de port invalide", value="http://127.0.0.1:99999/lieux.csv"),
        Hostile("url-ftp", C, unreadable="seules les adresses http:// et https://", value="ftp://exemple.invalid/lieux.csv"),
    ]
