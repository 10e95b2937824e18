"""Map names as records write them to coded concepts.

Records name the same thing many ways: "Keski-Suomen ELY-keskus." and "Keski-Suomen
elinkeino-, liikenne- ja ympäristökeskus", "Jyväskylän" (genitive) for the Jyväskylä
sub-region, "Helsingfors" for Helsinki, and municipalities that a merger has since
abolished. The resolver absorbs that variation in one place and never raises: a name it
cannot place comes back with ``concept=None`` and the nearest names, so that a mapping can
keep the literal and report the miss.

>>> r = Resolver()
>>> r.subregion("Saarijärven-Viitasaaren").concept.notation
'138'
>>> r.municipality("Nastola", on=date(2017, 1, 1)).concept.labels["fi"]
'Lahti'
"""

from __future__ import annotations

import difflib
import functools
import operator
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from itertools import compress
from typing import Literal

from esrgraph.mapping.codelists import CodeLists, Concept, MunicipalityPeriod

#: Hyphens, dashes and the minus sign: records mix them freely ("Etelä-Savo", "2014–2020").
_DASHES = re.compile(r"[\-\u2010-\u2015\u2212_/]")
#: Punctuation that carries no meaning in a name ("ELY-keskus.", "elinkeino-, liikenne-").
_PUNCT = re.compile(r"[.,;:!?\"'’“”«»()\[\]{}|*]")
_SCORES = re.compile(r"(\s+-?\d+)+$")
_MAX_CANDIDATES = 3
#: difflib's similarity a name needs to be a candidate, and how many near names it ranks.
_CUTOFF = 0.6
_RANKED = 12
#: Distinct texts whose near names each index remembers (words of unknown names recur).
_NEAR_CACHE = 100_000
#: Cell sizes in bytes for ``_NearNames``' counts, with their ``memoryview`` formats.
_CELLS: tuple[tuple[int, Literal["B", "H", "I"]], ...] = ((1, "B"), (2, "H"), (4, "I"))


def normalise(text: str) -> str:
    """Fold case, dashes, punctuation and spacing, so that spelling variants meet.

    >>> normalise("  Keski-Suomen ELY-keskus. ")
    'keski suomen ely keskus'
    >>> normalise("Pohjois-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskus")
    'pohjois pohjanmaan elinkeino liikenne ja ympäristökeskus'
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _PUNCT.sub(" ", _DASHES.sub(" ", text))
    return " ".join(text.split())


def fold(text: str) -> str:
    """Drop diacritics too (ä→a, å→a), for names typed without them."""
    decomposed = unicodedata.normalize("NFKD", normalise(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a name resolved to; ``note`` says how, when it was not a plain match."""

    text: str
    concept: Concept | None
    candidates: tuple[str, ...] = ()
    note: str | None = None

    @property
    def resolved(self) -> bool:
        """Whether a concept was found."""
        return self.concept is not None


