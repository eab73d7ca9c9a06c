"""Command line of the directory: fetch the lists, validate files, build the database, serve it."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from lieux import fetch as fetching
from lieux import geo
from lieux import pipeline, site, sources
from lieux.console import Progress
from lieux.pipeline import BuildError
from lieux.process import count_records
from lieux.read import SourceReadError
from lieux.sources import DescriptorError

ROOT = Path(__file__).resolve().parent
DEFAULT_DB = ROOT / "lieux.db"


def parse_inputs(values) -> dict[str, str]:
    inputs = {}
    for value in values:
        if "=" not in value:
            raise click.BadParameter(f"« {value} » : écrivez SOURCE_ID=CHEMIN_OU_URL, par exemple france-services=liste.csv.",
                                     param_hint="--input")
        key, path = (part.strip() for part in value.split("=", 1))
        if key in inputs:
            raise click.BadParameter(
                f"« {key} » est donné deux fois ({inputs[key]} et {path}) : une source ne lit qu'un fichier par "
                "construction. Pour un autre millésime de la même liste, ajoutez un descripteur avec « vintage_of » "
                "(voir sources/README.md).", param_hint="--input")
        inputs[key] = path
    return inputs


def read_inputs_file(path: Path) -> dict[str, str]:
    """`--inputs FILE.yml`: a YAML mapping of source ids (or geo-* ids) to paths or URLs. A relative path
    is read from the YAML file's folder, so the file works from any current directory."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise click.BadParameter(f"{path} : fichier illisible ({e}).", param_hint="--inputs") from e
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in data.items()):
        raise click.BadParameter(f"{path} : écrivez une ligne « id-de-source: chemin/ou/URL » par source, par exemple "
                                 "« france-services: ../listes/liste-fs.csv ».", param_hint="--inputs")
    inputs = {}
    for key, value in data.items():
        value = value.strip()
        if "://" not in value and not Path(value).is_absolute():
            value = str((Path(path).resolve().parent / value))
        inputs[key.strip()] = value
    return inputs


def load_descriptors(demo: bool):
    try:
        return sources.load_descriptors(sources.DEMO_DIR if demo else sources.SOURCES_DIR)
    except (DescriptorError, ValueError) as e:
        raise click.ClickException(str(e)) from e


@click.group()
@click.version_option(package_name="lieux-mediation-numerique")
def cli():
    """Annuaire national des lieux de médiation numérique : sources, validation, base SQLite, Datasette."""


@cli.command()
@click.option("--source", "only", multiple=True,
              help="Ne télécharger que cette source (répétable) ; « geo » pour le seul référentiel géographique.")
@click.option("--pinned", is_flag=True,
              help="Télécharge les fichiers épinglés (url + sha256 du descripteur, reproductibles) au lieu des "
                   "publications courantes (clé « live »).")
def fetch(only, pinned):
    """Télécharge chaque source dans cache/ : sa publication courante, ou son fichier épinglé (--pinned).

    Un téléchargement raté garde la dernière copie valide. Code de sortie : 0 si
    tout a été téléchargé, 1 si un téléchargement au moins a été refusé ou a
    échoué (la liste est affichée à la fin).

    \b
    Exemple :
        python build.py fetch
        python build.py fetch --pinned
        python build.py fetch --source france-services
    """
    failures = []
    for d in load_descriptors(demo=False):
        if only and d.id not in only:
            continue
        try:
            got = fetching.fetch_descriptor(d, pinned=pinned, counter=count_records)
        except fetching.FetchError as e:
            failures.append((d.id, str(e)))
            click.echo(f"✗ {d.id} : {e}", err=True)
            continue
        if got is None:
            continue  # no URL: a file shipped with the descriptor, or given with --input
        if got.status != "ok":
            failures.append((d.id, got.message or got.status))
        mark = "✓" if got.status == "ok" else "!"
        click.echo(f"{mark} {d.id} : {got.path.relative_to(ROOT) if got.path.is_relative_to(ROOT) else got.path} "
                   f"(sha256 {got.sha256[:12]}…)" + (f" — {got.message}" if got.message else ""))
    if not only or "geo" in only:
        failures += fetch_geography()
    if failures:
        click.echo(f"\n{len(failures)} téléchargement(s) refusé(s) ou en échec :", err=True)
        for source_id, message in failures:
            click.echo(f"  - {source_id} : {message}", err=True)
        raise click.ClickException("relancez fetch quand le réseau ou le fichier publié est rétabli ; "
                                   "une source en échec garde sa dernière copie valide (statut « perimee »).")


