"""The build: every source through read → map → validate, then one database written atomically."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import changements, compare, console, fetch, geo, live, load, merge, schemas, sources
from .mapping import Issue
from .process import Rejet, SourceResult, process_source
from .read import SourceReadError
from .sources import Descriptor


class BuildError(RuntimeError):
    """The build cannot produce a database; the message says why and what to do."""


class DecreaseError(BuildError):
    """The new database would hold fewer lieux than the one it replaces, and that was not accepted."""


@dataclass
class SourceInput:
    descriptor: Descriptor
    fetched: fetch.Fetched | None
    status: str                 # ok | perimee | absente | illisible
    message: str | None = None


@dataclass
class SourceReport:
    id: str
    status: str
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    set_aside: int = 0
    corrections: int = 0
    conversions: int = 0                        # points converted from the declared `crs` (not corrections)
    unmapped: int = 0
    message: str | None = None
    geo: dict = field(default_factory=dict)     # geography quality counts (lieux.geo.source_columns)
    encoding: str | None = None                 # the encoding read, in French (« Mac Roman, détecté »)
    mojibake: int = 0                           # values that look wrongly decoded
    mojibake_message: str | None = None
    reasons: list = field(default_factory=list)  # the main rejection reasons: [(label, rows), ...]
    given: bool = True                          # False when the source had no input at all (absente)


class BuildReport(list):
    """The per-source reports (a list of SourceReport), with the build-wide counts: lieux after merging,
    and the merges by rule."""

    lieux: int | None = None
    merges: Counter

    def __init__(self, reports=(), lieux: int | None = None, merges: Counter | None = None):
        super().__init__(reports)
        self.lieux, self.merges = lieux, merges or Counter()


CONVERSION = "coordonnées converties de "   # lieux.geo.coordinates: a point in the declared projection


def is_conversion(c) -> bool:
    """A coordinate conversion from the source's declared `crs`: expected, so not counted as a correction."""
    return c.champ in ("latitude", "longitude") and str(c.motif).startswith(CONVERSION)


def resolve_inputs(descriptors: list[Descriptor], overrides: dict[str, str], cache_dir=None) -> list[SourceInput]:
    """Where each source's file is: --input first, then the shipped file (demo), then the cache."""
    known = {d.id for d in descriptors}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise BuildError(f"--input : source(s) inconnue(s) {', '.join(unknown)}. Sources connues : {', '.join(sorted(known))}.")
    inputs = []
    for d in descriptors:
        try:
            if d.id in overrides:
                inputs.append(SourceInput(d, fetch.resolve_input(d.id, overrides[d.id], cache_dir), "ok"))
            elif d.local_file:
                inputs.append(SourceInput(d, fetch.resolve_input(d.id, str(d.local_file)), "ok"))
            elif (d.url or d.live) and (copy := fetch.chosen_copy(d, cache_dir)):
                current = d.live and copy.path == fetch.live_file(d, cache_dir)
                inputs.append(SourceInput(live.reading(d) if current else d, copy, copy.status, copy.message))
            else:
                inputs.append(SourceInput(d, None, "absente",
                                          "Fichier non téléchargé : lancez « python build.py fetch » ou passez --input "
                                          f"{d.id}=CHEMIN."))
        except fetch.FetchError as e:
            inputs.append(SourceInput(d, None, "absente", str(e)))
        except SourceReadError as e:  # a directory, a device, a FIFO, a malformed URL: never opened
            inputs.append(SourceInput(d, None, "illisible", str(e)))
    return inputs


def source_row(inp: SourceInput, report: SourceReport) -> dict:
    d = inp.descriptor
    return {
        "id": d.id, "titre": d.title, "producteur": d.producer,
        "licence": d.licence.get("title") or d.licence.get("name"), "licence_nom": d.licence.get("name"),
        "licence_url": d.licence.get("path"),
        "url": (inp.fetched.url if inp.fetched and inp.fetched.url else d.url), "page": d.homepage, "contact": d.contact,
        "sha256": inp.fetched.sha256 if inp.fetched else None,
        "telecharge_le": inp.fetched.fetched_at if inp.fetched else None,
        "statut": report.status, "message": report.message, "demo": int(d.demo),
        "lignes_lues": report.read, "lignes_chargees": report.loaded, "lignes_rejetees": report.rejected,
        "lignes_ecartees": report.set_aside,
        "corrections": report.corrections, "coordonnees_converties": report.conversions, "valeurs_non_reconnues": report.unmapped,
        "modifications": json.dumps(list(d.changes), ensure_ascii=False),
        "encodage": report.encoding, "mojibake": report.mojibake, "mojibake_message": report.mojibake_message,
        **report.geo,
    }


