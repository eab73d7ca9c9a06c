"""The OpenAPI 3 description of the JSON API (/api/openapi.json), built from the standard's schema.

Field descriptions and filter vocabularies come from schemas/lieux-mediation-numerique/schema.json,
so the API documentation follows the standard when it changes. User-facing text is French.
"""

from __future__ import annotations

from functools import lru_cache

from . import messages, positions, schemas

VERSION = "1.0.0"
MAX_N = 100
DEFAULT_N = 10
MAX_RADIUS_KM = 1000
MAX_TEXT = 200
# The filters of /api/proches: multi-valued fields of the standard with a closed vocabulary.
FILTERS = (
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "modalites_acces",
)
GEOJSON = "application/geo+json"
# What the API adds to the standard's fields, on every lieu.
ADDED_FIELDS = ["url", "departement", "qualite_geo", "position_approximative", "sources", "ouvert_maintenant",
                "jour_ferie"]
# "maintenant", or a date-time that exists, years 1970 to 2100 (as lieux/horaires.parse_ouvert accepts):
# days 01-28 of any month, 29-30 but in February, 31 in the long months, 29 February in leap years.
_YEAR = "(19[7-9][0-9]|20[0-9][0-9]|2100)"
_DAY = ("(" + _YEAR + "-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)"
        "|(19(7[26]|8[048]|9[26])|20([02468][048]|[13579][26]))-02-29)")
OUVERT_PATTERN = "^(maintenant|" + _DAY + "T([01][0-9]|2[0-3]):[0-5][0-9])$"


@lru_cache(maxsize=None)
def vocabulary(field: str) -> tuple[str, ...]:
    """The values the standard allows in a multi-valued field (empty when it does not fix a list)."""
    for f in schemas.load_schema(schemas.LIEUX)["fields"]:
        if f["name"] == field:
            return tuple(messages.vocabulary(f))
    raise ValueError(f"{field} is not a field of the standard")


def field_schema(field: dict) -> dict:
    multi = set(schemas.multi_valued(schemas.LIEUX))
    description = (field.get("description") or field.get("title") or field["name"]).strip()
    if field["name"] in multi:
        return {"type": "array", "items": {"type": "string"}, "nullable": True,
                "description": description + " (liste de valeurs)"}
    if field["type"] in ("number", "integer"):
        return {"type": field["type"], "nullable": True, "description": description}
    out = {"type": "string", "nullable": True, "description": description}
    if field["type"] == "date":
        out["format"] = "date"
    return out


SUIVANT = {"type": "string", "nullable": True,
           "description": "Adresse de la page suivante (mêmes paramètres et un curseur stable) ; null quand il n'y "
                          "a plus de lieux."}


def lieu_properties() -> dict:
    return {f["name"]: field_schema(f) for f in schemas.load_schema(schemas.LIEUX)["fields"]}


