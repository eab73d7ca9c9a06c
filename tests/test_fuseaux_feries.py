"""Each territory's time zone and public holidays (lieux/territoires.py), checked against dates and UTC offsets
known independently of the libraries: the decrees (n° 83-1003 of 23 November 1983 and its amendments for the
abolition of slavery days, the local law of Alsace-Moselle) and the territories' fixed legal times."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from lieux import horaires, territoires

UTC = timezone.utc


@pytest.mark.parametrize("departement,insee,postcode,day,words", [
    # Abolition of slavery, one date per territory.
    ("971", "97120", "97110", date(2026, 5, 27), "esclavage"),        # Guadeloupe, 27 mai
    ("972", "97209", "97200", date(2026, 5, 22), "esclavage"),        # Martinique, 22 mai
    ("973", "97302", "97300", date(2026, 6, 10), "esclavage"),        # Guyane, 10 juin
    ("974", "97411", "97400", date(2026, 12, 20), "esclavage"),       # La Réunion, 20 décembre
    ("976", "97611", "97600", date(2026, 4, 27), "esclavage"),        # Mayotte, 27 avril
    ("977", "97701", "97133", date(2026, 10, 9), "esclavage"),        # Saint-Barthélemy, 9 octobre (décret 2012)
    ("978", "97801", "97150", date(2026, 5, 28), "esclavage"),        # Saint-Martin, 28 mai (since 2018)
    ("972", "97209", "97200", date(2027, 5, 22), "esclavage"),        # every year
    ("974", "97411", "97400", date(2025, 12, 20), "esclavage"),
    # Alsace-Moselle: Vendredi saint (Good Friday 2026: 3 April; 2027: 26 March) and 26 décembre.
    ("57", "57463", "57000", date(2026, 4, 3), "Vendredi saint"),
    ("67", "67482", "67000", date(2026, 4, 3), "Vendredi saint"),
    ("68", "68224", "68100", date(2027, 3, 26), "Vendredi saint"),
    ("57", "57463", "57000", date(2026, 12, 26), "Étienne"),
    ("67", "67482", "67000", date(2026, 12, 26), "Étienne"),
    ("68", "68224", "68100", date(2026, 12, 26), "Étienne"),
    # Collectivités' own days.
    ("988", "98818", "98800", date(2026, 9, 24), "Citoyenneté"),      # Nouvelle-Calédonie, 24 septembre
    ("986", "98613", "98600", date(2026, 7, 29), "Territoire"),       # Wallis-et-Futuna, 29 juillet
    ("986", "98613", "98600", date(2026, 4, 28), "Chanel"),           # Saint Pierre Chanel, 28 avril
    ("987", "98735", "98714", date(2026, 3, 5), "Évangile"),          # Polynésie française, 5 mars
    # National days hold everywhere, collectivités included.
    ("75", "75111", "75011", date(2026, 7, 14), "Fête nationale"),
    ("975", "97502", "97500", date(2026, 7, 14), "Fête nationale"),
    ("988", "98818", "98800", date(2026, 12, 25), "Noël"),
    ("987", "98731", "98742", date(2026, 11, 1), "Toussaint"),
    ("2A", "2A004", "20000", date(2026, 5, 1), "Travail"),
])
def test_public_holiday_of_each_territory(departement, insee, postcode, day, words):
    t = territoires.territoire(departement, insee, postcode)
    name = territoires.jour_ferie(t, day)
    assert name and words in name, (t, day, name)


@pytest.mark.parametrize("departement,insee,day", [
    ("75", "75111", date(2026, 12, 26)),       # 26 décembre is Alsace-Moselle's only
    ("75", "75111", date(2026, 4, 3)),         # so is Vendredi saint in metropolitan France
    ("69", "69383", date(2026, 5, 27)),
    ("972", "97209", date(2026, 5, 27)),       # Guadeloupe's day, not Martinique's
    ("978", "97801", date(2026, 5, 27)),       # Saint-Martin moved to 28 mai
    ("977", "97701", date(2026, 5, 27)),       # Saint-Barthélemy's is 9 octobre
    ("971", "97120", date(2026, 10, 9)),
    ("974", "97411", date(2026, 5, 27)),
    ("976", "97611", date(2026, 12, 20)),
    ("988", "98818", date(2026, 7, 29)),
])
def test_no_holiday_elsewhere(departement, insee, day):
    assert territoires.jour_ferie(territoires.territoire(departement, insee), day) is None


# Legal time of each territory as a fixed UTC offset in hours (winter, summer of the northern hemisphere):
# written here from the territories' legal times, not read from the tz database.
OFFSETS = [
    ("75", "75111", "75011", "Europe/Paris", 1, 2),
    ("2B", "2B033", "20200", "Europe/Paris", 1, 2),
    ("971", "97120", "97110", "America/Guadeloupe", -4, -4),
    ("972", "97209", "97200", "America/Martinique", -4, -4),
    ("973", "97302", "97300", "America/Cayenne", -3, -3),
    ("974", "97411", "97400", "Indian/Reunion", 4, 4),
    ("976", "97611", "97600", "Indian/Mayotte", 3, 3),
    ("975", "97502", "97500", "America/Miquelon", -3, -2),             # summer time as in North America
    ("977", "97701", "97133", "America/St_Barthelemy", -4, -4),
    ("978", "97801", "97150", "America/Marigot", -4, -4),
    ("986", "98613", "98600", "Pacific/Wallis", 12, 12),
    ("988", "98818", "98800", "Pacific/Noumea", 11, 11),
    ("988", "98826", "98826", "Pacific/Noumea", 11, 11),              # Poum, far north
    ("987", "98735", "98714", "Pacific/Tahiti", -10, -10),             # Papeete
    ("987", "98740", "98775", "Pacific/Tahiti", -10, -10),             # Rangiroa (Tuamotu)
    ("987", "98731", "98742", "Pacific/Marquesas", -9.5, -9.5),        # Nuku-Hiva (Îles Marquises)
    ("987", "98723", "98741", "Pacific/Marquesas", -9.5, -9.5),        # Hiva-Oa
    ("987", "98757", "98745", "Pacific/Marquesas", -9.5, -9.5),        # Ua-Pou
    ("987", "98719", "98755", "Pacific/Gambier", -9, -9),              # Gambier
    (None, None, "98742", "Pacific/Marquesas", -9.5, -9.5),            # postcode only
    (None, None, "98755", "Pacific/Gambier", -9, -9),
]


@pytest.mark.parametrize("departement,insee,postcode,zone,winter,summer", OFFSETS)
def test_time_zone_of_each_territory(departement, insee, postcode, zone, winter, summer):
    assert territoires.fuseau(departement, insee, postcode) == zone
    for instant, hours in ((datetime(2026, 1, 15, 12, 0, tzinfo=UTC), winter),
                           (datetime(2026, 7, 15, 12, 0, tzinfo=UTC), summer)):
        expected = (instant + timedelta(hours=hours)).replace(tzinfo=None)
        assert horaires.local_time(territoires.fuseau(departement, insee, postcode), instant) == expected
        assert instant.astimezone(ZoneInfo(zone)).utcoffset() == timedelta(hours=hours)


@pytest.mark.parametrize("departement,insee,postcode,code", [
    (None, "97701", "97133", "977"),      # Saint-Barthélemy's postcode looks like Guadeloupe's: the commune decides
    ("971", "97701", "97133", "977"),     # a département code from the postcode is overruled by the commune
    ("98", "98818", "98800", "988"),      # a two-character "98" (older builds)
    ("98", None, "98800", "988"),
    ("987", None, None, "987"),
    (None, None, "97500", "975"),
    (None, None, "97133", "977"),         # Saint-Barthélemy kept a Guadeloupe postcode
    (None, None, "97150", "978"),
    (None, None, "97100", "971"),
    (None, None, "57000", "57"),
    ("57", None, None, "57"),
    (None, "67482", None, "67"),
    ("75", "75111", "75011", ""),
    ("2A", "2A004", "20000", ""),
    (None, None, None, ""),
    ("", "", "", ""),
])
def test_territory_code(departement, insee, postcode, code):
    assert territoires.territory_code(departement, insee, postcode) == code


def test_every_territory_has_a_real_zone_and_calendar():
    for t in [territoires.DEFAULT, *territoires.TERRITOIRES.values(), *territoires.ALSACE_MOSELLE.values()]:
        ZoneInfo(t.fuseau)
        for zone in t.fuseaux_communes.values():
            ZoneInfo(zone)
        assert len(territoires.jours_feries(t.subdivision, 2026)) >= 11, t  # the 11 national days at least


def test_holidays_of_the_coming_days():
    reunion = territoires.TERRITOIRES["974"]
    assert territoires.feries_entre(reunion, date(2026, 12, 15), 14) == [
        (date(2026, 12, 20), "Abolition de l'esclavage"), (date(2026, 12, 25), "Noël")]
    assert territoires.feries_entre(territoires.DEFAULT, date(2026, 12, 15), 14) == [(date(2026, 12, 25), "Noël")]
    assert territoires.feries_entre(territoires.DEFAULT, date(2026, 12, 15), 10) == []
