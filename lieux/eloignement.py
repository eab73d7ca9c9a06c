"""How far a result is, told honestly: within a sensible distance, or too far or across the sea (pure functions).

A person in Mayotte must not be sent to La Réunion as if it were next door, nor someone in Ajaccio
to Nice: a lieu is "éloigné" when it is farther than SENSIBLE_KM or in another territory than the
place searched (France métropolitaine continentale, Corse, and each overseas département or
collectivité are territories: the sea lies between them).
"""

from __future__ import annotations

SENSIBLE_KM = 50
# The centre of a search by coordinates, as a sentence names it.
POSITIONS = {"position donnée": "la position donnée", "votre position": "votre position"}
CORSICA = ("2A", "2B")
# The French way to say "in" each territory (the overseas ones have their own preposition).
OVERSEAS = {
    "971": "en Guadeloupe", "972": "en Martinique", "973": "en Guyane", "974": "à La Réunion",
    "975": "à Saint-Pierre-et-Miquelon", "976": "à Mayotte", "977": "à Saint-Barthélemy", "978": "à Saint-Martin",
    "984": "dans les Terres australes et antarctiques françaises", "986": "à Wallis-et-Futuna",
    "987": "en Polynésie française", "988": "en Nouvelle-Calédonie", "989": "à Clipperton",
}


def territory(departement: str | None) -> str | None:
    """The territory key of a département code: "metropole", "corse", an overseas code, or None if unknown."""
    if not departement:
        return None
    departement = str(departement).upper()
    if departement in CORSICA or departement == "20":
        return "corse"
    if departement[:3] in OVERSEAS:
        return departement[:3]
    if len(departement) == 2 and departement.isdigit():
        return "metropole"
    return None


def in_territory(departement: str | None) -> str | None:
    """ "à Mayotte", "en Corse", "en France métropolitaine" (None if unknown)."""
    t = territory(departement)
    if t is None:
        return None
    return {"metropole": "en France métropolitaine", "corse": "en Corse"}.get(t) or OVERSEAS[t]


def territory_name(departement: str | None) -> str | None:
    """ "Mayotte", "Corse", "France métropolitaine": the territory without its preposition."""
    text = in_territory(departement)
    return text.split(" ", 1)[1] if text else None


def format_km(km: float) -> str:
    """ "350 m", "1,2 km", "12 km", "1 408 km" (thousands with a no-break space)."""
    if km < 1:
        return f"{max(10, round(km * 1000, -1)):.0f} m"
    if km < 10:
        return f"{km:.1f} km".replace(".", ",")
    return f"{km:,.0f} km".replace(",", "\u00a0")


def is_far(distance_km: float | None, lieu_departement: str | None, centre_departement: str | None) -> bool:
    """Beyond a sensible distance, or across the sea from the place searched."""
    if distance_km is None:
        return False
    if distance_km > SENSIBLE_KM:
        return True
    here, there = territory(centre_departement), territory(lieu_departement)
    return here is not None and there is not None and here != there


def far_label(distance_km: float, lieu_departement: str | None, centre_departement: str | None = None,
              commune: str | None = None) -> str:
    """ "à 1 408 km, à Mayotte" (another territory, or the centre's unknown); "à 211 km (Rennes)" otherwise."""
    here, there = territory(centre_departement), territory(lieu_departement)
    if there is not None and (here is None or here != there):
        return f"à {format_km(distance_km)}, {in_territory(lieu_departement)}"
    return f"à {format_km(distance_km)}" + (f" ({commune})" if commune else "")


def nothing_near(centre_label: str, nearest: dict, centre_departement: str | None) -> str:
    """The honest sentence when every result is éloigné (nearest: a lieu row with distance_km)."""
    where = far_label(nearest["distance_km"], nearest.get("departement_code"), centre_departement, nearest.get("commune"))
    centre_label = POSITIONS.get(centre_label, centre_label)
    return (f"Aucun lieu recensé à moins de {SENSIBLE_KM} km de {centre_label}. "
            f"Le plus proche est {where} ; nous l'indiquons quand même.")