def fetch_geography() -> list[tuple[str, str]]:
    """Download every reference geography file; return (id, message) of each refused or failed download."""
    failures = []
    for ref in geo.reference.REFERENCE_FILES:
        try:
            got = geo.reference.fetch_file(ref)
        except fetching.FetchError as e:
            failures.append((ref.id, str(e)))
            click.echo(f"✗ {ref.id} : {e}", err=True)
            continue
        if got.status != "ok":
            failures.append((ref.id, got.message or got.status))
        mark = "✓" if got.status == "ok" else "!"
        click.echo(f"{mark} {ref.id} : {ref.version} (sha256 {got.sha256[:12]}…)" + (f" — {got.message}" if got.message else ""))
    return failures


@cli.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB, show_default=True,
              help="Base SQLite à écrire.")
@click.option("--input", "inputs", multiple=True, metavar="SOURCE_ID=CHEMIN_OU_URL",
              help="Remplace le fichier d'une source par un fichier local ou une URL (répétable).")
@click.option("--inputs", "inputs_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Fichier YAML « id-de-source: chemin ou URL », une ligne par source (chemins relatifs au fichier) ; "
                   "--input l'emporte sur lui.")
@click.option("--demo", is_flag=True, help="Construit l'échantillon de démonstration (sources/demo/), sans réseau.")
@click.option("--quiet", is_flag=True, help="N'affiche que le bilan final, sans les sources qui n'avaient pas de fichier.")
@click.option("--accepter-baisse", "accept_decrease", is_flag=True,
              help="Remplace la base même si la nouvelle a moins de lieux (sinon la construction s'arrête).")
def build(db_path, inputs, demo, quiet, accept_decrease=False, inputs_file=None):
    """Construit la base SQLite à partir des sources.

    Les lignes valides sont chargées dans `lieux` ; les autres vont dans `rejets`
    avec leur motif. La base n'est remplacée que si la construction réussit, et
    jamais par une base qui a moins de lieux sans --accepter-baisse.

    \b
    Le référentiel géographique (ids geo-*, voir README) vient du cache rempli
    par « fetch », ou de --input geo-communes=CHEMIN_OU_URL, etc.

    \b
    Exemple :
        python build.py build
        python build.py build --demo --db demo.db
        python build.py build --input france-services=liste-fs.csv
        python build.py build --inputs reference-inputs.yml --db /tmp/reference.db
    """
    descriptors = load_descriptors(demo)
    overrides = {**(read_inputs_file(inputs_file) if inputs_file else {}), **parse_inputs(inputs)}
    geography = geo.prepare({k: overrides.pop(k) for k in list(overrides) if k in geo.REFERENCE_IDS})
    try:
        resolved = pipeline.resolve_inputs(descriptors, overrides)
        # on a terminal, one line per source, rewritten while it is read: rows and rows per second
        progress = Progress(sys.stderr) if not quiet and sys.stderr.isatty() else None
        try:
            reports = pipeline.build(db_path, resolved, geography=geography, accept_decrease=accept_decrease,
                                     on_source=(lambda d: progress.start(d.id)) if progress else None,
                                     on_record=progress.record if progress else None)
        finally:
            if progress:
                progress.finish()
    except (BuildError, SourceReadError, DescriptorError, fetching.FetchError, ValueError) as e:
        raise click.ClickException(str(e)) from e
    for line in pipeline.summary_lines(reports, geography.message, given_only=quiet):
        click.echo(line)
    click.echo(f"Base écrite : {db_path}")


@cli.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB, show_default=True,
              help="Base servie : un lien vers la version publiée (versions/<version>/lieux.db, à côté).")