def report_for(inp: SourceInput, result: SourceResult | None) -> SourceReport:
    if result is None:
        return SourceReport(inp.descriptor.id, inp.status, message=inp.message,
                            given=inp.fetched is not None or inp.status == "illisible")
    main = inp.descriptor.outputs[0].schema
    return SourceReport(
        inp.descriptor.id, inp.status if inp.status != "absente" else "ok",
        read=result.read, loaded=result.loaded[main], rejected=result.rejected[main], set_aside=result.set_aside,
        corrections=len(result.corrections), unmapped=sum(result.unmapped.values()), message=inp.message,
        encoding=result.read_info.encoding_label, mojibake=result.read_info.mojibake,
        mojibake_message=result.read_info.mojibake_message,
        reasons=console.main_reasons(result.rejets, main),
    )


def process_all(inputs: list[SourceInput], on_source=None, on_record=None) -> list[tuple[SourceInput, SourceResult | None]]:
    """Read, map and validate every available source; an unreadable file marks its source `illisible`."""
    processed = []
    for inp in inputs:
        if on_source:
            on_source(inp.descriptor)
        result = None
        if inp.fetched:
            try:
                result = process_source(inp.descriptor, inp.fetched.path, on_record=on_record)
            except SourceReadError as e:
                inp = SourceInput(inp.descriptor, inp.fetched, "illisible", str(e))
            except Exception as e:  # noqa: BLE001 — one source's unforeseen file never stops the others
                inp = SourceInput(inp.descriptor, inp.fetched, "illisible",
                                  f"{inp.descriptor.id} ({inp.fetched.path}) : erreur inattendue pendant la lecture "
                                  f"({type(e).__name__}). Le fichier a une forme que la construction ne prévoit pas : "
                                  "vérifiez-le, et signalez le cas avec le fichier.")
        processed.append((inp, result))
    return processed


def lieux_rows(processed):
    """Every valid lieu of every source, tagged with its source (`_source`) and source line (`_ligne`).

    An iterator, read from each source's spool (process.RowSpool): the lieux are never all in memory.
    A step that needs them all at once may take list(...) of it, at the cost of that memory.
    """
    for inp, result in processed:
        if result is None:
            continue
        for row in result.rows.get(schemas.LIEUX, []):
            row["_source"] = inp.descriptor.id
            yield row


REFUSED_MERGES = Path(__file__).resolve().parent.parent / "fusions-annulees.yml"


def refused_pairs(path: Path = REFUSED_MERGES) -> frozenset:
    """The merges a reviewer has undone (fusions-annulees.yml; README, « Fusion des doublons »)."""
    import yaml

    return merge.refused_pairs_from(yaml.safe_load(path.read_text(encoding="utf-8"))) if path.exists() else frozenset()


