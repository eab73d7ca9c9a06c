"""Command line of the directory: fetch the lists, validate files, build the database, serve it."""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path

import click

from lieux import fetch as fetching
from lieux import geo
from lieux import pipeline, site, sources
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
def fetch(only):
    """Télécharge chaque source qui a une URL officielle dans cache/.

    Un téléchargement raté garde la dernière copie valide.

    \b
    Exemple :
        python build.py fetch
        python build.py fetch --source france-services
    """
    failures = 0
    for d in load_descriptors(demo=False):
        if not d.url or (only and d.id not in only):
            continue
        try:
            got = fetching.fetch_source(d.id, d.url, d.sha256, count_records=functools.partial(count_records, d))
        except fetching.FetchError as e:
            failures += 1
            click.echo(f"✗ {d.id} : {e}", err=True)
            continue
        mark = "✓" if got.status == "ok" else "!"
        click.echo(f"{mark} {d.id} : {got.path.relative_to(ROOT) if got.path.is_relative_to(ROOT) else got.path} "
                   f"(sha256 {got.sha256[:12]}…)" + (f" — {got.message}" if got.message else ""))
    if not only or "geo" in only:
        failures += fetch_geography()
    if failures:
        raise click.ClickException(f"{failures} source(s) sans aucune copie : relancez fetch quand le réseau est disponible.")


def fetch_geography() -> int:
    """Download every reference geography file; return the number of files without any copy."""
    failures = 0
    for ref in geo.reference.REFERENCE_FILES:
        try:
            got = geo.reference.fetch_file(ref)
        except fetching.FetchError as e:
            failures += 1
            click.echo(f"✗ {ref.id} : {e}", err=True)
            continue
        mark = "✓" if got.status == "ok" else "!"
        click.echo(f"{mark} {ref.id} : {ref.version} (sha256 {got.sha256[:12]}…)" + (f" — {got.message}" if got.message else ""))
    return failures


@cli.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB, show_default=True,
              help="Base SQLite à écrire.")
@click.option("--input", "inputs", multiple=True, metavar="SOURCE_ID=CHEMIN_OU_URL",
              help="Remplace le fichier d'une source par un fichier local ou une URL (répétable).")
@click.option("--demo", is_flag=True, help="Construit l'échantillon de démonstration (sources/demo/), sans réseau.")
@click.option("--quiet", is_flag=True, help="N'affiche que le bilan final.")
def build(db_path, inputs, demo, quiet):
    """Construit la base SQLite à partir des sources.

    Les lignes valides sont chargées dans `lieux` ; les autres vont dans `rejets`
    avec leur motif. La base n'est remplacée que si la construction réussit.

    \b
    Le référentiel géographique (ids geo-*, voir README) vient du cache rempli
    par « fetch », ou de --input geo-communes=CHEMIN_OU_URL, etc.

    \b
    Exemple :
        python build.py build
        python build.py build --demo --db demo.db
        python build.py build --input france-services=liste-fs.csv
    """
    descriptors = load_descriptors(demo)
    overrides = parse_inputs(inputs)
    geography = geo.prepare({k: overrides.pop(k) for k in list(overrides) if k in geo.REFERENCE_IDS})
    try:
        resolved = pipeline.resolve_inputs(descriptors, overrides)
        total = len(resolved)
        with click.progressbar(length=total, label="Construction", file=sys.stderr,
                               item_show_func=lambda d: d.id if d else "", hidden=quiet) as bar:
            reports = pipeline.build(db_path, resolved, on_source=lambda d: bar.update(1, d), geography=geography)
    except (BuildError, SourceReadError, DescriptorError, fetching.FetchError, ValueError) as e:
        raise click.ClickException(str(e)) from e
    for line in pipeline.summary_lines(reports, geography.message):
        click.echo(line)
    click.echo(f"Base écrite : {db_path}")


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
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB, show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="Construit et sert l'échantillon de démonstration si la base n'existe pas.")
@click.option("--rebuild", is_flag=True, help="Reconstruit la base avant de la servir.")
def serve(db_path, port, demo, rebuild):
    """Sert la base avec Datasette sur 127.0.0.1 (construit la base si elle n'existe pas).

    \b
    Exemple :
        python build.py serve --demo
        python build.py serve --db lieux.db --port 8001
    """
    if rebuild or not db_path.exists():
        ctx = click.get_current_context()
        ctx.invoke(build, db_path=db_path, inputs=(), demo=demo, quiet=False)
    if db_path.stem != "lieux":
        raise click.ClickException(f"{db_path} : le fichier servi doit s'appeler lieux.db (Datasette nomme la base d'après le fichier).")
    command = site.serve_command(db_path, port)
    os.execv(command[0], command)


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
