"""Distinct unknown place names: how long the resolver takes to find their nearest names.

    .venv/bin/python -m benchmarks.nearest_names --names 20000,200000

For each count it asks one fresh ``Resolver`` for that many distinct municipality names that are in no
code list (made-up Finnish-looking names, one or two words: "Ylä-Kalomäki", "Vanha Joraharju"), each
once, as a build does with a large export full of misspellings. It prints one line per count: seconds
(wall clock, and CPU, steadier on a shared machine), CPU microseconds per name, how many code-list names
difflib examined per unknown name (``set_seq1`` calls: every name difflib looks at, however early it
drops it, and one for each SequenceMatcher made), how many names resolved after all (0 expected) and
how many got a nearest name (the same before and after a change that keeps the answers). Run it
against an older checkout with ``PYTHONPATH=that/src`` to compare. Benchmarks are not tests:
tests/mapping/test_nearest_names.py checks the answers and the count of names examined.
"""

from __future__ import annotations

import argparse
import difflib
import itertools
import random
import time
from unittest import mock

from esrgraph.mapping.resolve import Resolver

_PREFIXES = ("", "Ylä-", "Ala-", "Vanha ", "Uusi-", "Pohjois-", "Etelä-", "Itä-", "Länsi-", "Keski-")
_FIRST = ("ka", "la", "jo", "ki", "ve", "sa", "ha", "ru", "py", "to", "ou", "mu", "pe", "ri", "vä", "kö",
          "ta", "nu", "lo", "ai", "ee", "hy", "ju", "ky", "lu", "mä", "no", "pa", "si", "yl")
_SECOND = ("lo", "ra", "ne", "ku", "vi", "sa", "ti", "ma", "ko", "le", "pu", "rä", "hi", "jä", "no", "se",
           "ta", "ut", "ar", "el", "is", "on", "uk", "ve", "ys", "ak", "em", "ir", "ol", "äl")
_ROOTS = ("mäki", "harju", "joki", "järvi", "lahti", "salo", "niemi", "vaara", "koski", "lampi", "saari",
          "kylä", "suo", "ranta", "vesi", "maa", "metsä", "kallio", "laakso", "linna", "pelto", "aho", "nummi",
          "kangas", "selkä", "virta", "luoto", "mutka", "kumpu", "rinne")


def unknown_names(count: int, seed: int = 21) -> list[str]:
    """``count`` distinct made-up names, the same ones for the same seed (``measure`` counts any that a
    code list knows)."""
    every = [f"{prefix}{(a + b + root).capitalize()}"
             for prefix, a, b, root in itertools.product(_PREFIXES, _FIRST, _SECOND, _ROOTS)]
    if count > len(every):
        raise SystemExit(f"only {len(every):,} distinct names can be made; ask for fewer")
    random.Random(seed).shuffle(every)
    return every[:count]


def measure(count: int) -> tuple[float, float, float, int, int]:
    """Seconds (wall clock and CPU), names difflib examined per unknown name, how many names resolved after
    all (0 expected) and how many got a nearest name, for ``count`` distinct names asked once each."""
    names = unknown_names(count)
    resolver = Resolver()
    examined = 0
    original = difflib.SequenceMatcher.set_seq1

    def counted(self: difflib.SequenceMatcher[str], a: str) -> None:
        nonlocal examined
        examined += 1
        original(self, a)

    with mock.patch.object(difflib.SequenceMatcher, "set_seq1", counted):
        start, cpu = time.perf_counter(), time.process_time()
        answers = [resolver.municipality(name) for name in names]
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    resolved = sum(1 for a in answers if a.concept is not None)
    return seconds, cpu, examined / count, resolved, sum(1 for a in answers if a.candidates)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--names", default="20000,200000", help="comma-separated counts of distinct unknown names")
    args = ap.parse_args()
    print("| distinct names | seconds | CPU seconds | CPU µs per name | names examined per name | resolved | "
          "with a nearest name |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for count in (int(n) for n in args.names.split(",")):
        seconds, cpu, examined, resolved, with_candidates = measure(count)
        print(f"| {count:,} | {seconds:.1f} | {cpu:.1f} | {cpu / count * 1e6:,.0f} | {examined:,.1f} | {resolved:,} | "
              f"{with_candidates:,} |", flush=True)


if __name__ == "__main__":
    main()