def build(db_path: Path, inputs: list[SourceInput], on_source=None, on_record=None,
          geography: geo.Prepared | None = None, accept_decrease: bool = False, previous: Path | None = None,
          review=None) -> list[SourceReport]:
    """Process every available source and write the database; return one report per source.

    Steps: process each source (read, map, validate) → the lieux of all sources together
    → geography (points checked and placed, communes resolved) → merge (one lieu per place,
    ids carried over from the database being replaced) → load.

    `previous` is the database being replaced (db_path by default: ids, changes and the decrease
    check compare with it). The build stops (DecreaseError, nothing written) when it would hold
    fewer lieux than `previous`, unless `accept_decrease`. `review(processed) -> processed` may
    replace sources' results before merging (refresh: stale sources keep their last good rows).
    """
    previous = Path(previous or db_path)
    before = compare.served_counts(previous)
    if not any(inp.fetched for inp in inputs) and review is None:
        raise BuildError(
            "Aucune source disponible : lancez « python build.py fetch » (réseau nécessaire), "
            "ou « python build.py build --demo » pour l'échantillon de démonstration."
        )
    processed = process_all(inputs, on_source, on_record)
    if review is not None:
        processed = review(processed)
    lieux = lieux_rows(processed)
    geography = geography or geo.prepare()
    placed = geo.step(processed, lieux, geography)
    rows = placed.rows
    priorities = {inp.descriptor.id: inp.descriptor.priority for inp, _ in processed}
    lists = sources.vintage_lists(inp.descriptor for inp, _ in processed)
    merged = merge.merge(rows, load.read_previous_ids(previous), priorities, refused_pairs(), lists)
    lieux, fusions, provenance = merged
    reject_superseded(processed, merged.superseded)
    merge.link_results(processed, lieux)
    reports = BuildReport([report_for(inp, result) for inp, result in processed], lieux=len(lieux),
                          merges=Counter(f["regle"] for f in fusions if f.get("decision") == "fusionnée"))
    summary = loaded_summary(placed.summary, merged.superseded)
    for report in reports:
        report.geo = geo.source_columns(summary.get(report.id, {}))
        changed = [c for c in placed.corrections if c.source == report.id and c.valeur_retenue != c.valeur_source]
        report.conversions = len({c.ligne for c in changed if is_conversion(c)})
        report.corrections += sum(1 for c in changed if not is_conversion(c))
    with load.atomic_database(db_path) as db:
        load.create_tables(db)
        for (inp, result), report in zip(processed, reports):
            db["sources"].insert(source_row(inp, report))
            if result is not None:
                load.insert_result(db, result)
        load.insert_lieux(db, lieux)
        if before is not None and not accept_decrease:
            compare.check_decrease(db, before, previous)
        geo.write(db, geography, placed)
        load.insert_merge(db, rows, lieux, fusions, provenance)
        built_at, build_id = load.build_time(), uuid.uuid4().hex
        changements.record(db, previous if before is not None else None, built_at, build_id)
        load.neutralise_formulas(db)
        load.create_indexes(db)
        changements.create_indexes(db)
        load.write_build_info(db, built_at)
    return reports


def loaded_summary(summary: dict, superseded: list[dict]) -> dict:
    """The geography counts of the lieux actually loaded: an older vintage's rows left out by the merge
    (rejected, millesime-remplace) were placed, but are not counted."""
    counts = {source: Counter(c) for source, c in summary.items()}
    for row in superseded:
        qualite = (row.get("_geo") or {}).get("qualite_geo")
        if qualite and counts.get(row["_source"], Counter())[qualite] > 0:
            counts[row["_source"]][qualite] -= 1
    return counts


def reject_superseded(processed, rows: list[dict]) -> None:
    """Rows of an older vintage of a list that its current vintage no longer has (merge.merge) are
    rejected with the reason; their source's counts move from loaded to rejected."""
    by_source = {inp.descriptor.id: (inp.descriptor, result) for inp, result in processed if result is not None}
    titles = {inp.descriptor.id: inp.descriptor.title for inp, _ in processed}
    for row in rows:
        descriptor, result = by_source[row["_source"]]
        current = descriptor.vintage_of
        issue = Issue(None, None, "millesime-remplace",
                      f"absent de « {titles[current]} » ({current}), le millésime le plus récent de cette liste, "
                      "chargé dans la même construction : guichet fermé, renuméroté ou installé dans une autre commune. "
                      "Le lieu n'est pas repris dans l'annuaire (la ligne est ici telle que mise au standard).")
        result.rejets.append(Rejet(row["_source"], schemas.LIEUX, row.get("_ligne"), issue,
                                   {k: v for k, v in row.items() if not k.startswith("_")}))
        result.loaded[schemas.LIEUX] -= 1
        result.rejected[schemas.LIEUX] += 1


