"""Every threshold of fetch, build and refresh, in one place (documented in README, « Mise à jour »).

A share is a fraction of the count in the database being served (or in the last good copy of a file).
"""

# fetch: a downloaded file with fewer records than this share of the last good copy is refused
# (the copy is kept, the source is marked `perimee`).
FETCH_COLLAPSE_RATIO = 0.5

# refresh: a source whose loaded rows fall by more than this share, or that fails or becomes unreadable,
# keeps its last good rows (those of the served database), marked `perimee` with the reason. Lower than
# FETCH_COLLAPSE_RATIO's half: a file half empty passes the download check and is caught here.
SOURCE_MAX_LOSS = 0.3

# refresh: the new database is not published when the whole directory loses more than this share
# of its lieux (after the stale sources kept their rows). Exit code 3.
DIRECTORY_MAX_LOSS = 0.1

# build: any decrease of the number of lieux stops the build unless --accepter-baisse is given.
BUILD_MAX_LOSS = 0.0

# refresh: how many published versions stay on disk (the served one included); older are deleted.
VERSIONS_KEPT = 3

# changements: how long a change stays in the table (and in /api/changements).
CHANGES_KEPT_DAYS = 400

# producer reports: a date_maj older than this many days is reported.
DATE_MAJ_OLD_DAYS = 365

# refresh: a second refresh waits at most this long for the lock, then gives up (exit 4).
LOCK_WAIT_SECONDS = 0