@click.option("--sources", "sources_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Dossier des descripteurs (sources/ par défaut).")
@click.option("--pinned", is_flag=True, help="Fichiers épinglés (url + sha256) au lieu des publications courantes.")
@click.option("--accepter-baisse", "accepted", multiple=True, metavar="SOURCE_ID",
              help="Accepte la baisse d'une source (répétable ; « tout » pour toutes) au lieu de garder ses lignes.")
@click.option("--journal", "journal_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Fichier du journal, une ligne JSON par étape (défaut : journal-mise-a-jour.jsonl à côté de la base).")
@click.option("--geo", "with_geography", is_flag=True,
              help="Télécharge aussi le référentiel géographique (comme « fetch --source geo ») avant de construire.")
def refresh(db_path, sources_dir, pinned, accepted, journal_path, with_geography):
    """Met à jour l'annuaire : télécharge, construit, compare, publie ou refuse.

    La nouvelle base est construite dans versions/<date>-<empreinte>/lieux.db,
    comparée à la base servie (lieux par source ; lieux ajoutés, supprimés,
    modifiés, fusionnés), puis publiée en faisant pointer --db sur elle
    (renommage atomique). Une source en échec, illisible ou en forte baisse
    garde les lignes de la base servie, marquée « perimee » avec le motif.
    Seuils : lieux/seuils.py. Une ligne JSON par étape sur la sortie standard
    et dans le journal ; rapports par producteur dans rapports/<version>/.

    \b
    Codes de sortie (pour cron) :
        0  publiée
        3  publiée, avec des sources périmées (lignes de la base servie gardées)
        4  refusée : l'annuaire perdrait trop de lieux (base servie inchangée)
        5  erreur : construction impossible (base servie inchangée)
        6  une autre mise à jour tourne déjà (verrou) : rien n'est fait

    \b
    Exemple :
        python build.py refresh
        python build.py refresh --pinned --db /srv/annuaire/lieux.db
    """
    from lieux import refresh as refreshing

    try:
        descriptors = sources.load_descriptors(sources_dir or sources.SOURCES_DIR)
    except (DescriptorError, ValueError) as e:
        raise click.ClickException(str(e)) from e
    outcome = refreshing.run(db_path, descriptors, pinned=pinned, accepted=frozenset(accepted), journal_path=journal_path,
                             echo=click.echo, with_geography=with_geography)
    summary = f"Mise à jour {refreshing.EXIT_CODES[outcome.code]} (code {outcome.code})"
    if outcome.stale:
        summary += " ; sources périmées : " + ", ".join(sorted(outcome.stale))
    click.echo(summary + (f". {outcome.message}" if outcome.message else "."), err=True)
    sys.exit(outcome.code)


@cli.command()
@click.option("--db", "db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=DEFAULT_DB,
              show_default=True, help="Base servie, en général le lien que « refresh » fait pointer sur la version publiée.")
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse d'écoute (0.0.0.0 dans un conteneur).")
def service(db_path, port, host):
    """Sert la base publiée sans interrompre une requête quand « refresh » publie une nouvelle version.

    Le port est ouvert une fois ; à chaque nouvelle version (le lien --db a
    changé, vérifié chaque seconde ou à réception de SIGHUP), un nouveau
    Datasette démarre sur la même socket, puis l'ancien finit ses requêtes et
    s'arrête. Datasette est lancé comme par « serve ».

    \b
    Exemple :
        python build.py service --db /srv/annuaire/lieux.db --port 8001
    """
    from lieux import relais

    relais.run(db_path, host=host, port=port)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))  # checked by the reader: regular files only, in French
@click.option("--schema", "schema_name", default="lieux-mediation-numerique", show_default=True,
              help="Schéma de schemas/ (ou chemin d'un fichier schema.json) contre lequel valider.")
@click.option("--format", "output_format", type=click.Choice(["texte", "json"]), default="texte", show_default=True,
              help="texte : rapport à lire ; json : rapport pour les programmes.")
@click.option("--limite", "limit", type=click.IntRange(min=0), default=500, show_default=True,
              help="Nombre d'erreurs détaillées dans le rapport texte (0 : toutes). Le JSON les donne toutes.")
