"""Writing the geography to the database: communes, départements, régions, reference files, coverage table."""

from __future__ import annotations

import json

from .areas import simplified_geojson
from .data import Geography
from .reference import REFERENCE_FILES

# Lieux per 10,000 inhabitants by département, with the national programmes; read by the coverage page (/couverture).
PROGRAMMES = {
    "france_services": "France Services",
    "conseillers_numeriques": "Conseillers numériques",
    "aidants_connect": "Aidants Connect",
}
COVERAGE_TABLE = "couverture_departements"


def commune_rows(geo: Geography):
    for c in geo.communes.values():
        yield {
            "code": c.code, "nom": c.nom, "type": c.type, "codes_postaux": json.dumps(list(c.codes_postaux)),
            "departement_code": c.departement, "region_code": c.region, "population": c.population,
            "latitude": c.centre[1] if c.centre else None, "longitude": c.centre[0] if c.centre else None,
        }


def former_commune_rows(geo: Geography):
    """Communes déléguées and associées with the commune nouvelle they now belong to (the search reads them)."""
    for f in geo.former:
        if f["commune_code"] in geo.communes:
            yield dict(f)


def departement_population(geo: Geography) -> dict[str, int]:
    totals: dict[str, int] = {}
    for c in geo.communes.values():
        if c.type == "commune-actuelle" and c.population:
            totals[c.departement] = totals.get(c.departement, 0) + c.population
    return totals


def departement_rows(geo: Geography):
    population = departement_population(geo)
    for code, d in sorted(geo.departements.items()):
        shape = geo.departement_shapes.get(code)
        yield {
            "code": code, "nom": d["nom"], "region_code": d.get("region"), "region_nom": geo.region_nom(d.get("region")),
            "zone": d.get("zone"), "population": population.get(code),
            "geometry": json.dumps(simplified_geojson(shape)) if shape is not None else None,
        }


def region_rows(geo: Geography):
    for code, r in sorted(geo.regions.items()):
        shape = geo.region_shapes.get(code)
        yield {"code": code, "nom": r["nom"], "zone": r.get("zone"),
               "geometry": json.dumps(simplified_geojson(shape)) if shape is not None else None}


def reference_rows(resolved: dict):
    for ref in REFERENCE_FILES:
        r = resolved.get(ref.id)
        got = r.fetched if r else None
        yield {
            "id": ref.id, "titre": ref.titre, "producteur": ref.producteur, "url": ref.url, "version": ref.version,
            "licence": ref.licence, "sha256_epingle": ref.sha256, "sha256": got.sha256 if got else None,
            "telecharge_le": got.fetched_at if got else None, "statut": r.status if r else "absente",
            "message": r.message if r else None,
        }


def insert_in_one_transaction(db, table: str, rows: list[dict]) -> None:
    """Insert many rows with one commit (sqlite-utils commits every ~100 rows, 35,000 communes took seconds)."""
    if not rows:
        return
    columns = list(rows[0])
    sql = f"insert into [{table}] ({', '.join(f'[{c}]' for c in columns)}) values ({', '.join('?' for _ in columns)})"
    with db.conn:
        db.conn.executemany(sql, ([row[c] for c in columns] for row in rows))


def create_tables(db, geo: Geography | None, resolved: dict) -> None:
    """The reference tables (empty without the reference geography, so that pages and queries still work)."""
    db["communes"].create({"code": str, "nom": str, "type": str, "codes_postaux": str, "departement_code": str,
                           "region_code": str, "population": int, "latitude": float, "longitude": float}, pk="code")
    db["communes_anciennes"].create({"code": str, "nom": str, "type": str, "commune_code": str,
                                     "departement_code": str})
    db["departements"].create({"code": str, "nom": str, "region_code": str, "region_nom": str, "zone": str,
                               "population": int, "geometry": str}, pk="code")
    db["regions"].create({"code": str, "nom": str, "zone": str, "geometry": str}, pk="code")
    db["references_geo"].create({"id": str, "titre": str, "producteur": str, "url": str, "version": str, "licence": str,
                                 "sha256_epingle": str, "sha256": str, "telecharge_le": str, "statut": str,
                                 "message": str}, pk="id")
    db["references_geo"].insert_all(reference_rows(resolved))
    if geo is not None:
        insert_in_one_transaction(db, "communes", list(commune_rows(geo)))
        insert_in_one_transaction(db, "communes_anciennes", list(former_commune_rows(geo)))
        db["departements"].insert_all(departement_rows(geo))
        db["regions"].insert_all(region_rows(geo))
    db["communes"].create_index(["departement_code"], if_not_exists=True)
    db["communes"].create_index(["nom"], if_not_exists=True)
    db["communes_anciennes"].create_index(["commune_code"], if_not_exists=True)


def programme_columns() -> str:
    return ",\n".join(
        f"  sum(case when exists (select 1 from json_each(l.dispositif_programmes_nationaux) j where j.value = '{label}')"
        f" then 1 else 0 end) as {column}"
        for column, label in PROGRAMMES.items())


def create_coverage_table(db) -> None:
    """couverture_departements: lieux, lieux per 10,000 inhabitants and lieux per programme, by département.

    A table computed once the lieux are loaded, not a view: the page and its GeoJSON read it on every request,
    and the query takes ~0.6 s at 90,000 lieux.
    """
    db.execute(f"""create table {COVERAGE_TABLE} as
select d.code as departement_code, d.nom as departement_nom, d.region_nom, d.zone, d.population,
  count(l.id) as lieux,
  round(count(l.id) * 10000.0 / nullif(d.population, 0), 2) as lieux_pour_10000_habitants,
{programme_columns()},
  d.geometry
from departements d left join lieux l on l.departement_code = d.code
where d.geometry is not null
group by d.code
order by d.code""")


def insert_corrections(db, corrections) -> None:
    db["corrections"].insert_all(({
        "source": c.source, "schema": c.schema, "ligne": c.ligne, "champ": c.champ,
        "valeur_source": None if c.valeur_source is None else str(c.valeur_source),
        "valeur_retenue": None if c.valeur_retenue is None else str(c.valeur_retenue), "motif": c.motif,
    } for c in corrections), batch_size=1000)
