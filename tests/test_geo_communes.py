"""Points checked against their commune's outline: kept, corrected (swap, sign, projection) or moved to the centre.

The outlines are ../shared/reference/geo/communes-contours.geojson.gz, a stand-in in the shape of Etalab's
contours administratifs (see SOURCES.md there); the collectivités d'outre-mer have none there, so their cases
add constructed outlines.
"""

import dataclasses
import math
import sqlite3

import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import box

from lieux.geo.areas import DepartementLocator
from lieux.geo.data import add_outlines
from lieux.geo.normalise import APPROXIMATIVES, PRECISES, QUALITES, place
from lieux.geo.outlines import COAST_M, TOLERANCE_M, CommuneOutlines
from tests.conftest import requires_reference

pytestmark = requires_reference

# Constructed outlines (rough boxes around the real communes) for Nouvelle-Calédonie, whose communes the stand-in lacks.
NOUMEA = box(166.40, -22.32, 166.49, -22.22)
POUM = box(163.85, -20.45, 164.25, -20.05)
NOUMEA_POINT = (166.4450, -22.2760)        # (lon, lat), in the Nouméa box
POUM_POINT = (164.0250, -20.2300)


@pytest.fixture(scope="module")
def locator(geography):
    return DepartementLocator(geography.departement_shapes)


@pytest.fixture(scope="module")
def nc_geography(geography):
    """The reference geography plus outlines for Nouméa (98818) and Poum (98826)."""
    geo = dataclasses.replace(geography, communes=dict(geography.communes))
    add_outlines(geo, CommuneOutlines({**geography.outlines.shapes, "98818": NOUMEA, "98826": POUM}))
    return geo


def lieu(lon, lat, commune, code_postal, code_insee=None, **extra):
    return {"commune": commune, "code_postal": code_postal, "code_insee": code_insee, "longitude": lon, "latitude": lat,
            "_source": "test", "_ligne": 2, **extra}


def final(p, row):
    """(lon, lat, code_insee, commune) after placing."""
    return tuple(p.values.get(k, row.get(k)) for k in ("longitude", "latitude", "code_insee", "commune"))


def point_east_of(geography, code, metres):
    """A point `metres` due east of the easternmost vertex of commune `code` (so about that far from it)."""
    outline = geography.outlines.shapes[code]
    x, y = max(shapely.get_coordinates(outline.exterior if outline.geom_type == "Polygon" else
                                       max(outline.geoms, key=lambda g: g.area).exterior), key=lambda c: c[0])
    return x + metres / (111_320 * math.cos(math.radians(y))), y


def test_the_stand_in_outlines_are_read(geography):
    outlines = geography.outlines
    assert len(outlines.shapes) == 34912
    assert "33063" in outlines and "75115" in outlines and "75056" in outlines
    assert outlines.locate(-0.5734, 44.85756) == ["33063"]                     # Bordeaux's centre
    assert outlines.distance_m("33063", -0.5734, 44.85756) == 0


def test_communes_without_a_centre_get_one_from_their_outline(nc_geography, geography):
    assert geography.communes["98826"].centre is None                          # not in geo.api.gouv.fr's stand-in
    lon, lat = nc_geography.communes["98826"].centre
    assert POUM.contains(shapely.Point(lon, lat))


@pytest.mark.parametrize("metres, qualite", [(TOLERANCE_M * 0.6, "source"), (TOLERANCE_M * 1.6, "centre_commune")])
def test_tolerance_around_the_commune(geography, locator, metres, qualite):
    lon, lat = point_east_of(geography, "33081", metres)                       # Cadillac-sur-Garonne, east side
    assert geography.outlines.distance_m("33081", lon, lat) == pytest.approx(metres, rel=0.1)
    p = place(lieu(lon, lat, "Cadillac-sur-Garonne", "33410", "33081"), geography, locator, "EPSG:4326")
    assert p.geo["qualite_geo"] == qualite, p.geo
    if qualite == "source":
        assert "de sa commune (tolérance 500 m)" in p.geo["qualite_geo_motif"] and "latitude" not in p.values


