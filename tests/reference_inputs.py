"""Which file of ../shared/reference has the shape of each source, for tests that build the real lists.

Tests serve ../shared/reference over a local HTTP server and pass these files to the build with
--input SOURCE_ID=URL, so the download path is exercised as well.
"""

REFERENCE_INPUTS = {
    "mediation-numerique": "standard-mediation-num/exemple-valide.csv",
    "france-services": "anct-carto-france_services/data/liste-fs-20240801.csv",
    "conseillers-numeriques": "anct-carto-conseillers-numeriques/data/cnfs.json",
    "hubs-territoriaux": "anct-cnum-api-conseiller-numerique/data/imports/hubs.json",
    "fabriques-de-territoire": "anct-carto-superposeur-anct/data/geom/geojsonV2/fabt_geom.geojson",
    "aptic": "aidants-connect-carto/data/national/aptic/referentiel_aptic.csv",
}