class _NearNames:
    """``difflib.get_close_matches`` over a fixed list of names, with the same answer, scoring only the
    names that can reach the cutoff.

    difflib scored every name against every unknown text, 755 for a municipality: 20,000 distinct
    unknown place names took 54 s. The names it matches share at least ``_CUTOFF * (len(text) + len(name))
    / 2`` characters with the text, in order (its matching blocks), so two cheap upper bounds drop the rest:
    the characters they share at all, repeats included (difflib's ``quick_ratio``), counted for every name
    at once; then, for the few left, the longest common subsequence. difflib scores only what passes
    both; as a name below either bound cannot be among its matches, the matches and their order are
    difflib's own.

    The count for every name at once: each (character, n-th occurrence) has an integer with one cell
    of ``_cell`` bytes per name, 1 where the name holds it. Adding the integers of the text's
    characters counts, in each name's cell, the characters the two share; no cell overflows, for a
    count is at most the name's length.
    """

    def __init__(self, names: Iterable[str]) -> None:
        self.names = list(names)
        self.lengths = [len(name) for name in self.names]
        self.longest = max(self.lengths, default=0)
        self._cell, self._format = next(cell for cell in _CELLS if self.longest < 1 << 8 * cell[0])
        self.holders: dict[tuple[str, int], int] = {}
        for i, name in enumerate(self.names):
            for char, count in Counter(name).items():
                for nth in range(1, count + 1):
                    self.holders[(char, nth)] = self.holders.get((char, nth), 0) | 1 << 8 * self._cell * i
        self._needed: dict[int, list[int]] = {}

    def closest(self, text: str) -> tuple[str, ...]:
        """The names ``difflib.get_close_matches(text, names, n=12, cutoff=0.6)`` returns, best first."""
        size = len(text)
        if not self.names or (size > self.longest and 2.0 * self.longest / (size + self.longest) < _CUTOFF):
            return ()  # longer than any name can be and still match: difflib would find nothing either
        total = sum(self.holders.get((char, nth), 0) for char, count in Counter(text).items()
                    for nth in range(1, count + 1))
        shared = memoryview(total.to_bytes(self._cell * len(self.names), sys.byteorder)).cast(self._format)
        needed = self._needed_for(size)
        enough = compress(range(len(self.names)), map(operator.ge, shared, needed))
        in_text = _positions(text)
        passing = [self.names[i] for i in enough if _lcs_length(in_text, size, self.names[i]) >= needed[i]]
        return tuple(difflib.get_close_matches(text, passing, n=_RANKED, cutoff=_CUTOFF)) if passing else ()

    def _needed_for(self, size: int) -> list[int]:
        """For each name, the fewest characters in common with which a text of ``size`` characters reaches the
        cutoff, computed as difflib computes its ratios (more than either length when it never can)."""
        needed = self._needed.get(size)
        if needed is None:
            by_length = {}
            for length in set(self.lengths):
                total = size + length
                least = max(0, int(_CUTOFF * total / 2) - 1)
                while least <= min(size, length) and 2.0 * least / total < _CUTOFF:
                    least += 1
                by_length[length] = least
            needed = self._needed[size] = [by_length[length] for length in self.lengths]
        return needed


def _positions(text: str) -> dict[str, int]:
    """Each character of ``text`` -> a bit mask of where it occurs (bit i: position i)."""
    masks: dict[str, int] = {}
    for i, char in enumerate(text):
        masks[char] = masks.get(char, 0) | 1 << i
    return masks


def _lcs_length(positions: dict[str, int], size: int, other: str) -> int:
    """Length of the longest common subsequence of ``other`` and the text of ``size`` characters whose
    ``_positions`` are given: the bit-parallel algorithm of Allison and Dix (1986), one step a character.

    >>> _lcs_length(_positions("kalajoki"), 8, "kajaani")
    4
    """
    full = (1 << size) - 1
    row = full
    for char in other:
        matched = row & positions.get(char, 0)
        row = ((row + matched) | (row - matched)) & full
    return size - row.bit_count()


class _Index:
    """Normalised label → notations, for one scheme (or a subset of it)."""

    def __init__(self, concepts: Iterable[Concept], extra: Callable[[Concept], Iterable[str]] | None = None) -> None:
        self.concepts = {c.notation: c for c in concepts}
        self.exact: dict[str, set[str]] = {}
        self.folded: dict[str, set[str]] = {}
        for c in self.concepts.values():
            names = [c.notation, *c.labels.values()]
            names += [alt for alts in c.alt_labels.values() for alt in alts]
            names += list(extra(c)) if extra else []
            for name in names:
                key = normalise(name)
                if key:
                    self.exact.setdefault(key, set()).add(c.notation)
                    self.folded.setdefault(fold(name), set()).add(c.notation)
        near = _NearNames(self.exact)
        self.closest = functools.lru_cache(maxsize=_NEAR_CACHE)(near.closest)

    def find(self, key: str) -> list[Concept]:
        found = self.exact.get(key) or self.folded.get(fold(key)) or set()
        return [self.concepts[n] for n in sorted(found)]

    def nearest(self, key: str) -> tuple[str, ...]:
        """Up to three concept labels whose names are closest to ``key``."""
        labels: list[str] = []
        for match in self.closest(key):
            for notation in sorted(self.exact[match]):
                label = self.concepts[notation].label
                if label not in labels:
                    labels.append(label)
        return tuple(labels[:_MAX_CANDIDATES])

    def nearest_by_word(self, key: str) -> tuple[str, ...]:
        """Nearest labels for the longest word, when the whole text is too far off."""
        for word in sorted(key.split(), key=len, reverse=True):
            if len(word) >= 4 and word != key:
                found = self.nearest(word)
                if found:
                    return found
        return ()

    def containing(self, key: str, min_length: int = 3) -> list[Concept]:
        """Concepts whose longest name occurs in ``key`` as whole words."""
        padded = f" {key} "
        hits = [k for k in self.exact if len(k) >= min_length and f" {k} " in padded]
        if not hits:
            return []
        longest = max(len(k) for k in hits)
        notations = {n for k in hits if len(k) == longest for n in self.exact[k]}
        return [self.concepts[n] for n in sorted(notations)]


