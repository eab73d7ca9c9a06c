"""Hours that know the calendar, and positions as precise as they are, through the API and the pages
(in-process Datasette on the demo build and on the reference build)."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, datetime
from urllib.parse import quote, urlencode

import pytest

from lieux import horaires, positions, territoires
from plugins import pages


def rows_of(db_path) -> dict:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    rows = {r["id"]: dict(r) for r in conn.execute("select * from lieux")}
    conn.close()
    return rows


async def proches(ds, **params):
    return await ds.client.get("/api/proches?" + urlencode(params))


def open_at(rows: dict, moment: datetime) -> set:
    """Independent of the SQL path: the lieux whose hours are open at `moment`, local to each."""
    return {i for i, r in rows.items() if r["horaires"] and horaires.etat(r["horaires"], r, local=moment).ouvert is True
            and "Ce lieu n'accueille pas de public" not in (r["modalites_acces"] or "")}


@pytest.mark.asyncio
@pytest.mark.parametrize("moment", ["2026-12-25T10:00", "2026-01-01T10:00", "2026-07-14T10:00", "2026-11-11T10:00"])
async def test_on_a_national_holiday_only_places_whose_hours_say_ph_are_open(demo_datasette, demo_db, moment):
    r = await proches(demo_datasette, lat=46.5, lon=2.5, n=100, ouvert=moment)
    assert r.status_code == 200
    found = {l["id"] for l in r.json()["lieux"]}
    rows = rows_of(demo_db)
    assert found <= {i for i, row in rows.items() if row["horaires"] and horaires.mentions_holidays(row["horaires"])}
    # No lieu that receives no public is ever open (its page says "Pas d'accueil du public").
    assert all("Ce lieu n'accueille pas de public" not in (rows[i]["modalites_acces"] or "") for i in found)
    assert found == open_at(rows, datetime.fromisoformat(moment))
    if moment in ("2026-12-25T10:00", "2026-07-14T10:00"):  # a Friday and a Tuesday: "Mo-Fr …; PH 10:00-12:00"
        assert found == {"demo-026"}


@pytest.mark.asyncio
@pytest.mark.parametrize("moment,absent,present", [
    ("2026-04-27T10:00", {"demo-050"}, {"demo-010", "demo-014"}),           # Mayotte's abolition day (a Monday)
    ("2026-04-28T10:00", set(), {"demo-050"}),                              # the day after, ordinary
    ("2026-05-27T10:00", {"demo-021"}, {"demo-003", "demo-030"}),           # Guadeloupe's (Mo-Sa 08:30-19:00)
    ("2026-06-10T10:00", {"demo-048"}, {"demo-003", "demo-030"}),           # Guyane's
    ("2026-06-09T10:00", set(), {"demo-048", "demo-046"}),
    ("2026-12-26T10:00", {"demo-008"}, {"demo-044", "demo-026"}),           # Alsace-Moselle's 26 décembre (Strasbourg)
    ("2026-04-03T10:00", {"demo-008", "demo-033"}, {"demo-044", "demo-010"}),  # Vendredi saint, Alsace only
])
async def test_each_territory_own_holidays(demo_datasette, demo_db, moment, absent, present):
    r = await proches(demo_datasette, lat=46.5, lon=2.5, n=100, ouvert=moment)
    found = {l["id"] for l in r.json()["lieux"]}
    assert not found & absent and present <= found, (found, absent, present)
    assert found == open_at(rows_of(demo_db), datetime.fromisoformat(moment))


@pytest.mark.asyncio
async def test_the_date_is_read_in_each_place_time_zone(demo_datasette):
    # Tuesday 24 November 2026: Clermont-Ferrand ("Mo-Fr 08:30-12:30") and Cayenne ("Mo-Sa 08:30-19:00") both
    # open at 08:30 local time, four hours apart in UTC; both are open at 08:45 local, neither at 08:15 local.
    ids = lambda r: {l["id"] for l in r.json()["lieux"]}  # noqa: E731
    assert {"demo-014", "demo-048"} <= ids(await proches(demo_datasette, lat=46.5, lon=2.5, n=100, ouvert="2026-11-24T08:45"))
    assert not {"demo-014", "demo-048"} & ids(await proches(demo_datasette, lat=46.5, lon=2.5, n=100, ouvert="2026-11-24T08:15"))


@pytest.mark.asyncio
async def test_every_lieu_carries_its_position_quality_and_today_holiday(demo_datasette, demo_db):
    rows = rows_of(demo_db)
    for fmt in ("json", "geojson"):
        body = (await proches(demo_datasette, lat=46.5, lon=2.5, n=100, format=fmt)).json()
        lieux = body["lieux"] if fmt == "json" else [f["properties"] for f in body["features"]]
        assert len(lieux) == 50
        for lieu in lieux:
            row = rows[lieu["id"]]
            assert lieu["qualite_geo"] == row["qualite_geo"]
            assert lieu["position_approximative"] is positions.approximative(row["qualite_geo"])
            t = territoires.territoire_of_row(row)
            local = horaires.local_time(territoires.fuseau_of_row(row))
            assert lieu["jour_ferie"] in (territoires.jour_ferie(t, local.date()), None)
            if "Ce lieu n'accueille pas de public" in lieu["modalites_acces"]:
                assert lieu["ouvert_maintenant"] is None  # hours to reach it, not opening hours
        r = await demo_datasette.client.get(f"/api/lieux/demo-024?format={fmt}")
        lieu = r.json() if fmt == "json" else r.json()["properties"]
        assert {"qualite_geo", "position_approximative", "jour_ferie"} <= set(lieu)


# -- the search page's "quand ?" -----------------------------------------------------------------

@pytest.mark.asyncio
@pytest.mark.parametrize("query", ["q=75011&ouvert=2026-12-25T10:00", "q=75011&ouvert=autre&ouvert_date=2026-12-25T10:00",
                                   "q=75011&ouvert=&ouvert_date=2026-12-25T10:00"])
async def test_search_page_at_a_date(demo_datasette, query):
    r = await demo_datasette.client.get("/?" + query)
    assert r.status_code == 200
    text = r.text
    assert '<option value="autre" selected>Autre jour et heure…</option>' in text
    assert 'value="2026-12-25T10:00"' in text
    assert "ouverts le vendredi 25 décembre 2026 à 10 h (heure locale de chaque lieu)" in text
    assert re.findall(r'data-id="([^"]+)"', text) == ["demo-026"]
    assert 'href="/lieu/demo-026?ouvert=2026-12-25T10%3A00"' in text
    assert "/api/proches?q=75011&amp;ouvert=2026-12-25T10%3A00" in text


@pytest.mark.asyncio
async def test_search_page_offers_when(demo_datasette):
    text = (await demo_datasette.client.get("/?q=75011")).text
    assert '<label for="ouvert" class="etiquette">Ouvert quand ?</label>' in text
    for label in ("Peu importe", "Maintenant", "Demain matin (", "Demain après-midi (", "Samedi matin (samedi ",
                  "Autre jour et heure…"):
        assert label in text
    r = await demo_datasette.client.get("/?q=75011&ouvert=2026-13-01T10:00")
    assert r.status_code == 400 and "La date choisie n&#39;est pas valide" in r.text


def test_when_choices():
    from lieux.search import moments

    choices = dict(moments(date(2026, 12, 10)))  # a Thursday
    assert choices["2026-12-11T10:00"] == "Demain matin (vendredi 11 décembre, 10 h)"
    assert choices["2026-12-11T15:00"] == "Demain après-midi (vendredi 11 décembre, 15 h)"
    assert choices["2026-12-12T10:00"] == "Samedi matin (samedi 12 décembre, 10 h)"
    assert "2026-12-19T10:00" in dict(moments(date(2026, 12, 12)))  # on a Saturday, the next one


# -- the place page on a public holiday ----------------------------------------------------------

@pytest.mark.asyncio
async def test_place_page_on_a_holiday_without_ph(demo_datasette):
    text = (await demo_datasette.client.get("/lieu/demo-010?ouvert=2026-12-25T10:00")).text
    assert "Jour férié (Noël, le vendredi 25 décembre 2026 à 10 h) : horaires à vérifier" in text
    assert re.search(r'<tr class="aujourdhui ferie"><th scope="row">Vendredi <span class="aide">\(jour choisi\)</span> '
                     r'<span class="marque-ferie">férié : Noël</span></th><td>horaires à vérifier</td>', text)
    assert "<li><strong>vendredi 25 décembre</strong> (Noël) : jour férié : horaires à vérifier</li>" in text
    assert "<li><strong>vendredi 1er janvier</strong> (Jour de l&#39;an) : jour férié : horaires à vérifier</li>" in text
    assert "Les horaires de ce lieu ne disent rien des jours fériés" in text


@pytest.mark.asyncio
async def test_place_page_on_a_holiday_with_ph(demo_datasette):
    text = (await demo_datasette.client.get("/lieu/demo-026?ouvert=2026-12-25T10:00")).text
    assert "Ouvert le vendredi 25 décembre 2026 à 10 h (jour férié : Noël)" in text
    assert "<li><strong>vendredi 25 décembre</strong> (Noël) : 10 h – 12 h</li>" in text
    text = (await demo_datasette.client.get("/lieu/demo-024?ouvert=2026-12-20T10:00")).text  # Réunion, "PH off"
    assert "Fermé le dimanche 20 décembre 2026 à 10 h (jour férié : Abolition de l&#39;esclavage)" in text
    assert "(heure locale : La Réunion)" in text


@pytest.mark.asyncio
async def test_place_page_with_a_bad_date(demo_datasette):
    r = await demo_datasette.client.get("/lieu/demo-010?ouvert=demain")
    assert r.status_code == 200 and "n&#39;est pas valide" in r.text


def test_opening_marks_the_holidays_of_the_coming_14_days():
    lieu = {"horaires": "Mo-Fr 09:00-12:00", "departement_code": "974", "code_insee": "97411"}
    state = pages.opening(lieu, local=datetime(2026, 12, 18, 10, 0))  # Friday
    assert [(f["jour"], f["nom"], f["texte"]) for f in state["feries"]] == [
        ("dimanche 20 décembre", "Abolition de l'esclavage", horaires.TO_CHECK),
        ("vendredi 25 décembre", "Noël", horaires.TO_CHECK)]  # 1er janvier is the 15th day
    assert state["semaine"][6] == {"jour": "Dimanche", "texte": horaires.TO_CHECK, "ferie": "Abolition de l'esclavage"}
    assert state["semaine"][4] == {"jour": "Vendredi", "texte": "9 h – 12 h", "ferie": None}
    assert state["lieu_fuseau"] == "La Réunion" and state["ouvert"] is True


# -- approximate positions on the reference build ------------------------------------------------

@pytest.mark.asyncio
async def test_every_approximate_lieu_is_flagged_in_the_api_and_on_its_page(reference_datasette, reference_db):
    conn = sqlite3.connect(reference_db)
    approximate = conn.execute("select id, commune, latitude, longitude from lieux where qualite_geo in ({})".format(
        ", ".join("?" for _ in positions.APPROXIMATIVES)), list(positions.APPROXIMATIVES)).fetchall()
    precise = conn.execute("select id from lieux where qualite_geo = 'source' limit 20").fetchall()
    conn.close()
    assert len(approximate) > 100
    for lieu_id, commune, lat, lon in approximate:
        body = (await reference_datasette.client.get(f"/api/lieux/{quote(lieu_id, safe='')}")).json()
        assert body["position_approximative"] is True and body["qualite_geo"] == "centre_commune"
        feature = (await reference_datasette.client.get(f"/api/lieux/{quote(lieu_id, safe='')}?format=geojson")).json()
        assert feature["properties"]["position_approximative"] is True
    for lieu_id, commune, lat, lon in approximate[:40]:
        page = (await reference_datasette.client.get(f"/lieu/{quote(lieu_id, safe='')}")).text
        assert "<strong>Position approximative :</strong> le point de la carte est le centre de la commune" in page
        assert '"approximative": true' in page
        # Searched from its own point: "dans la commune de X (position approximative)", never "à 10 m".
        results = (await reference_datasette.client.get("/?" + urlencode({"lat": lat, "lon": lon, "n": 30}))).text
        card = re.search(r'data-id="{}".*?</li>'.format(re.escape(lieu_id)), results, re.S).group(0)
        assert "(position approximative)" in card and "dans la commune de" in card
        assert not re.search(r"à \d+ m<", card)
        found = (await proches(reference_datasette, lat=lat, lon=lon, n=30)).json()["lieux"]
        assert [l["position_approximative"] for l in found if l["id"] == lieu_id] == [True]
    for (lieu_id,) in precise:
        body = (await reference_datasette.client.get(f"/api/lieux/{quote(lieu_id, safe='')}")).json()
        assert body["position_approximative"] is False
        page = (await reference_datasette.client.get(f"/lieu/{quote(lieu_id, safe='')}")).text
        assert "Position approximative" not in page


@pytest.mark.asyncio
async def test_on_a_public_holiday_no_reference_lieu_is_open(reference_datasette, reference_db):
    # No list of the reference build writes PH: on Christmas morning none is open, everywhere.
    conn = sqlite3.connect(reference_db)
    ph = conn.execute("select count(*) from lieux where horaires like '%PH%'").fetchone()[0]
    conn.close()
    for lat, lon in ((48.85, 2.35), (45.76, 4.84), (16.24, -61.53), (-20.88, 55.45), (4.94, -52.33)):
        found = (await proches(reference_datasette, lat=lat, lon=lon, n=100, ouvert="2026-12-25T10:00")).json()["lieux"]
        assert all(horaires.mentions_holidays(l["horaires"]) for l in found)
        if not ph:
            assert found == []
    # The day after, an ordinary Saturday, some are.
    assert (await proches(reference_datasette, lat=48.85, lon=2.35, n=100, ouvert="2026-12-19T10:00")).json()["lieux"]


def test_openapi_pattern_of_ouvert_accepts_exactly_what_the_api_accepts():
    # Schemathesis sends any string matching the pattern and requires it to be accepted.
    from lieux import openapi

    pattern = re.compile(openapi.OUVERT_PATTERN)
    assert pattern.fullmatch("maintenant")
    for year in range(1965, 2105):
        for month in range(0, 14):
            for day in range(0, 33):
                text = f"{year:04d}-{month:02d}-{day:02d}T23:59"
                try:
                    horaires.parse_ouvert(text)
                    accepted = True
                except ValueError:
                    accepted = False
                assert bool(pattern.fullmatch(text)) is accepted, text
    for text in ("2026-12-25T24:00", "2026-12-25T10:60", "2026-12-25T9:00", "2026-12-25 10:00", "Maintenant"):
        assert not pattern.fullmatch(text)
