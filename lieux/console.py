"""What the build says on the console: a progress line per source on a terminal, then the closing report.

Pure text, apart from `Progress`, which writes to a stream it is given.
"""

from __future__ import annotations

import time
from collections import Counter

# Short French labels of the rejection codes (the `rejets` table), for the three main reasons per source.
REASON_LABELS = {
    "constraint-error": "contrainte du schéma",
    "type-error": "type incorrect",
    "unique-error": "identifiant en double",
    "primary-key": "identifiant en double",
    "valeur-invalide": "valeur inutilisable",
    "ligne-mal-formee": "ligne mal formée",
    "millesime-remplace": "absent du millésime courant",
}


def reason_label(issue) -> str:
    """« adresse absente », « code_postal : contrainte du schéma », « ligne mal formée »."""
    if issue.code == "constraint-error" and issue.field and issue.value in (None, ""):
        return f"{issue.field} absent"
    label = REASON_LABELS.get(issue.code, issue.code)
    return f"{issue.field} : {label}" if issue.field else label


def main_reasons(rejets, schema: str, n: int = 3) -> list[tuple[str, int]]:
    """The n most frequent rejection reasons of a source's main table, as (label, rows)."""
    rows = Counter()
    seen = set()
    for r in rejets:
        if r.schema != schema:
            continue
        key = (r.ligne, reason_label(r.issue))
        if key not in seen:  # a row counts once per reason
            seen.add(key)
            rows[key[1]] += 1
    return rows.most_common(n)


def thousands(n: float) -> str:
    return f"{n:,.0f}".replace(",", "\u202f")


class Progress:
    """One line per source, rewritten in place while it is read: rows read and rows per second.

    Only for a terminal: the build gives it a stream only when that stream is one (isatty)."""

    def __init__(self, stream, every: float = 0.25, clock=time.monotonic):
        self.stream, self.every, self.clock = stream, every, clock
        self.source, self.rows, self.started, self.shown, self.last = None, 0, 0.0, 0.0, 0.0

    def start(self, source_id: str) -> None:
        self.finish()
        self.source, self.rows = source_id, 0
        self.started = self.shown = self.last = self.clock()
        self._write(final=False)

    def record(self) -> None:
        self.rows += 1
        now = self.last = self.clock()
        if now - self.shown >= self.every:
            self.shown = now
            self._write(final=False)

    def finish(self) -> None:
        if self.source is not None:
            self._write(final=True)
            self.source = None

    def line(self, final: bool) -> str:
        # a finished source is timed to its last row (the build goes on with geography and merging after the last)
        elapsed = max((self.last if final else self.clock()) - self.started, 1e-6)
        rate = self.rows / elapsed
        mark = "✓" if final else "…"
        timing = f" en {elapsed:.1f} s".replace(".", ",") if final else ""
        return f"{mark} {self.source} : {thousands(self.rows)} lignes{timing} ({thousands(rate)} lignes/s)"

    def _write(self, final: bool) -> None:
        self.stream.write("\r\x1b[K" + self.line(final) + ("\n" if final else ""))
        self.stream.flush()
