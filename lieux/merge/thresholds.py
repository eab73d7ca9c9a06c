"""The matcher's thresholds: the one place where its behaviour is tuned (README, « Fusion »)."""

# Thresholds: the one place where the matcher's behaviour is tuned (see README, « Fusion »).
# Similarities are rapidfuzz scores from 0 to 100; distances are in metres.
NAME_MIN_ADDRESS = 80     # same address: names at least this similar
NAME_MIN_NEAR = 85        # no shared address: names at least this similar ...
NEAR_M = 90               # ... and at most this far apart
NAME_MIN_SIRET = 60       # same SIRET, no shared address and not close: names at least this similar
SIRET_NEAR_M = 150        # same SIRET: this close counts as the same site
SAME_DOOR_M = 30          # same street, another house number, this close: the same door (geocoding noise)
ADDRESS_MAX_M = 500       # one address this far apart (two precise points) is two places
ADDRESS_MIN = 90          # two addresses this similar, with the same house number, are the same
RARE_WORD_ROWS = 5        # a name word this few rows have is a proper name (rule adresse-mot)
KIND_PENALTY = 0.8        # names of which only one says the kind of place (médiathèque, MJC...): score × this
SHARED_KEY_MAX_ROWS = 20  # a SIRET or contact more rows of one commune give is a network's (no evidence)
GRID_M = 100              # blocking grid: cells at least this wide (more than NEAR_M) up to 52° of latitude
