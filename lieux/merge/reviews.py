"""Merges undone by a reviewer (fusions-annulees.yml)."""

from __future__ import annotations


def refused_pairs_from(data) -> frozenset:
    """The pairs a reviewer has separated, from fusions-annulees.yml's content.

    The file is a list of {a: "source-id/cle", b: "source-id/cle", motif: "..."}, the two source
    rows of a `fusions` row; the build then never puts those two rows in one lieu.
    """
    pairs = set()
    for n, item in enumerate(data or [], 1):
        try:
            a, b, motif = item["a"], item["b"], item["motif"]
            pairs.add(frozenset((tuple(a.split("/", 1)), tuple(b.split("/", 1)))))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ValueError(f"fusions-annulees.yml, entrée {n} : écrivez « a: source/cle », « b: source/cle » et "
                             "« motif: ... », par exemple a: france-services/france-services-4.") from None
        if not motif or any(len(k.split("/", 1)) != 2 for k in (a, b)):
            raise ValueError(f"fusions-annulees.yml, entrée {n} : « a » et « b » s'écrivent source/cle, et le motif est obligatoire.")
    return frozenset(pairs)