def error_response(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Erreur"}}}}


def filter_parameter(field: str) -> dict:
    values = vocabulary(field)
    return {
        "name": field, "in": "query", "required": False, "style": "form", "explode": True,
        "description": (f"Ne garder que les lieux ayant au moins une de ces valeurs dans « {field} ». "
                        "Répétez le paramètre ou séparez les valeurs par « | ». Plusieurs champs se combinent (et)."),
        "schema": {"type": "array", "items": {"type": "string", "enum": list(values)}},
    }


def document() -> dict:
    standard = schemas.load_schema(schemas.LIEUX)
    fields = [f["name"] for f in standard["fields"]]
    lieu = {
        "type": "object",
        "description": f"Un lieu, avec les {len(fields)} champs du standard {standard.get('name')} "
                       f"{standard.get('version', '')} (les champs à valeurs multiples sont des listes).",
        "required": fields + ADDED_FIELDS,
        "properties": {
            **lieu_properties(),
            "url": {"type": "string", "description": "Adresse de la page du lieu sur ce site (/lieu/<id>)."},
            "departement": {"type": "object", "nullable": True, "required": ["code", "nom"],
                            "description": "Le département du lieu (code INSEE et nom) ; null s'il est inconnu.",
                            "properties": {"code": {"type": "string"}, "nom": {"type": "string", "nullable": True}}},
            "sources": {"type": "array", "items": {"type": "string"},
                        "description": "Identifiants des listes publiées d'où vient le lieu (table sources)."},
            "qualite_geo": {"type": "string", "nullable": True,
                            "description": "Qualité du point : source (point de la source, vérifié), "
                                           "corrigee-inversion, corrigee-signe, corrigee-projection (point corrigé), "
                                           "centre_commune (centre de la commune : le point n'est pas celui du "
                                           "lieu), hors_departement (à vérifier), absente (aucun point), "
                                           "non_verifiee (référentiel absent)."},
            "position_approximative": {"type": "boolean",
                                       "description": "Vrai quand le point n'est pas celui du lieu (qualite_geo "
                                                      f"parmi : {', '.join(positions.APPROXIMATIVES)}) : la distance "
                                                      "est alors celle du centre de la commune."},
            "ouvert_maintenant": {"type": "boolean", "nullable": True,
                                  "description": "Ouvert à l'instant, dans le fuseau horaire du lieu ; null si "
                                                 "les horaires sont absents ou illisibles, si c'est un jour "
                                                 "férié dont les horaires ne disent rien (pas de règle PH), ou si "
                                                 "le lieu n'accueille pas de public (modalites_acces)."},
            "jour_ferie": {"type": "string", "nullable": True,
                           "description": "Le jour férié du jour dans le territoire du lieu (métropole, "
                                          "Alsace-Moselle, chaque département ou collectivité d'outre-mer), "
                                          "à l'heure du lieu ; null sinon."},
        },
    }
    lieu_proche = {"allOf": [{"$ref": "#/components/schemas/Lieu"}, {
        "type": "object", "required": ["distance_km"],
        "properties": {"distance_km": {"type": "number", "minimum": 0,
                                       "description": "Distance à vol d'oiseau (orthodromique) depuis le centre, en km."},
                       "eloigne": {"type": "boolean",
                                   "description": "Vrai quand le lieu est à plus de la distance raisonnable "
                                                  "(distance_raisonnable_km) ou dans un autre territoire que la "
                                                  "commune cherchée (la mer entre les deux : Corse, outre-mer)."},
                       "distance_libelle": {"type": "string",
                                            "description": "La distance en français, avec le territoire quand le "
                                                           "lieu est éloigné : « à 1 408 km, à Mayotte »."},
                       "territoire": {"type": "string", "nullable": True,
                                      "description": "Territoire du lieu : « France métropolitaine », « Corse », "
                                                     "« La Réunion », « Mayotte »…"}},
    }]}
    commune = {
        "type": "object", "required": ["code", "nom", "departement", "population"],
        "description": "Une commune (ou un arrondissement municipal) du code officiel géographique.",
        "properties": {
            "code": {"type": "string", "description": "Code INSEE de la commune ou de l'arrondissement municipal."},
            "nom": {"type": "string"},
            "departement": {"type": "string", "nullable": True, "description": "Code du département (974, 2A…)."},
            "departement_nom": {"type": "string", "nullable": True},
            "population": {"type": "integer", "nullable": True, "description": "Population légale."},
            "type": {"type": "string", "enum": ["commune-actuelle", "arrondissement-municipal"]},
            "libelle": {"type": "string", "description": "Nom qui la distingue : « Saint-Denis (93) »."},
            "latitude": {"type": "number"},
            "longitude": {"type": "number"},
            "ancienne_commune": {
                "type": "object", "nullable": True,
                "description": "La commune déléguée ou associée dont le nom a été tapé, quand c'est par elle que "
                               "la commune a été trouvée.",
                "properties": {"code": {"type": "string"}, "nom": {"type": "string"},
                               "type": {"type": "string", "enum": ["commune-deleguee", "commune-associee"]}}},
        },
    }
    candidate = {"allOf": [{"$ref": "#/components/schemas/Commune"}, {
        "type": "object", "required": ["libelle", "choix", "url"], "properties": {
            "detail": {"type": "string", "description": "Département, population, ancienne commune."},
            "choix": {"type": "string", "description": "Texte à passer dans q pour choisir ce candidat."},
            "url": {"type": "string", "description": "La même recherche, ce candidat choisi."}}}]}
    place_context = {
        "commune": {"allOf": [{"$ref": "#/components/schemas/Commune"}], "nullable": True,
                    "description": "La commune retenue (null pour une recherche par lat et lon)."},
        "notes": {"type": "array", "items": {"type": "string"},
                  "description": "Ce que la recherche a compris, en français : ancienne commune menant à sa "
                                 "commune nouvelle, adresse réduite à sa commune ou localisée…"},
        "avertissement": {"type": "string", "nullable": True,
                          "description": "Présent quand aucun lieu n'est à une distance raisonnable : les lieux "
                                         "renvoyés sont les plus proches quand même, chacun marqué eloigne."},
        "distance_raisonnable_km": {"type": "number"},
    }
    centre = {
        "type": "object", "required": ["latitude", "longitude", "libelle"],
        "properties": {
            "latitude": {"type": "number", "minimum": -90, "maximum": 90},
            "longitude": {"type": "number", "minimum": -180, "maximum": 180},
            "libelle": {"type": "string", "description": "La commune ou la position retenue."},
        },
    }
    point = {"type": "object", "required": ["type", "coordinates"], "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2,
                        "description": "[longitude, latitude] en WGS84."}}}
    feature = {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"type": "string"},
        "geometry": {"$ref": "#/components/schemas/Point"},
        "properties": {"$ref": "#/components/schemas/LieuProche"}}}
    feature_lieu = {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"type": "string"},
        "geometry": {**point, "nullable": True, "description": "null quand le lieu n'a pas de coordonnées."},
        "properties": {"$ref": "#/components/schemas/Lieu"}}}
    place_parameters = [
        {"name": "lat", "in": "query", "required": False,
         "description": "Latitude du centre de la recherche (WGS84, degrés décimaux). À donner avec lon.",
         "schema": {"type": "number", "minimum": -90, "maximum": 90}},
        {"name": "lon", "in": "query", "required": False,
         "description": "Longitude du centre de la recherche (WGS84, degrés décimaux). À donner avec lat.",
         "schema": {"type": "number", "minimum": -180, "maximum": 180}},
        {"name": "commune", "in": "query", "required": False,
         "description": "Nom ou code INSEE d'une commune, à la place de lat/lon (son centre sert de point de départ). "
                        "Le nom s'écrit comme on veut : « Saint-Denis 93 », « Saint-Denis (974) », « St Denis La "
                        "Réunion », « Paris 13e », « Lyon 3e », « Marseille XIII », le nom d'une commune déléguée. "
                        "Un nom porté par plusieurs communes répond 300 avec la liste candidats. Vide : ignoré.",
         "schema": {"type": "string", "maxLength": MAX_TEXT}},
        {"name": "code_postal", "in": "query", "required": False,
         "description": "Code postal à cinq chiffres, à la place de lat/lon. Partagé par plusieurs communes : 300 "
                        "avec candidats, sauf si commune nomme l'une d'elles. Vide : ignoré.",
         "schema": {"type": "string", "pattern": "^([0-9]{5})?$"}},
        {"name": "q", "in": "query", "required": False,
         "description": "Texte libre : commune (mêmes formes que commune), code postal suivi ou non du nom, ou "
                        "adresse (« 12 rue de la Paix 29200 Brest »), réduite à sa commune, ou localisée à la rue "
                        "si le service d'adresses est configuré sur ce serveur. Vide : ignoré.",
         "schema": {"type": "string", "maxLength": MAX_TEXT}},
    ]
    search_parameters = [
        {"name": "n", "in": "query", "required": False,
         "description": f"Nombre de lieux à renvoyer, de 1 à {MAX_N} (par défaut {DEFAULT_N}).",
         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_N, "default": DEFAULT_N}},
        {"name": "rayon_km", "in": "query", "required": False,
         "description": f"Ne garder que les lieux à moins de cette distance, en km (au plus {MAX_RADIUS_KM}).",
         "schema": {"type": "number", "exclusiveMinimum": True, "minimum": 0, "maximum": MAX_RADIUS_KM}},
        *[filter_parameter(f) for f in FILTERS],
        {"name": "ouvert", "in": "query", "required": False,
         "description": ("« maintenant » : ne garder que les lieux ouverts à l'instant, à l'heure du lieu ; "
                         "AAAA-MM-JJTHH:MM (par exemple 2026-12-25T10:00) : ouverts à cette date et cette heure, "
                         "lues dans le fuseau horaire de chaque lieu. Un jour férié du territoire du lieu, il "
                         "n'est retenu que si ses horaires le disent avec PH. Les lieux aux horaires absents ou "
                         "illisibles, et ceux qui n'accueillent pas de public, sont exclus."),
         "schema": {"type": "string", "pattern": OUVERT_PATTERN}},
        {"name": "format", "in": "query", "required": False,
         "description": "« json » (par défaut) ou « geojson » pour une FeatureCollection.",
         "schema": {"type": "string", "enum": ["json", "geojson"], "default": "json"}},
        {"name": "curseur", "in": "query", "required": False,
         "description": "Page suivante : ne se fabrique pas, se reprend de l'adresse « suivant » de la réponse "
                        "précédente (mêmes paramètres ; seul n peut changer). Il reste valable tant que la base "
                        "n'est pas reconstruite.",
         "schema": {"type": "string", "maxLength": 400, "pattern": "^[A-Za-z0-9_-]*$"}},
    ]
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "API des lieux de médiation numérique",
            "version": VERSION,
            "description": (
                "Les lieux d'inclusion numérique les plus proches d'un point, d'une commune ou d'un code postal, "
                "au format du standard national des lieux de médiation numérique. Distances exactes "
                "(orthodromiques, rayon terrestre moyen 6 371,0088 km), du plus proche au plus loin. "
                "Accès libre, sans clé ; CORS ouvert pour GET. Les erreurs répondent "
                "{\"erreur\": \"…\"} avec un message en français : un paramètre que l'opération ne décrit pas "
                "répond 400 en nommant les paramètres possibles (une faute de frappe ne renvoie jamais des "
                "résultats non filtrés), une adresse inconnue sous /api/ répond 404. Chaque réponse porte un "
                "ETag tiré de la construction de la base, Last-Modified et Cache-Control ; une requête "
                "conditionnelle (If-None-Match) répond 304."),
            "license": {"name": "Licence Ouverte 2.0 (données)",
                        "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"},
        },
        "paths": {
            "/api/proches": {"get": {
                "operationId": "lieuxProches",
                "summary": "Les lieux les plus proches",
                "description": (
                    "Donnez le centre par lat et lon, ou par commune, code_postal ou q (dans cet ordre de "
                    "priorité). Les filtres gardent les lieux ayant au moins une des valeurs demandées pour "
                    "chaque champ filtré."),
                "parameters": place_parameters + search_parameters,
                "responses": {
                    "200": {"description": "Les lieux, du plus proche au plus loin.", "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Proches"}},
                        GEOJSON: {"schema": {"$ref": "#/components/schemas/ProchesGeoJSON"}}}},
                    "300": {"description": (
                        "Le nom ou le code postal désigne plusieurs communes : rien n'est choisi à votre place. "
                        "candidats les liste, la plus peuplée d'abord ; refaites la demande avec l'url (ou le "
                        "choix, dans q) de l'un d'eux."),
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ambigu"}}}},
                    "400": error_response("Paramètre manquant ou invalide."),
                    "404": {"description": (
                        "Commune, code postal ou texte introuvable ; ou aucun lieu ne répond à la recherche (à cette "
                        "distance, avec ces filtres) : erreur dit pourquoi et, si une distance limite la recherche, "
                        "où est le plus proche."),
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Vide"}}}},
                }}},
            "/api/lieux/{id}": {"get": {
                "operationId": "lieu",
                "summary": "Un lieu",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "description": "Identifiant du lieu (champ id).",
                     "schema": {"type": "string", "minLength": 1}},
                    {"name": "format", "in": "query", "required": False,
                     "description": "« json » (par défaut) ou « geojson » pour une Feature.",
                     "schema": {"type": "string", "enum": ["json", "geojson"], "default": "json"}},
                ],
                "responses": {
                    "200": {"description": "Le lieu.", "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Lieu"}},
                        GEOJSON: {"schema": {"$ref": "#/components/schemas/LieuGeoJSON"}}}},
                    "400": error_response("Paramètre invalide."),
                    "404": error_response("Aucun lieu n'a cet identifiant."),
                }}},
            **changes_paths(),
        },
        "components": {"schemas": {
            **changes_schemas(),
            "Lieu": lieu,
            "LieuProche": lieu_proche,
            "Centre": centre,
            "Point": point,
            "Proches": {"type": "object", "required": ["lieux", "nombre", "centre"], "properties": {
                "centre": {"$ref": "#/components/schemas/Centre"},
                "nombre": {"type": "integer", "minimum": 1, "description": "Nombre de lieux renvoyés."},
                "rayon_km": {"type": "number", "nullable": True},
                "lieux": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/LieuProche"}},
                **place_context,
                "suivant": SUIVANT}},
            "ProchesGeoJSON": {"type": "object", "required": ["type", "features"], "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "centre": {"$ref": "#/components/schemas/Centre"},
                "features": {"type": "array", "items": {"$ref": "#/components/schemas/Feature"}},
                **place_context,
                "suivant": SUIVANT}},
            "Commune": commune,
            "Candidat": candidate,
            "Ambigu": {"type": "object", "required": ["erreur", "candidats"], "properties": {
                "erreur": {"type": "string", "description": "Ce qu'il faut préciser, en français."},
                "candidats": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Candidat"},
                              "description": "Les communes possibles, la plus peuplée d'abord."},
                "notes": {"type": "array", "items": {"type": "string"}}}},
            "Vide": {"type": "object", "required": ["erreur"], "properties": {
                "erreur": {"type": "string", "description": "Pourquoi rien n'est trouvé et quoi changer, en français."},
                "centre": {"$ref": "#/components/schemas/Centre"},
                "nombre": {"type": "integer", "enum": [0]},
                "lieux": {"type": "array", "maxItems": 0, "items": {}},
                **place_context}},
            "Feature": feature,
            "LieuGeoJSON": feature_lieu,
            "Erreur": {"type": "object", "required": ["erreur"], "properties": {
                "erreur": {"type": "string", "description": "Ce qui ne va pas et comment corriger, en français."}}},
        }},
    }


