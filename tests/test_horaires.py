"""Opening hours: parsing the strings of the real lists, French per-day text, "open now" per time zone."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta, timezone

import pytest

from lieux import horaires, territoires

UTC = timezone.utc


def test_every_osm_string_of_the_reference_lists_parses(reference_db):
    conn = sqlite3.connect(reference_db)
    strings = [r[0] for r in conn.execute("select distinct horaires from lieux where horaires is not null")]
    conn.close()
    assert len(strings) > 100
    unreadable = [s for s in strings if horaires.parse(s) is None]
    # Typos published as such by their producer: shown as given, never counted as open.
    assert unreadable == ["Mo-Fr 08:30-12:300,13:30-17:30"]  # francilin, line 249 of its file
    assert all(horaires.is_open(s, "Europe/Paris") is None for s in unreadable)
    assert all(len(horaires.describe(s)) == 7 for s in strings if s not in unreadable)


@pytest.mark.parametrize("osm,expected", [
    ("Mo-Fr 09:00-12:00,13:30-17:00", [
        ("Lundi", "9 h – 12 h, 13 h 30 – 17 h"), ("Mardi", "9 h – 12 h, 13 h 30 – 17 h"),
        ("Mercredi", "9 h – 12 h, 13 h 30 – 17 h"), ("Jeudi", "9 h – 12 h, 13 h 30 – 17 h"),
        ("Vendredi", "9 h – 12 h, 13 h 30 – 17 h"), ("Samedi", "Fermé"), ("Dimanche", "Fermé")]),
    ("Tu,Th 14:00-18:00; Sa 09:05-12:00", [
        ("Lundi", "Fermé"), ("Mardi", "14 h – 18 h"), ("Mercredi", "Fermé"), ("Jeudi", "14 h – 18 h"),
        ("Vendredi", "Fermé"), ("Samedi", "9 h 05 – 12 h"), ("Dimanche", "Fermé")]),
    ('Mo 09:00-12:00 open "sur rendez-vous"; We 10:00-11:00 unknown', [
        ("Lundi", "9 h – 12 h (sur rendez-vous)"), ("Mardi", "Fermé"), ("Mercredi", "10 h – 11 h (à confirmer)"),
        ("Jeudi", "Fermé"), ("Vendredi", "Fermé"), ("Samedi", "Fermé"), ("Dimanche", "Fermé")]),
    ("24/7", [(day, "0 h – 24 h") for day in horaires.DAYS]),
    # Month rules are read for the week asked (here in January).
    ("Jan-Jun Mo 09:00-10:00; Jul-Dec Mo 15:00-16:00", [("Lundi", "9 h – 10 h")] + [
        (day, "Fermé") for day in horaires.DAYS[1:]]),
])
def test_describe(osm, expected):
    assert horaires.describe(osm, now=date(2026, 1, 14)) == expected


def test_public_holidays_do_not_change_the_regular_week():
    # 14 July 2026 is a Tuesday; the week's description still shows Tuesday's hours.
    lines = dict(horaires.describe("Mo-Fr 09:00-12:00; PH off", now=date(2026, 7, 14)))
    assert lines["Mardi"] == "9 h – 12 h"


@pytest.mark.parametrize("text", [
    "mercredi de 14h à 16h", "Lundi, Mardi de 9H30 à 10H30", "samedi APRÈS-MIDI Tous Les 15 jours", "", "   ", None,
])
def test_unreadable_strings_are_none_and_never_open(text):
    assert horaires.parse(text) is None
    assert horaires.describe(text) is None
    assert horaires.is_open(text, "Europe/Paris", now=datetime(2026, 11, 24, 10, tzinfo=UTC)) is None


@pytest.mark.parametrize("code,tz", [
    ("971", "America/Guadeloupe"), ("972", "America/Martinique"), ("973", "America/Cayenne"),
    ("974", "Indian/Reunion"), ("976", "Indian/Mayotte"), ("75", "Europe/Paris"), ("2A", "Europe/Paris"),
    ("975", "America/Miquelon"), ("977", "America/St_Barthelemy"), ("978", "America/Marigot"),
    ("986", "Pacific/Wallis"), ("987", "Pacific/Tahiti"), ("988", "Pacific/Noumea"),
    (None, "Europe/Paris"), ("", "Europe/Paris"),
])
def test_timezone_for(code, tz):
    assert horaires.timezone_for(code) == tz


WEEKDAY_MORNING = "Mo-Fr 09:00-12:00"


@pytest.mark.parametrize("now,tz,expected", [
    # Tuesday 24 November 2026, 13:30 UTC: 14:30 in Paris, 09:30 in Guadeloupe, 10:30 in Cayenne,
    # 17:30 in Réunion, 16:30 in Mayotte.
    (datetime(2026, 11, 24, 13, 30, tzinfo=UTC), "Europe/Paris", False),
    (datetime(2026, 11, 24, 13, 30, tzinfo=UTC), "America/Guadeloupe", True),
    (datetime(2026, 11, 24, 13, 30, tzinfo=UTC), "America/Martinique", True),
    (datetime(2026, 11, 24, 13, 30, tzinfo=UTC), "America/Cayenne", True),
    (datetime(2026, 11, 24, 13, 30, tzinfo=UTC), "Indian/Reunion", False),
    (datetime(2026, 11, 24, 13, 30, tzinfo=UTC), "Indian/Mayotte", False),
    # Same day, 07:00 UTC: 08:00 in Paris, 11:00 in Réunion, 10:00 in Mayotte, 03:00 in Guadeloupe.
    (datetime(2026, 11, 24, 7, 0, tzinfo=UTC), "Europe/Paris", False),
    (datetime(2026, 11, 24, 7, 0, tzinfo=UTC), "Indian/Reunion", True),
    (datetime(2026, 11, 24, 7, 0, tzinfo=UTC), "Indian/Mayotte", True),
    (datetime(2026, 11, 24, 7, 0, tzinfo=UTC), "America/Guadeloupe", False),
    # Summer time in Paris: 07:30 UTC is 09:30 in July, 08:30 in January.
    (datetime(2026, 7, 7, 7, 30, tzinfo=UTC), "Europe/Paris", True),
    (datetime(2026, 1, 6, 7, 30, tzinfo=UTC), "Europe/Paris", False),
    # A naive time is taken as UTC.
    (datetime(2026, 11, 24, 13, 30), "America/Cayenne", True),
    # Sunday
    (datetime(2026, 11, 29, 10, 0, tzinfo=UTC), "Europe/Paris", False),
])
def test_is_open_in_the_place_time_zone(now, tz, expected):
    assert horaires.is_open(WEEKDAY_MORNING, tz, now=now) is expected


BASTILLE_DAY_10H = datetime(2026, 7, 14, 8, 0, tzinfo=UTC)  # Tuesday 14 July, 10:00 in Paris


@pytest.mark.parametrize("osm,expected", [
    ("Mo-Fr 09:00-12:00", None),                          # says nothing of holidays: to be checked, never open
    ("Mo-Fr 09:00-12:00; PH off", False),
    ("Mo-Fr 09:00-12:00; PH 10:00-11:00", True),
    ("Mo-Fr 09:00-12:00; PH 14:00-16:00", False),
    ("Mo-Fr,PH 09:00-12:00", True),
    ("PH 09:30-11:00; Sa 10:00-12:00", True),
    ("PH 10:00-12:00; Mo-Fr 13:00-17:00", False),         # OSM: the later rule for that weekday wins
    ('Mo-Fr 09:00-12:00 "PH selon planning"', None),      # "PH" inside a comment is not a rule
    ("24/7", None),
    ("24/7; PH off", False),
    ("Mo-Fr 09:00-12:00; PH 10:00-12:00 unknown", False),
])
def test_a_public_holiday_is_open_only_when_the_hours_say_ph(osm, expected):
    assert horaires.is_open(osm, "Europe/Paris", now=BASTILLE_DAY_10H) is expected
    assert horaires.etat(osm, {"departement_code": "75"}, now=BASTILLE_DAY_10H) == horaires.Etat(
        expected, "Fête nationale")


@pytest.mark.parametrize("osm", ["Mo-Fr 09:00-12:00", "Mo-Fr 09:00-12:00; PH off", "Mo-Fr 09:00-12:00; PH 14:00-15:00"])
def test_ph_rules_do_not_touch_ordinary_days(osm):
    tuesday_10h = datetime(2026, 7, 7, 8, 0, tzinfo=UTC)
    assert horaires.is_open(osm, "Europe/Paris", now=tuesday_10h) is True
    assert horaires.is_open("PH 09:00-12:00", "Europe/Paris", now=tuesday_10h) is False


@pytest.mark.parametrize("row,local,holiday", [
    # Each territory's own day, at 10:00 local time: "Mo-Su 09:00-12:00" is not open, "…; PH 10:00-11:00" is.
    ({"departement_code": "971", "code_insee": "97120"}, datetime(2026, 5, 27, 10), "Abolition de l'esclavage"),
    ({"departement_code": "972", "code_insee": "97209"}, datetime(2026, 5, 22, 10), "Abolition de l'esclavage"),
    ({"departement_code": "973", "code_insee": "97302"}, datetime(2026, 6, 10, 10), "Abolition de l'esclavage"),
    ({"departement_code": "974", "code_insee": "97411"}, datetime(2026, 12, 20, 10), "Abolition de l'esclavage"),
    ({"departement_code": "976", "code_insee": "97611"}, datetime(2026, 4, 27, 10), "Abolition de l'esclavage"),
    ({"departement_code": "977", "code_insee": "97701"}, datetime(2026, 10, 9, 10), "Abolition de l'esclavage"),
    ({"departement_code": "978", "code_insee": "97801"}, datetime(2026, 5, 28, 10), "Abolition de l'esclavage"),
    ({"departement_code": "57", "code_insee": "57463"}, datetime(2026, 12, 26, 10), "Saint-Étienne"),
    ({"departement_code": "67", "code_insee": "67482"}, datetime(2026, 4, 3, 10), "Vendredi saint"),
    ({"departement_code": "988", "code_insee": "98818"}, datetime(2026, 9, 24, 10), "Fête de la Citoyenneté"),
])
def test_each_territory_holiday_at_10h(row, local, holiday):
    assert horaires.etat("Mo-Su 09:00-12:00", row, local=local) == horaires.Etat(None, holiday)
    assert horaires.etat("Mo-Su 09:00-12:00; PH 10:00-11:00", row, local=local) == horaires.Etat(True, holiday)
    assert horaires.etat("Mo-Su 09:00-12:00; PH off", row, local=local) == horaires.Etat(False, holiday)
    # The same day elsewhere is an ordinary day.
    assert horaires.etat("Mo-Su 09:00-12:00", {"departement_code": "69"}, local=local) == horaires.Etat(True, None)


def test_the_holiday_follows_the_place_local_date():
    # 20 December 2026, 10:00 in Réunion is 06:00 UTC; at 23:00 UTC on the 19th it is already the 20th there.
    row = {"departement_code": "974", "code_insee": "97411"}
    assert horaires.etat("Mo-Su 00:00-24:00", row, now=datetime(2026, 12, 19, 21, 0, tzinfo=UTC)).jour_ferie == (
        "Abolition de l'esclavage")
    assert horaires.etat("Mo-Su 00:00-24:00", row, now=datetime(2026, 12, 19, 19, 0, tzinfo=UTC)) == horaires.Etat(True)


def test_holidays_ahead_for_the_week_table():
    reunion = territoires.TERRITOIRES["974"]
    assert horaires.holidays_ahead("Mo-Fr 09:00-12:00; PH 10:00-11:00", reunion, date(2026, 12, 15)) == [
        {"date": date(2026, 12, 20), "nom": "Abolition de l'esclavage", "texte": "10 h – 11 h", "prevu": True},
        {"date": date(2026, 12, 25), "nom": "Noël", "texte": "10 h – 11 h", "prevu": True}]
    assert [h["texte"] for h in horaires.holidays_ahead("Mo-Fr 09:00-12:00", reunion, date(2026, 12, 15))] == [
        horaires.TO_CHECK, horaires.TO_CHECK]
    assert [h["texte"] for h in horaires.holidays_ahead("Mo-Fr 09:00-12:00; PH off", reunion, date(2026, 12, 15))] == [
        horaires.CLOSED, horaires.CLOSED]
    assert horaires.holidays_ahead("Mo-Fr 09:00-12:00", reunion, date(2026, 11, 12)) == []


@pytest.mark.parametrize("text,expected", [
    ("maintenant", "maintenant"),
    ("2026-12-25T10:00", datetime(2026, 12, 25, 10, 0)),
    (" 2026-05-27T08:30 ", datetime(2026, 5, 27, 8, 30)),
])
def test_parse_ouvert(text, expected):
    assert horaires.parse_ouvert(text) == expected


@pytest.mark.parametrize("text", ["demain", "2026-12-25", "2026-12-25 10:00", "2026-13-01T10:00", "2026-12-25T10:60",
                                  "1800-01-01T10:00", "Maintenant", ""])
def test_parse_ouvert_refuses_in_french(text):
    with pytest.raises(ValueError, match="ouvert"):
        horaires.parse_ouvert(text)


def test_unknown_state_is_not_open():
    monday_10 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert horaires.is_open("Mo 09:00-12:00 unknown", "Europe/Paris", now=monday_10) is False


def test_format_time():
    assert horaires.format_time(datetime(2026, 1, 1, 9, 0)) == "9 h"
    assert horaires.format_time(datetime(2026, 1, 1, 13, 30)) == "13 h 30"
    assert horaires.format_time(datetime(2026, 1, 2, 0, 0), end=True) == "24 h"


# -- until when a state holds (how long a search page stays right) ----------------------------------

MONDAY = datetime(2026, 12, 7)  # Friday 25 December 2026 is Christmas Day


@pytest.mark.parametrize("osm, local, expected", [
    ("Mo-Fr 09:00-12:00,14:00-17:00", MONDAY.replace(hour=10), MONDAY.replace(hour=12)),
    ("Mo-Fr 09:00-12:00,14:00-17:00", MONDAY.replace(hour=12), MONDAY.replace(hour=14)),
    ("Mo-Fr 09:00-12:00,14:00-17:00", MONDAY.replace(hour=8, minute=59), MONDAY.replace(hour=9)),
    # Closed until tomorrow: the day ends first (tomorrow may be a public holiday).
    ("Mo-Fr 09:00-12:00,14:00-17:00", MONDAY.replace(hour=20), datetime(2026, 12, 8)),
    ("24/7", MONDAY.replace(hour=10), datetime(2026, 12, 8)),
    ("mercredi de 14h à 16h", MONDAY.replace(hour=10), datetime(2026, 12, 8)),
    (None, MONDAY.replace(hour=10), datetime(2026, 12, 8)),
    # Christmas Day without PH: "horaires à vérifier" all day; with PH, its own hours.
    ("Mo-Sa 09:00-18:00", datetime(2026, 12, 25, 10), datetime(2026, 12, 26)),
    ("Mo-Sa 09:00-18:00; PH 10:00-12:00", datetime(2026, 12, 25, 10, 30), datetime(2026, 12, 25, 12)),
    ("Mo-Sa 09:00-18:00", datetime(2026, 12, 24, 17), datetime(2026, 12, 24, 18)),
])
def test_next_change(osm, local, expected):
    assert horaires.next_change(osm, local) == expected


def test_the_state_holds_until_the_next_change(reference_db):
    """For the hours of the reference lists, at moments across a week with a public holiday: the state (open,
    holiday) is the same at every minute checked before next_change, and differs at it unless it is midnight."""
    conn = sqlite3.connect(reference_db)
    strings = [r[0] for r in conn.execute("select distinct horaires from lieux where horaires is not null "
                                          "order by horaires limit 120")]
    conn.close()
    moments = [datetime(2026, 12, day, hour, minute) for day in (21, 24, 25, 26, 27)
               for hour, minute in ((0, 0), (8, 59), (11, 45), (13, 30), (17, 59), (23, 30))]
    checked = changed = 0
    for osm in strings:
        for local in moments:
            before = horaires.state_at(osm, local)
            change = horaires.next_change(osm, local)
            assert local < change <= datetime.combine(local.date(), datetime.min.time()) + timedelta(days=1)
            t = local
            while t < change:
                assert horaires.state_at(osm, t) == before, (osm, local, t)
                t = min(t + timedelta(minutes=7), change - timedelta(minutes=1)) if t < change - timedelta(minutes=1) \
                    else change
                checked += 1
            if change.time() != datetime.min.time() and horaires.state_at(osm, change) != before:
                changed += 1
    assert checked > 50_000 and changed > 500
