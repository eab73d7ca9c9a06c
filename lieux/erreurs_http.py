"""Datasette's English error messages in French: what is wrong and how to fix it (plugins/erreurs.py, plugins/api.py)."""

from __future__ import annotations

import re

TITLES = {400: "Requête invalide", 403: "Accès refusé", 404: "Page introuvable", 405: "Méthode non permise"}
SQL_CLOSED = ("Les requêtes SQL libres sont fermées sur le serveur public. Pour tout interroger, téléchargez la "
              "base entière (lien « Télécharger la base » de /lieux, fichier SQLite) ; ici, utilisez les tables, "
              "leurs filtres et facettes, les requêtes prévues et l'API (/api).")
# (English message of Datasette, French message: what is wrong and how to fix it). \1... are the groups.
TRANSLATIONS = [
    (r"Cannot sort table by (.*)", r"Impossible de trier par « \1 » : ce n'est pas une colonne triable de cette table."),
    (r"Cannot use _sort and _sort_desc at the same time",
     "_sort et _sort_desc ne se donnent pas ensemble : gardez l'un des deux."),
    (r"_(no)?col=(.*) - invalid columns", r"Colonne inconnue dans _\1col : « \2 »."),
    (r"no such column: (?:inner\.)?(.*)", r"Colonne inconnue : « \1 »."),
    (r"no such table: (.*)", r"Table inconnue : « \1 »."),
    (r"(fts5: syntax error.*|unterminated string|malformed MATCH.*)",
     "Recherche illisible (guillemet ou opérateur non fermé) : retirez les caractères spéciaux du texte cherché."),
    (r"Invalid _shape: (.*)", r"_shape inconnu : « \1 ». Valeurs possibles : objects, object, array, arrays, arrayfirst."),
    (r"_size must be a positive integer", "_size doit être un nombre entier positif, ou « max »."),
    (r"_size must be <= (\d+)", r"_size doit être au plus \1."),
    (r"_facet= is not allowed", "Les facettes ne sont pas permises ici."),
    (r"CSV streaming is disabled", "Le CSV complet (_stream) n'est pas permis ici."),
    (r"_next not allowed for CSV streaming", "_next ne se combine pas avec _stream=on."),
    (r"Database not found.*", "Base introuvable."),
    (r"Table not found.*", "Table introuvable."),
    (r"Record not found.*", "Ligne introuvable."),
    (r"(Page not found|404|Not found|No data).*", "Page introuvable."),
    (r"execute-sql", SQL_CLOSED),
    (r"_where= is not allowed", SQL_CLOSED),
    (r"(?:<p>)?SQL query took too long.*",
     "La requête a dépassé le temps permis : ajoutez un filtre ou réduisez _size, ou téléchargez la base."),
    (r"Database download is forbidden|Cannot download.*", "Le téléchargement de cette base n'est pas permis."),
    (r"Database is immutable", "Cette base est en lecture seule."),
    (r"(You do not have permission.*|Permission denied|view-.*)", "Accès refusé."),
    (r"Pas de GeoJSON.*|Page fermée.*|Paramètre.*", r"\g<0>"),  # already French (our own plugins)
]
TITLES = {400: "Requête invalide", 403: "Accès refusé", 404: "Page introuvable", 405: "Méthode non permise"}
def translate(message: str) -> str:
    message = str(message or "").strip()
    for english, french in TRANSLATIONS:
        m = re.fullmatch(english, message, flags=re.S)
        if m:
            return m.expand(french)
    return f"Requête invalide : {message}" if message else "Requête invalide."




def translate_body(body: dict) -> dict:
    """A JSON error of Datasette ({"ok": false, "error": ...}) with its French message added as `erreur`."""
    if isinstance(body, dict) and body.get("ok") is False and "erreur" not in body:
        body = {**body, "erreur": translate(body.get("error") or "")}
    return body