# --- changes for reusers (plugins/changements.py, lieux/flux.py) -----------------------------------

VALIDATOR_HEADERS = {
    "ETag": {"description": "Version de la réponse, qui change à chaque construction de la base : renvoyez-la dans "
                            "If-None-Match pour recevoir 304 quand rien n'a changé.", "schema": {"type": "string"}},
    "Last-Modified": {"description": "Date de la construction de la base.", "schema": {"type": "string"}},
}
NOT_MODIFIED = {"description": "Votre copie est à jour (If-None-Match ou If-Modified-Since)."}


def changes_paths() -> dict:
    day = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
    departement = {"name": "departement", "in": "query", "description": "Code du département (01, 2A, 974…).",
                   "schema": {"type": "string", "pattern": "^(?:[0-9]{2}|2[AB]|97[0-9])$"}}
    return {
        "/api/changements": {"get": {
            "operationId": "changements",
            "summary": "Les changements depuis une date",
            "description": ("Lieux ajoutés, modifiés (avec les champs du standard qui ont changé), fusionnés avec un "
                            "autre lieu ou retirés, construction après construction, du plus ancien au plus récent. "
                            "Pages : suivez « suivant » jusqu'à ce qu'il vaille null. Les changements sont gardés "
                            "400 jours."),
            "parameters": [
                {"name": "depuis", "in": "query", "required": True, "description": "Premier jour (AAAA-MM-JJ).",
                 "schema": day},
                {"name": "jusqu_a", "in": "query", "description": "Dernier jour (AAAA-MM-JJ).", "schema": day},
                {**departement, "required": False},
                {"name": "nature", "in": "query", "description": "ajout, modification, suppression ou fusion "
                 "(plusieurs séparées par |).", "schema": {"type": "string", "pattern": "^(ajout|modification|suppression|fusion)(\\|(ajout|modification|suppression|fusion))*$"}},
                {"name": "apres", "in": "query", "description": "Curseur de page : l'id du dernier changement reçu.",
                 "schema": {"type": "integer", "minimum": 0, "maximum": 999999999}},
                {"name": "taille", "in": "query", "description": "Changements par page (1 à 1000, 100 par défaut).",
                 "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
            ],
            "responses": {
                "200": {"description": "Une page de changements.", "headers": VALIDATOR_HEADERS,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Changements"}}}},
                "304": NOT_MODIFIED,
                "400": error_response("Paramètre manquant, invalide ou inconnu."),
            }}},
        "/api/changements.atom": {"get": {
            "operationId": "changementsAtom",
            "summary": "Flux Atom des changements de la semaine dans un département",
            "parameters": [
                {**departement, "required": True},
                {"name": "jours", "in": "query", "description": "Nombre de jours (1 à 31, 7 par défaut).",
                 "schema": {"type": "integer", "minimum": 1, "maximum": 31, "default": 7}},
            ],
            "responses": {
                "200": {"description": "Le flux Atom (RFC 4287), une entrée par changement.", "headers": VALIDATOR_HEADERS,
                        "content": {"application/atom+xml": {"schema": {"type": "string"}}}},
                "304": NOT_MODIFIED,
                "400": error_response("Département manquant ou invalide."),
            }}},
        "/api/lieux.ndjson": {"get": {
            "operationId": "lieuxNdjson",
            "summary": "Tous les lieux, un objet JSON par ligne (NDJSON), en flux",
            "description": "Les champs du standard (listes pour les champs à plusieurs valeurs), puis departement, "
                           "qualite_geo et sources. Sans paramètre.",
            "responses": {
                "200": {"description": "Un lieu par ligne.", "headers": VALIDATOR_HEADERS,
                        "content": {"application/x-ndjson": {"schema": {"type": "string"}}}},
                "304": NOT_MODIFIED,
                "400": error_response("Paramètre inconnu."),
            }}},
    }


def changes_schemas() -> dict:
    return {
        "Changement": {"type": "object", "required": ["id", "lieu_id", "nature", "date"], "properties": {
            "id": {"type": "integer", "description": "Numéro du changement (croissant)."},
            "lieu_id": {"type": "string"},
            "nature": {"type": "string", "enum": ["ajout", "modification", "suppression", "fusion"]},
            "date": {"type": "string", "format": "date", "description": "Jour de la construction."},
            "champs": {"type": "array", "items": {"type": "string"}, "description": "Champs du standard modifiés."},
            "fusionne_dans": {"type": "string", "nullable": True, "description": "Lieu qui décrit désormais ce lieu."},
            "nom": {"type": "string", "nullable": True}, "commune": {"type": "string", "nullable": True},
            "departement_code": {"type": "string", "nullable": True},
            "sources": {"type": "array", "items": {"type": "string"}},
            "url": {"type": "string", "nullable": True, "description": "Page du lieu (absent pour un lieu retiré)."}}},
        "Changements": {"type": "object", "required": ["depuis", "nombre", "changements", "suivant"], "properties": {
            "depuis": {"type": "string", "format": "date"},
            "nombre": {"type": "integer", "minimum": 0, "description": "Nombre total de changements demandés."},
            "changements": {"type": "array", "items": {"$ref": "#/components/schemas/Changement"}},
            "suivant": {"type": "string", "nullable": True, "description": "Page suivante, ou null."},
            "construit_le": {"type": "string"}}},
    }