def validate(file, schema_name, output_format, limit):
    """Valide un fichier CSV contre un schéma et explique chaque erreur en français.

    Encodage et séparateur sont détectés. Pour chaque erreur : la ligne, la colonne,
    la valeur, ce que le schéma attend et comment corriger. Code de sortie : 0 si le
    fichier est valide, 1 s'il ne l'est pas, 2 s'il est illisible.

    \b
    Exemple :
        python build.py validate mes-lieux.csv
        python build.py validate mes-lieux.csv --schema lieux-mediation-numerique --format json
    """
    from lieux.producer import validate_file

    try:
        report = validate_file(file, schema_name)
    except (SourceReadError, ValueError) as e:
        if output_format == "json":
            click.echo(json.dumps({"fichier": str(file), "schema": schema_name, "valide": False, "lisible": False,
                                   "erreur": str(e)}, ensure_ascii=False, indent=2))
        else:
            click.echo(f"Fichier illisible : {e}", err=True)
        sys.exit(2)
    if output_format == "json":
        click.echo(report.json())
    else:
        for line in report.lines(limit):
            click.echo(line)
    sys.exit(0 if report.valid else 1)


@cli.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Dossier de publication ; l'export précédent qui s'y trouve sert au CHANGELOG.md.")
def export(db_path, out_dir):
    """Écrit les fichiers à republier sur data.gouv.fr (CSV du standard, GeoJSON, datapackage.json, CHANGELOG.md).

    Chaque CSV est validé contre son schéma avant de remplacer l'export précédent.
    La même base donne toujours les mêmes fichiers, octet pour octet.

    \b
    Exemple :
        python build.py export --db lieux.db --out export/
    """
    from lieux.export import ExportError, export as export_files, summary_lines

    try:
        result = export_files(db_path, out_dir)
    except ExportError as e:
        raise click.ClickException(str(e)) from e
    for line in summary_lines(result):
        click.echo(line)


@cli.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB, show_default=True,
              help="Base à servir, quel que soit le nom du fichier (elle est servie sous le nom « lieux »).")
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="Construit et sert l'échantillon de démonstration si la base n'existe pas.")
@click.option("--rebuild", is_flag=True, help="Reconstruit la base avant de la servir.")
@click.option("--sql", is_flag=True,
              help="Usage local de confiance : ouvre les requêtes SQL libres (limitées dans le temps) et les pages /-/. "
                   "Sans cette option, c'est le serveur public.")
def serve(db_path, port, demo, rebuild, sql):
    """Sert la base avec Datasette sur 127.0.0.1 (construit la base si elle n'existe pas).

    Sans --sql, c'est l'instance publique : pas de SQL libre (la base entière se
    télécharge), pages /-/ fermées. Avec --sql : SQL libre limité à
    sql_time_limit_ms, pour un usage local de confiance.

    \b
    Exemple :
        python build.py serve --demo
        python build.py serve --db lieux.db --port 8001
        python build.py serve --db annuaire-2025.db --sql
    """
    if rebuild or not db_path.exists():
        ctx = click.get_current_context()
        ctx.invoke(build, db_path=db_path, inputs=(), demo=demo, quiet=False)
    command = site.serve_command(db_path, port)
    os.execve(command[0], command, site.serve_environment(sql))


@cli.command()
@click.option("--db", "db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=DEFAULT_DB,
              show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=ROOT / "dist" / "site",
              show_default=True, help="Dossier à construire avec docker build (il est remplacé).")
def paquet(db_path, out_dir):
    """Prépare une image Docker du site : base, métadonnées, plugins, gabarits, fichiers statiques.

    Le Dockerfile est celui de « datasette package » ; la base y est servie en lecture seule.

    \b
    Exemple :
        python build.py paquet --db lieux.db --out dist/site
        docker build -t lieux-mediation-numerique dist/site
        docker run -p 8001:8001 lieux-mediation-numerique
    """
    try:
        folder = site.package_context(db_path, out_dir)
    except ValueError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"Contexte Docker prêt : {folder}")
    click.echo(f"Construire l'image : docker build -t lieux-mediation-numerique {folder}")


if __name__ == "__main__":
    cli()
