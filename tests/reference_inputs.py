"""Which file of ../shared/reference has the shape of each source, for tests that build the real lists.

Tests serve ../shared/reference over a local HTTP server and pass these files to the build with
--input SOURCE_ID=URL, so the download path is exercised as well.
"""

REFERENCE_INPUTS = {
    "mediation-numerique": "standard-mediation-num/exemple-valide.csv",
    "france-services": "anct-carto-france_services/data/liste-fs-20240801.csv",
    "france-services-2020": "aidants-connect-carto/data/national/france_services/france_services_cget-carto.csv",
    "conseillers-numeriques": "anct-carto-conseillers-numeriques/data/cnfs.json",
    # Hub and local lists (sources/README.md).
    "hinaura": "aidants-connect-carto/data/hub/hub_hinaura/092020_test_bdd_Hinaura.csv",
    "hubik-gironde": "aidants-connect-carto/data/hub/hub_hubik/gironde/Cartographies departements - Gironde.csv",
    "hubik-lot-et-garonne": "aidants-connect-carto/data/hub/hub_hubik/lot_et_garonne/Cartographies departements - Lot-et-Garonne.csv",
    "francilin": "aidants-connect-carto/data/hub/hub_francilin/source_source_fichier_normalise.csv",
    "les-assembleurs": "aidants-connect-carto/data/hub/hub_les_assembleurs/siilab-hdf_export.csv",
    "mednum-bfc": "aidants-connect-carto/data/hub/hub_mednum_bfc/2020-07-09_BFC-TERNUM_export.csv",
    "auvergne-epn": "aidants-connect-carto/data/region/region_auvergne/espaces_numeriques/espaces_numeriques_en_auvergne.csv",
    "corse-epn": "aidants-connect-carto/data/region/region_corse/epn/carte-des-epn-de-corse.csv",
    "nantes": "aidants-connect-carto/data/ville/ville_nantes/lieux-pratiques-numeriques-nantes.csv",
    "aidants-connect": "aidants-connect-carto/data/national/aidants_connect/BDD Lieux en ligne 2020-05-26.csv",
    "angers": "cartographie-nationale-mednum-cli/assets/input/angers/angers.json",
    "corse": "cartographie-nationale-mednum-cli/assets/input/corse/corse.json",
    "etapes-numeriques": "cartographie-nationale-mednum-cli/assets/input/etapes-numerique/etapes-numerique.json",
    "fibre-64": "cartographie-nationale-mednum-cli/assets/input/fibre-64/fibre-64.json",
    "gironde": "cartographie-nationale-mednum-cli/assets/input/gironde/gironde.json",
    "hub-lo": "cartographie-nationale-mednum-cli/assets/input/hub-lo/hub-lo.json",
    "la-creuse": "cartographie-nationale-mednum-cli/assets/input/la-creuse/la-creuse.json",
    "aix-en-provence": "cartographie-nationale-mednum-cli/assets/input/aix-en-provence/aix-en-provence.json",
    "cartographie-nationale-2022": "cartographie-nationale-client-application/src/assets/data/source.json",
    "hubs-territoriaux": "anct-cnum-api-conseiller-numerique/data/imports/hubs.json",
    "fabriques-de-territoire": "anct-carto-superposeur-anct/data/geom/geojsonV2/fabt_geom.geojson",
    "aptic": "aidants-connect-carto/data/national/aptic/referentiel_aptic.csv",
}

# The reference geography, under ../shared/reference/geo (see lieux/geo/reference.py for the official URLs).
GEO_REFERENCE_INPUTS = {
    "geo-communes": "geo/geo-api-communes.json",
    "geo-cog-communes": "geo/decoupage-administratif/communes.json",
    "geo-cog-departements": "geo/decoupage-administratif/departements.json",
    "geo-cog-regions": "geo/decoupage-administratif/regions.json",
    "geo-codes-postaux": "geo/laposte/019HexaSmal.csv",
    "geo-departements-contours": "geo/france-geojson/departements-avec-outre-mer.geojson",
    "geo-regions-contours": "geo/france-geojson/regions-avec-outre-mer.geojson",
    # A stand-in in the shape of Etalab's contours administratifs (see ../shared/reference/geo/SOURCES.md).
    "geo-communes-contours": "geo/communes-contours.geojson.gz",
}