BREST = (-4.4861, 48.3904)
BREST_L93 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True).transform(*BREST)


@pytest.mark.parametrize("given, crs, qualite, words", [
    (BREST, "EPSG:4326", "source", "point dans sa commune"),
    ((BREST[1], BREST[0]), "EPSG:4326", "corrigee-inversion", "inversées"),
    ((4.4861, 48.3904), "EPSG:4326", "corrigee-signe", "signe de la longitude"),      # in the Alps without its minus
    ((48.3904, 4.4861), "EPSG:4326", "corrigee-signe", "inversées"),                   # swapped and unsigned
    (BREST_L93, "EPSG:4326", "corrigee-projection", "Lambert-93"),
    ((BREST_L93[1], BREST_L93[0]), "EPSG:4326", "corrigee-projection", "X et Y inversés"),
    ((-4.4861, 47.3904), "EPSG:4326", "centre_commune", "km de la commune Brest"),       # a degree south, at sea
    ((-1.6778, 48.1173), "EPSG:4326", "centre_commune", "dans la commune Rennes"),      # same département? no: Rennes
])
def test_a_point_outside_its_commune_is_corrected_or_moved(geography, locator, given, crs, qualite, words):
    row = lieu(*given, commune="Brest", code_postal="29200", code_insee="29019")
    p = place(row, geography, locator, crs)
    assert p.geo["qualite_geo"] == qualite, p.geo
    assert words in p.geo["qualite_geo_motif"]
    lon, lat, *_ = final(p, row)
    assert geography.outlines.distance_m("29019", lon, lat) == 0
    if qualite in APPROXIMATIVES:
        assert (lon, lat) == geography.communes["29019"].centre


def test_same_departement_far_from_its_commune(geography, locator):
    # Quimper's point for a Brest address: inside the Finistère, 50 km away; the département check kept it as `source`
    row = lieu(-4.1024, 47.9960, "Brest", "29200", "29019")
    p = place(row, geography, locator, "EPSG:4326")
    assert p.geo["qualite_geo"] == "centre_commune" and "dans la commune Quimper (29232)" in p.geo["qualite_geo_motif"]
    assert p.geo["departement_code"] == "29"


def test_the_point_decides_the_insee_code_among_the_postcodes_communes(geography, locator):
    cadillac = geography.communes["33081"].centre
    # 33410 is the postcode of 12 communes; "Mairie" names none of them
    row = lieu(*cadillac, "Mairie", "33410")
    p = place(row, geography, locator, "EPSG:4326")
    assert final(p, row)[2:] == ("33081", "Cadillac-sur-Garonne")
    assert "le point décide du code INSEE" in p.motifs["code_insee"] and p.counts["communes_par_le_point"] == 1
    assert p.geo["qualite_geo"] == "source" and not [c for c, _ in p.problems if c == "commune"]
    # a swapped point decides too, once swapped back
    row = lieu(cadillac[1], cadillac[0], "Mairie", "33410")
    p = place(row, geography, locator, "EPSG:4326")
    assert final(p, row)[2] == "33081" and p.geo["qualite_geo"] == "corrigee-inversion"


def test_a_name_that_designates_its_commune_is_not_overruled_by_the_point(geography, locator):
    cadillac = geography.communes["33081"].centre
    row = lieu(*cadillac, "Loupiac", "33410")                                  # Loupiac is one of 33410's communes
    p = place(row, geography, locator, "EPSG:4326")
    lon, lat, code, commune = final(p, row)
    assert (code, commune) == ("33253", "Loupiac") and p.geo["qualite_geo"] == "centre_commune"
    assert "dans la commune Cadillac-sur-Garonne (33081)" in p.geo["qualite_geo_motif"]