def summary_lines(reports: list[SourceReport], geo_message: str | None = None, given_only: bool = False) -> list[str]:
    """The closing report: one line per source (read = loaded + rejected + set aside), the lieux after
    merging and the merges by rule, the main rejection reasons of each source, then the geography of the
    loaded lieux. given_only: leave out the sources that had no input at all (--quiet)."""
    shown = [r for r in reports if r.given or not given_only]
    width = max([len(r.id) for r in shown] + [6])
    keys = ("read", "loaded", "rejected", "set_aside", "corrections", "conversions", "unmapped")
    heads = ("lues", "chargées", "rejetées", "écartées", "corrigées", "converties", "non reconnues")
    lines = [f"{'source':<{width}}  " + "  ".join(f"{h:>{max(len(h), 7)}}" for h in heads) + "  statut"]
    for r in shown:
        lines.append(f"{r.id:<{width}}  " + "  ".join(f"{getattr(r, k):>{max(len(h), 7)}}" for k, h in zip(keys, heads))
                     + f"  {r.status}" + (f" : {r.message}" if r.message and r.status != "ok" else ""))
    total = [sum(getattr(r, k) for r in reports) for k in keys]
    lines.append(f"{'total':<{width}}  " + "  ".join(f"{t:>{max(len(h), 7)}}" for t, h in zip(total, heads)))
    absent = len(reports) - len(shown)
    if absent:
        lines.append(f"({absent} source(s) sans fichier, non affichée(s))")
    lieux = getattr(reports, "lieux", None)
    if lieux is not None:
        merges = getattr(reports, "merges", Counter())
        lines += ["", f"Lieux après fusion des doublons : {lieux}"
                  + (f" ({sum(merges.values())} fusions : " + ", ".join(f"{rule} {n}" for rule, n in merges.most_common()) + ")"
                     if merges else " (aucune fusion)")]
    with_reasons = [r for r in shown if r.reasons]
    if with_reasons:
        lines += ["", "Principaux motifs de rejet (lignes) :"]
        for r in with_reasons:
            lines.append(f"{r.id:<{width}}  " + " ; ".join(f"{label} ({n})" for label, n in r.reasons))
    return lines + encoding_summary_lines(shown, width) + geo_summary_lines(shown, width, geo_message)


def encoding_summary_lines(reports: list[SourceReport], width: int) -> list[str]:
    """The encoding each source was read with (declared or detected), and probable mojibake."""
    read = [r for r in reports if r.encoding]
    if not read:
        return []
    lines = ["", "Encodages :"]
    for r in read:
        lines.append(f"{r.id:<{width}}  {r.encoding}")
        if r.mojibake_message:
            lines.append(f"{'':<{width}}  ! {r.mojibake_message}")
    return lines


GEO_COLUMNS = (("geo_source", "source"), ("geo_corrigee_inversion", "inversés"), ("geo_corrigee_signe", "signe corrigé"),
               ("geo_corrigee_projection", "projection devinée"), ("geo_centre_commune", "centre commune"),
               ("geo_hors_departement", "hors dépt"), ("geo_absente", "sans point"), ("geo_non_verifiee", "non vérifiés"),
               ("geo_adresses_incoherentes", "adresses incohérentes"))


def geo_summary_lines(reports: list[SourceReport], width: int, geo_message: str | None) -> list[str]:
    """Géographie : points gardés, corrigés, placés au centre de leur commune, hors de leur département, absents."""
    lines = ["", "Géographie des lieux chargés :"]
    lines.append(f"{'source':<{width}}  " + "  ".join(f"{label:>{max(len(label), 6)}}" for _, label in GEO_COLUMNS))
    for r in reports + [SourceReport("total", "", geo={k: sum(x.geo.get(k, 0) for x in reports) for k, _ in GEO_COLUMNS})]:
        if any(r.geo.get(k) for k, _ in GEO_COLUMNS):  # sources without lieux (entity lists) are left out
            lines.append(f"{r.id:<{width}}  " + "  ".join(f"{r.geo.get(k, 0):>{max(len(label), 6)}}" for k, label in GEO_COLUMNS))
    if geo_message:
        lines.append(f"! {geo_message}")
    return lines