#: Lookups that ``Resolver`` memoises per instance (their arguments are strings, dates or None).
_MEMOISED = (
    "municipality", "subregion", "region", "authority", "fund", "programme_period", "programme", "programme_part",
    "priority_axis",
    "specific_objective", "organisation_type", "status", "sustainability_criterion", "gender_question",
)


class Resolver:
    """Resolve names against the code lists; every method returns a :class:`Resolution`."""

    def __init__(self, codelists: CodeLists | None = None) -> None:
        self.lists = codelists or CodeLists.load()
        self._indexes = {name: _Index(self.lists.in_scheme(name)) for name in self.lists.concepts}
        self._indexes["period"] = _Index(
            self.lists.in_scheme("period"), lambda c: (c.extra.get("programme_fi", ""), c.extra.get("cci", ""))
        )
        # Records repeat the same few hundred names thousands of times; every lookup is a pure
        # function of its arguments, so each instance remembers its answers.
        for name in _MEMOISED:
            setattr(self, name, functools.lru_cache(maxsize=100_000)(getattr(self, name)))

    # --- generic ------------------------------------------------------------------

    def _resolve(
        self,
        scheme: str,
        text: str | None,
        variants: Callable[[str], Iterable[tuple[str, str]]] | None = None,
        index: _Index | None = None,
    ) -> Resolution:
        """Exact match, then scheme-specific variants, then nearest candidates."""
        index = index or self._indexes[scheme]
        raw = text or ""
        key = normalise(raw)
        if not key:
            return Resolution(raw, None, (), "empty name")
        attempts = [(key, None), *(variants(key) if variants else ())]
        for attempt, how in attempts:
            found = index.find(attempt)
            if len(found) == 1:
                return Resolution(raw, found[0], (), how)
            if len(found) > 1:
                labels = tuple(f"{c.label} ({c.notation})" for c in found)
                return Resolution(raw, None, labels, f"ambiguous {scheme}: {', '.join(labels)}")
        candidates = index.nearest(key) or index.nearest_by_word(key)
        hint = f"; nearest: {', '.join(candidates)}" if candidates else ""
        return Resolution(raw, None, candidates, f"no {scheme} named {raw.strip()!r}{hint}")

    # --- places -------------------------------------------------------------------

    def municipality(self, name: str | None, on: date | None = None) -> Resolution:
        """A municipality as it existed on ``on``; a merged one resolves to its successor.

        With ``on`` before the merger the old municipality itself is returned; after it,
        the receiving municipality, with a note. Without ``on`` the named municipality is
        returned, with a note if it no longer exists.
        """
        res = self._resolve("municipality", name, _municipality_variants)
        if res.concept is None:
            return res
        concept, notes = res.concept, [res.note] if res.note else []
        merger = self.lists.mergers.get(concept.notation)
        if merger and on is None:
            notes.append(
                f"{merger.abolished_name_fi} was merged into {merger.merged_into_name_fi} "
                f"({merger.merged_into_code}) on {merger.effective_date.isoformat()}"
            )
        while on is not None and merger and on >= merger.effective_date:
            successor = self.lists.get("municipality", merger.merged_into_code)
            if successor is None:  # the file lists a target that is not a municipality
                break
            notes.append(
                f"{merger.abolished_name_fi} ({merger.abolished_code}) was merged into "
                f"{merger.merged_into_name_fi} ({merger.merged_into_code}) on "
                f"{merger.effective_date.isoformat()}; resolved for {on.isoformat()}"
            )
            concept = successor
            merger = self.lists.mergers.get(concept.notation)
        return Resolution(res.text, concept, (), "; ".join(notes) or None)

    def subregion(self, name: str | None) -> Resolution:
        """A seutukunta, by nominative, genitive ("Jyväskylän") or Swedish name."""
        return self._resolve("subregion", name, _suffix_variants(("seutukunta", "seutukunnan", "seutukunnassa")))

    def region(self, name: str | None) -> Resolution:
        """A maakunta, by Finnish, Swedish, English or genitive name, or NUTS3 code."""
        return self._resolve("region", name, self._region_variants)

    def _region_variants(self, key: str) -> Iterable[tuple[str, str]]:
        yield from _suffix_variants(("maakunta", "maakunnan", "maakunnassa", "landskap"))(key)
        for region in self.lists.in_scheme("region"):
            if key.upper() in {v for k, v in region.extra.items() if k.startswith("nuts3_")}:
                yield region.notation, f"matched NUTS3 code {key.upper()}"

    def authority(self, name: str | None) -> Resolution:
        """A funding authority, by full name, short name ("Keski-Suomen ELY-keskus") or abbreviation."""
        index = self._indexes["authority"]

        def inside(key: str) -> Iterable[tuple[str, str]]:
            # Bulk exports glue neighbouring cells onto the name; find the name inside.
            for concept in index.containing(key, min_length=12):
                yield concept.notation, f"authority name found inside {key!r}"

        return self._resolve("authority", name, inside)

    # --- programme ----------------------------------------------------------------

    def fund(self, text: str | None) -> Resolution:
        """A fund from a name, abbreviation or a phrase that contains one ("Toimintalinja 5 (ESR)")."""
        index = self._indexes["fund"]

        def inside(key: str) -> Iterable[tuple[str, str]]:
            found = index.containing(key)
            if len({c.notation for c in found}) == 1:
                yield found[0].notation, f"fund named inside {key!r}"

        return self._resolve("fund", text, inside)

    def programme_period(self, text: str | None) -> Resolution:
        """A programming period: "2014-2020", "2014–2020", the programme's name or CCI code."""
        index = self._indexes["period"]

        def inside(key: str) -> Iterable[tuple[str, str]]:
            found = index.containing(key, min_length=9)
            if len({c.notation for c in found}) == 1:
                yield found[0].notation, f"period named inside {key!r}"

        return self._resolve("period", text, inside)

    def programme(self, text: str | None, period: str | None = None) -> Resolution:
        """A programme by name, short name ("Itä-Suomi") or CCI number, among the programmes of ``period``."""
        programmes = [c for c in self.lists.in_scheme("programme") if period is None or c.extra["period"] == period]
        return self._resolve("programme", text, index=_Index(programmes, lambda c: (c.extra.get("cci", ""),)))

    def default_programme(self, period: str | None, fund: str | None) -> Concept | None:
        """The programme a record of ``period`` and ``fund`` from the EURA services belongs to when it names none.

        That is the one programme of the period marked ``eura_default`` in programmes.csv whose funds include
        the record's fund (Åland's programmes are not in EURA); None when there is not exactly one, e.g. a
        2007-2013 EAKR project, which belongs to one of four regional programmes.
        """
        fund_concept = self.fund(fund).concept if fund else None
        if period is None or fund_concept is None:
            return None
        found = [c for c in self.lists.in_scheme("programme") if c.extra["period"] == period
                 and c.extra.get("eura_default") == "yes" and fund_concept.notation in c.extra["funds"].split("|")]
        return found[0] if len(found) == 1 else None

    def programme_part(self, text: str | None, period: str | None = None) -> Resolution:
        """A programme part (osio) of ``period``'s programmes, as the 2007-2013 lists write it."""
        programmes = {c.notation for c in self.lists.in_scheme("programme") if period is None or c.extra["period"] == period}
        parts = [c for c in self.lists.in_scheme("programme-part") if c.extra["programme"] in programmes]
        return self._resolve("programme-part", text, index=_Index(parts))

    def priority_axis(
        self,
        number: str | int | None,
        name: str | None = None,
        fund: str | None = None,
        period: str = "2014-2020",
        programme: str | None = None,
    ) -> Resolution:
        """A toimintalinja by number ("5", "5.", "Toimintalinja 5 (ESR)"), else by name and fund.

        Axes are numbered per programme: axis 1 of the 2007-2013 ESR programme is not axis 1 of Itä-Suomi's
        EAKR programme. ``programme`` (a programme notation) picks the programme; without it a number that
        several programmes of the period use is ambiguous.
        """
        text = " ".join(str(part) for part in (number, name) if part not in (None, ""))
        axes = [c for c in self.lists.in_scheme("priority-axis") if c.extra["period"] == period
                and (programme is None or c.extra.get("programme") == programme)]
        fund_concept = self.fund(fund).concept if fund else None
        if fund_concept is None and isinstance(number, str) and re.search(r"[A-Za-z]", number):
            fund_concept = self.fund(number).concept
        digits = re.search(r"\d+", str(number)) if number not in (None, "") else None
        if digits:
            found = [c for c in axes if c.extra["number"] == str(int(digits.group()))]
            if len(found) > 1 and fund_concept is not None:
                found = [c for c in found if c.extra["fund"] == fund_concept.notation] or found
            where = f"{programme} ({period})" if programme else period
            if not found:
                return Resolution(text, None, tuple(c.label for c in axes[:_MAX_CANDIDATES]),
                                  f"no priority axis {digits.group()} in {where}")
            if len(found) > 1:
                labels = tuple(f"{c.label} ({c.notation})" for c in found)
                return Resolution(text, None, labels,
                                  f"ambiguous priority axis {digits.group()} in {where} without its programme: "
                                  + ", ".join(labels))
            concept = found[0]
            return Resolution(text, concept, (), _checks(concept, name, fund_concept))
        if fund_concept is not None:
            axes = [c for c in axes if c.extra["fund"] == fund_concept.notation]
        res = self._resolve("priority-axis", name, index=_Index(axes))
        return Resolution(text, res.concept, res.candidates, res.note)

    def specific_objective(
        self, code: str | None, name: str | None = None, period: str = "2014-2020"
    ) -> Resolution:
        """An erityistavoite by code ("10.1", "10.1.") or, as on portal cards, by name alone.

        A name written with its code ("10.1. Työelämän …") is split first.
        """
        text = " ".join(part for part in (code, name) if part)
        if not code and name:
            lead = re.match(r"\s*(\d+\.\d+)\.?\s+(.*)", name)
            if lead:
                code, name = lead.group(1), lead.group(2)
        objectives = [c for c in self.lists.in_scheme("specific-objective") if c.extra["period"] == period]
        found = re.search(r"\d+\.\d+", code) if code else None
        if found:
            concept = self.lists.get("specific-objective", f"{period}/{found.group()}")
            if concept is None:
                by_name = self._resolve("specific-objective", name, index=_Index(objectives)) if name else None
                note = f"no specific objective {found.group()} in {period}"
                candidates = by_name.candidates if by_name else ()
                return Resolution(text, None, candidates, note)
            return Resolution(text, concept, (), _checks(concept, name, None))
        res = self._resolve("specific-objective", name, index=_Index(objectives))
        return Resolution(text, res.concept, res.candidates, res.note)

    # --- EURA value lists -----------------------------------------------------------

    def organisation_type(self, name: str | None) -> Resolution:
        """An Organisaatiotyyppi value."""
        return self._resolve("organisation-type", name)

    def status(self, name: str | None) -> Resolution:
        """A project status ("Toiminta päättynyt", "Hanke käynnissä")."""
        return self._resolve("status", name)

    def sustainability_criterion(self, name: str | None) -> Resolution:
        """A section 8.2 criterion; trailing scores ("… 0 4") are ignored."""

        def without_scores(key: str) -> Iterable[tuple[str, str]]:
            stripped = _SCORES.sub("", key)
            if stripped != key:
                yield stripped, "scores after the criterion name ignored"

        return self._resolve("sustainability-criterion", name, without_scores)

    def gender_question(self, text: str | None) -> Resolution:
        """A section 8.1 question, or its model field name ("primary_objective").

        A trailing answer (": Kyllä", ": Ei") is ignored.
        """

        def without_answer(key: str) -> Iterable[tuple[str, str]]:
            for answer in (" kyllä", " ei", " yes", " no"):
                if key.endswith(answer):
                    yield key.removesuffix(answer), "answer after the question ignored"

        return self._resolve("gender-question", text, without_answer)

    # --- helpers over codes ---------------------------------------------------------

    def municipality_period(self, code: str, on: date | None = None) -> MunicipalityPeriod | None:
        """The municipality's period in force on ``on`` (latest if None), following mergers."""
        periods = self.lists.municipality_periods.get(code)
        if not periods:
            return None
        if on is None:
            return periods[-1]
        for period in periods:
            if period.covers(on):
                return period
        if periods[0].valid_from and on < periods[0].valid_from:
            return periods[0]  # before the first year loaded: the earliest known state
        merger = self.lists.mergers.get(code)
        if merger and merger.merged_into_code != code:
            return self.municipality_period(merger.merged_into_code, on)
        return None

    def subregion_of_municipality(self, code: str, on: date | None = None) -> str | None:
        """Seutukunta code of a municipality on a date (latest if None)."""
        period = self.municipality_period(code, on)
        return period.subregion_code if period else None

    def region_of_municipality(self, code: str, on: date | None = None) -> str | None:
        """Maakunta code of a municipality on a date; municipalities changed region in 2016 and 2021."""
        period = self.municipality_period(code, on)
        return period.region_code if period else None

    def nuts3_of_municipality(self, code: str, on: date | None = None) -> str | None:
        """NUTS3 code of the municipality's area on a date (the region's code before 2017)."""
        period = self.municipality_period(code, on)
        if period is None:
            return None
        return period.nuts3 or self.nuts3(period.region_code, on)

    def region_of_subregion(self, code: str, on: date | None = None) -> str | None:
        """Maakunta code of a seutukunta; no seutukunta changed region 2013–2026."""
        concept = self.lists.get("subregion", code)
        if concept is None:
            return None
        return concept.extra["region_code"]

    def nuts3(self, region_code: str, on: date | None = None) -> str | None:
        """The region's NUTS3 code in the NUTS version in force on ``on`` (latest if None).

        Dates before NUTS 2013 applied (2015) get the NUTS 2013 code: older versions are
        not in the code lists.
        """
        region = self.lists.get("region", region_code)
        if region is None:
            return None
        versions = self.lists.nuts_versions
        chosen = versions[-1]
        if on is not None:
            chosen = next((v for v in versions if v.valid_from <= on and (v.valid_to is None or on <= v.valid_to)),
                          versions[0] if on < versions[0].valid_from else versions[-1])
        return region.extra.get(f"nuts3_{chosen.version}") or None