def test_a_point_at_sea_off_its_harbour_is_kept(geography, locator):
    # corse.json: the Bastia lieu on the harbour, 871 m off the stand-in's coastline, in no commune
    row = lieu(9.465108, 42.709454, "BASTIA", "20200", "2B033")
    p = place(row, geography, locator, "EPSG:4326")
    assert p.geo["qualite_geo"] == "source" and "hors de toute commune" in p.geo["qualite_geo_motif"]
    assert TOLERANCE_M < geography.outlines.distance_m("2B033", 9.465108, 42.709454) < COAST_M


@pytest.mark.parametrize("raw, code_postal, cleaned", [
    ("Épernay, Marne, Grand Est, FRA", "51200", "Épernay"),            # the issue's example
    ("EPERNAY", "51200", "Épernay"),
    ("33000 Bordeaux", "33000", "Bordeaux"),
    ("BORDEAUX CEDEX", "33000", "Bordeaux"),
    ("Mâcon (71)", "71000", "Mâcon"),
    ("Saint-Vaury Numéro de téléphone", "23320", "Saint-Vaury"),      # la-creuse.json
    ("0 Pontarion", "23250", "Pontarion"),                            # la-creuse.json
    ("Saint-Sulpice-le-Dunois Ateliers Numériques", "23800", "Saint-Sulpice-le-Dunois"),
    ("Seynod - Annecy", "74600", "Seynod"),                           # hinaura: a commune déléguée of Annecy, kept
    ("Jugon-les-Lacs - Commune nouvelle", "22270", "Jugon-les-Lacs"),  # liste-fs-20240801.csv
    ("Hondchoote", "59122", "Hondschoote"),                           # siilab-hdf_export.csv: misspelt
    ("Bordeaux", "33000", None),
    ("Paris 15e", "75015", None),                                     # PLM arrondissements stay as written
    ("Marseille 2e", "13002", None),
    ("Lomme", "59160", None),                                         # a commune associée of Lille, as written
])
def test_commune_names_are_cleaned(geography, locator, raw, code_postal, cleaned):
    row = lieu(None, None, raw, code_postal)
    p = place(row, geography, locator, "EPSG:4326")
    assert p.values.get("commune") == cleaned, p.motifs.get("commune")
    if cleaned:
        assert raw in p.motifs["commune"] and p.counts["noms_communes_nettoyes"] == 1


def test_nouvelle_caledonie_commune_by_commune(nc_geography, locator):
    # the issue: a place in Poum sat in Nouméa. With outlines, Poum's lieu is taken back to Poum.
    row = lieu(*NOUMEA_POINT, "Poum", "98826")
    p = place(row, nc_geography, locator, "EPSG:4326")
    lon, lat, code, commune = final(p, row)
    assert (code, commune, p.geo["departement_code"], p.geo["departement_nom"]) == ("98826", "Poum", "988", "Nouvelle-Calédonie")
    assert p.geo["qualite_geo"] == "centre_commune" and "dans la commune Nouméa (98818)" in p.geo["qualite_geo_motif"]
    assert POUM.contains(shapely.Point(lon, lat))
    p = place(lieu(*POUM_POINT, "POUM", "98826"), nc_geography, locator, "EPSG:4326")
    assert p.geo["qualite_geo"] == "source" and p.values == {"code_insee": "98826", "commune": "Poum"}


NOUMEA_RGNC = Transformer.from_crs("EPSG:4326", "EPSG:3163", always_xy=True).transform(*NOUMEA_POINT)


@pytest.mark.parametrize("given, crs, qualite", [
    (NOUMEA_POINT, "EPSG:4326", "source"),
    ((NOUMEA_POINT[1], NOUMEA_POINT[0]), "EPSG:4326", "corrigee-inversion"),
    ((NOUMEA_POINT[0], -NOUMEA_POINT[1]), "EPSG:4326", "corrigee-signe"),            # south of the equator, unsigned
    (NOUMEA_RGNC, "EPSG:4326", "corrigee-projection"),                                # Lambert Nouvelle-Calédonie
    (NOUMEA_RGNC, "EPSG:3163", "source"),                                             # declared
    (POUM_POINT, "EPSG:4326", "centre_commune"),                                      # Poum's point for Nouméa
])
def test_nouvelle_caledonie_corrections(nc_geography, locator, given, crs, qualite):
    row = lieu(*given, "Nouméa", "98800")
    p = place(row, nc_geography, locator, crs)
    assert p.geo["qualite_geo"] == qualite, p.geo
    lon, lat, code, _ = final(p, row)
    assert code == "98818" and NOUMEA.contains(shapely.Point(lon, lat))


