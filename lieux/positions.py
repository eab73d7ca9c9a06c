"""How precise a lieu's point is: the one list of `qualite_geo` values whose point is not the place's own.

The geography step (lieux/geo/normalise.py) sets `qualite_geo`; the API, the pages and the map read
`position_approximative` from here, so a new value meaning "not the place's own point" is added once.
"""

from __future__ import annotations

# qualite_geo -> what the point is, in French ("le point est le …").
APPROXIMATIVES = {
    "centre_commune": "centre de la commune",
}


def approximative(qualite_geo) -> bool:
    """True when the point is not the place's own (e.g. its commune's centre)."""
    return qualite_geo in APPROXIMATIVES


def what_the_point_is(qualite_geo) -> str | None:
    """ "centre de la commune" for an approximate point, None for a precise one."""
    return APPROXIMATIVES.get(qualite_geo)