def _checks(concept: Concept, name: str | None, fund: Concept | None) -> str | None:
    """Say when the name or fund written next to a code disagrees with the code list."""
    notes = []
    if name:
        key = normalise(re.sub(r"^\s*\d+(\.\d+)?\.?\s+", "", name))
        known = {normalise(n) for n in concept.labels.values()}
        known |= {normalise(a) for alts in concept.alt_labels.values() for a in alts}
        if key and key not in known:
            notes.append(f"name {name.strip()!r} differs from the code list's {concept.label!r}")
    if fund is not None and concept.extra.get("fund") != fund.notation:
        notes.append(f"fund {fund.notation} differs from the code list's {concept.extra.get('fund')}")
    return "; ".join(notes) or None


def _suffix_variants(suffixes: tuple[str, ...]) -> Callable[[str], Iterable[tuple[str, str]]]:
    """Variants without a trailing generic word ("Jyväskylän seutukunta")."""

    def variants(key: str) -> Iterable[tuple[str, str]]:
        for suffix in suffixes:
            if key.endswith(" " + suffix):
                yield key.removesuffix(" " + suffix), f"{suffix!r} ignored"

    return variants


def _municipality_variants(key: str) -> Iterable[tuple[str, str]]:
    """Without "kaupunki"/"kunta", and a genitive without its -n ("Kuopion" → "Kuopio").

    Genitives with a stem change (Lahti → Lahden) are not handled; they get candidates.
    """
    keys: list[tuple[str, str | None]] = [(key, None)]
    for suffix in ("kaupunki", "kunta", "stad", "kommun"):
        if key.endswith(" " + suffix):
            keys.append((key.removesuffix(" " + suffix), f"{suffix!r} ignored"))
    for variant, how in keys:
        if variant != key:
            yield variant, how or ""
        if variant.endswith("n") and len(variant) > 3:
            yield variant[:-1], "; ".join(filter(None, (how, "read as a genitive")))