def test_collectivites_without_outlines_are_checked_as_a_whole(geography, locator):
    # the stand-in has no outline for the collectivités d'outre-mer: the point is checked against the collectivité
    p = place(lieu(*NOUMEA_POINT, "Poum", "98826"), geography, locator, "EPSG:4326")
    assert (p.geo["departement_code"], p.geo["qualite_geo"]) == ("988", "source")
    assert "commune sans contour" in p.geo["qualite_geo_motif"]
    p = place(lieu(2.35, 48.85, "Nouméa", "98800"), geography, locator, "EPSG:4326")     # placed in Paris
    assert (p.geo["departement_code"], p.geo["qualite_geo"]) == ("988", "absente")      # no centre known: no point


@pytest.mark.parametrize("code_postal, commune, code_insee, departement", [
    ("97500", "Saint-Pierre", "97502", "975"), ("97133", "Saint-Barthélemy", "97701", "977"),
    ("97150", "Saint-Martin", "97801", "978"), ("98600", "Uvea", "98613", "986"),
    ("98714", "Papeete", "98735", "987"), ("98800", "Nouméa", "98818", "988"),
])
def test_collectivites_communes_and_postcodes_come_from_the_cog(geography, locator, code_postal, commune, code_insee, departement):
    p = place(lieu(None, None, commune, code_postal), geography, locator, "EPSG:4326")
    assert p.values.get("code_insee") == code_insee and p.geo["departement_code"] == departement
    assert p.geo["departement_nom"] == geography.departement_nom(departement)


def test_qualites_are_documented_once():
    assert set(PRECISES) | set(APPROXIMATIVES) | {"hors_departement", "absente", "non_verifiee"} == set(QUALITES)


def test_reference_build_keeps_no_point_far_from_its_commune(reference_db, geography):
    """Every point kept (source or corrected) lies within the tolerance of its commune, or off its coast."""
    with sqlite3.connect(reference_db) as conn:
        rows = conn.execute("select id, code_insee, longitude, latitude, qualite_geo from lieux where latitude is not null").fetchall()
    kept = [r for r in rows if r[4] in PRECISES and r[1] in geography.outlines]
    assert len(kept) > 6000
    for lieu_id, code, lon, lat, _ in kept:
        d = geography.outlines.distance_m(code, lon, lat)
        assert d <= TOLERANCE_M or (d <= COAST_M and not geography.outlines.locate(lon, lat)), (lieu_id, d)


@pytest.mark.parametrize("lieu_id, km, inside", [
    ("mednum-bfc-mednumBFC_TL_260_", "22,0 km", "Lormes"),           # Château-Chinon (Campagne), the issue's 21 km
    ("mednum-bfc-mednumBFC_TL_321_", "52,6 km", "La Charité-sur-Loire"),   # Dornes, the issue's 52 km
])
def test_the_issues_far_points_are_moved_to_their_commune(reference_db, geography, lieu_id, km, inside):
    with sqlite3.connect(reference_db) as conn:
        [(code, lon, lat, qualite, motif)] = conn.execute(
            "select code_insee, longitude, latitude, qualite_geo, qualite_geo_motif from lieux where id = ?", (lieu_id,)).fetchall()
        corrections = conn.execute("select champ, valeur_source from corrections where source = 'mednum-bfc' and motif = ?",
                                   (motif,)).fetchall()
    assert qualite == "centre_commune" and f"à {km} de la commune" in motif and f"dans la commune {inside}" in motif
    assert (lon, lat) == geography.communes[code].centre
    assert {c for c, _ in corrections} == {"latitude", "longitude"}         # the source point is kept in corrections
