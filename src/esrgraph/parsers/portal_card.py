"""The short project card of the rakennerahastot.fi portal.

A card opens with a title line "<name> <code>" ("Rainer S20398"), a lead sentence, a bar
"Toimintalinja 5 (ESR) | 01.06.2015 – 31.01.2018 | Keski-Suomi" and a status line
("Hanke käynnissä"). Then come headed sections; the one headed "Tietoja hankkeesta:" holds
"Key: value" lines.

Where things go:

* The "Tietoja hankkeesta:" keys are the primary source: Hankkeen rahoittaja → ``authority``
  (a trailing period dropped), EURA-tunnus → ``code``, Toteuttajaorganisaatio →
  ``applicant.name``, Maakunta → ``regions``, Aloituspäivä/Lopetuspäivä → dates, Budjetti →
  ``funding.budget_min``/``budget_max``, Toimintalinja → ``priority_axis.number`` and ``fund``,
  Erityistavoite → ``specific_objective.name`` (the card gives no objective code).
* The title, the bar and the closing sections "Hankkeen toteuttajaorganisaatio" and
  "Rahoittaja" repeat some of these. A repeat fills a field the keys left empty; a repeat
  that contradicts a key becomes a ParseProblem (the key's value is kept).
* "Lyhyt selostus hankkeesta:" → ``summary``; "Tulokset" → ``final_report``; "Kumppanit" lines →
  ``co_implementers`` (the card gives no business IDs; one written after a comma is read).
* The lead sentence and every other section (Projektitiimi, Hyvät käytännöt, Kehittymisen
  paikat, Toimintatavat …, and any heading this parser does not know, which simply continues
  the section before it) go to ``description``: the lead as its first paragraph, then each
  section as its heading followed by its paragraphs. A section with no text of its own
  (e.g. "Toimintatavat" directly followed by another heading) is left out of the text.
* "Tutustu hankkeeseen" and similar page links are chrome.

A new record starts at a title line that is followed within a few lines by a "Toimintalinja
N (ESR) |" bar.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from esrgraph.core.errors import ParseError
from esrgraph.core.model import CoImplementer, ProjectRecord
from esrgraph.parsers.base import ParseOutcome, SourceText
from esrgraph.parsers.eura_description import CHROME_RE, CODE_RE, finish_fund, quarantine_or_build, safe_parse
from esrgraph.parsers.textutil import (
    RecordDraft,
    clean_line,
    join_paragraphs,
    numbered_lines,
    paragraphs_from_lines,
    parse_budget_range,
    parse_fi_date,
    read_business_id,
    split_list,
    split_period,
    value_or_none,
)

_TITLE_RE = re.compile(r"^(?P<name>.+?)\s+(?P<code>[A-Z]\d{5})$")
_BAR_RE = re.compile(
    r"^Toimintalinja\s+(?P<axis>\d+)\s*\((?P<fund>ESR|EAKR)\)\s*\|\s*(?P<period>[^|]*?)\s*(?:\|\s*(?P<regions>[^|]*?)\s*)?\|?\s*$",
    re.IGNORECASE,
)
_STATUS_RE = re.compile(r"^Hanke\s+(?:käynnissä|päättynyt|päättymässä|alkamassa|alkanut|suunnitteilla)$", re.IGNORECASE)
_AXIS_RE = re.compile(r"^(?:Toimintalinja\s+)?(?P<number>\d+)\.?\s*(?:\((?P<fund>ESR|EAKR)\))?\s*(?P<name>.*)$", re.I)
_OBJECTIVE_RE = re.compile(r"^(?P<code>\d+(?:\.\d+)+)\.?\s+(?P<name>.+)$")
_PARTNER_RE = re.compile(r"^(?P<name>.+?)\s*,\s*(?P<id>\d[\d\s-]{4,12}\d)$")
_CARD_CHROME_RE = re.compile(r"^(?:Tutustu hankkeeseen|Takaisin|Jaa|Tulosta)$", re.IGNORECASE)

#: Normalised section heading -> what its lines feed.
HEADINGS: dict[str, str] = {
    "yleistiedot hankkeesta": "description",
    "projektitiimi": "description",
    "tietoja hankkeesta": "keys",
    "lyhyt selostus hankkeesta": "summary",
    "tulokset": "final_report",
    "hyvät käytännöt": "description",
    "kehittymisen paikat": "description",
    "toimintatavat": "description",
    "eri tahojen merkitys": "description",
    "hankkeen toteuttajaorganisaatio": "applicant",
    "kumppanit": "partners",
    "rahoittaja": "funder",
}

#: Normalised key of "Tietoja hankkeesta:" -> field (``*`` marks keys read by special code).
KEYS: dict[str, str] = {
    "hankkeen rahoittaja": "authority",
    "eura-tunnus": "code",
    "toteuttajaorganisaatio": "applicant.name",
    "maakunta": "regions",
    "maakunnat": "regions",
    "seutukunta": "subregions",
    "seutukunnat": "subregions",
    "kunta": "municipalities",
    "kunnat": "municipalities",
    "aloituspäivä": "start_date",
    "lopetuspäivä": "end_date",
    "budjetti": "*budget",
    "toimintalinja": "*axis",
    "erityistavoite": "*objective",
}


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _code(value: str) -> str:
    code = value.strip().upper()
    if not CODE_RE.match(code):
        raise ValueError("not a EURA project code (expected a letter and five digits, e.g. S20398)")
    return code


def _authority(value: str) -> str:
    return value.strip().rstrip(".").strip()


_CONVERT: dict[str, Any] = {
    "code": _code,
    "authority": _authority,
    "regions": split_list,
    "subregions": split_list,
    "municipalities": split_list,
    "start_date": parse_fi_date,
    "end_date": parse_fi_date,
}


def _heading_of(text: str) -> str | None:
    key = _norm(text).rstrip(":").strip()
    return key if key in HEADINGS else None


class PortalCardParser:
    """Parser for the ``portal-card`` layout (see the module docstring)."""

    layout: ClassVar[str] = "portal-card"

    def sniff(self, text: str) -> bool:
        head = [clean_line(t) for t in text[:8000].split("\n")[:120]]
        if any(_BAR_RE.match(t) for t in head):
            return True
        return any(t.startswith("EURA-tunnus:") for t in head) and any(
            _norm(t).rstrip(":") == "tietoja hankkeesta" for t in head
        )

    def split(self, lines: Sequence[tuple[int, str]]) -> list[list[tuple[int, str]]]:
        """Lines cut into cards at each title line followed by an axis bar."""
        nonblank = [i for i, (_, t) in enumerate(lines) if clean_line(t)]
        starts = [0]
        for pos, i in enumerate(nonblank):
            if i == 0 or not _TITLE_RE.match(clean_line(lines[i][1])):
                continue
            following = nonblank[pos + 1 : pos + 5]
            if any(_BAR_RE.match(clean_line(lines[j][1])) for j in following):
                if i > starts[-1] and any(_BAR_RE.match(clean_line(lines[j][1])) for j in nonblank[:pos]):
                    starts.append(i)
        bounds = [*starts, len(lines)]
        return [list(lines[a:b]) for a, b in zip(bounds, bounds[1:], strict=False) if a < b]

    def parse(self, source: SourceText) -> ParseOutcome:
        chunks = self.split(numbered_lines(source.text))
        return safe_parse(self._record, source, chunks)

    def _record(self, source: SourceText, lines: Sequence[tuple[int, str]]) -> ProjectRecord | ParseError:
        d = RecordDraft(source.path, source.sha256, self.layout, lines)
        #: Repeats of key values (title, bar, closing sections): checked after the keys.
        repeats: list[tuple[str, Any, int, str]] = []
        lead: list[str] = []
        sections: list[tuple[str | None, str, list[str]]] = []  # (heading text, kind, lines)
        kind: str | None = None
        title_seen = False
        for no, raw in lines:
            text = clean_line(raw)
            if not text:
                if sections:
                    sections[-1][2].append("")
                continue
            if CHROME_RE.match(text) or _CARD_CHROME_RE.match(text):
                d.use(no, raw, "chrome")
                continue
            heading = _heading_of(text)
            if heading is not None:
                kind = HEADINGS[heading]
                sections.append((text, kind, []))
                d.use(no, raw, f"section:{heading}", True)
                continue
            if kind is None:
                title_seen = self._front(d, no, raw, text, title_seen, repeats, lead)
                continue
            if kind == "keys":
                self._key(d, no, raw, text)
                continue
            sections[-1][2].append(text)
            if kind == "applicant":
                if len([t for t in sections[-1][2] if t]) == 1:
                    repeats.append(("applicant.name", text, no, "Hankkeen toteuttajaorganisaatio"))
                    d.use(no, raw, "applicant.name")
                else:
                    d.use(no, raw, None)
            elif kind == "funder":
                repeats.append(("authority", _authority(text), no, "Rahoittaja"))
                d.use(no, raw, "authority")
            elif kind == "partners":
                self._partner(d, no, raw, text)
            else:
                d.use(no, raw, kind)
        for field, value, no, what in repeats:
            d.confirm(field, value, no, what)
        summary = [body for _, k, body in sections if k == "summary"]
        results = [body for _, k, body in sections if k == "final_report"]
        d.put("summary", join_paragraphs(p for body in summary for p in paragraphs_from_lines(body)))
        d.put("final_report", join_paragraphs(p for body in results for p in paragraphs_from_lines(body)))
        description: list[list[str]] = [lead] if lead else []
        for heading_text, k, body in sections:
            paragraphs = paragraphs_from_lines(body)
            if k == "description" and paragraphs:
                description.append([heading_text or ""])
                description.extend(paragraphs)
        d.put("description", join_paragraphs(description))
        finish_fund(d)
        return quarantine_or_build(d)

    @staticmethod
    def _front(
        d: RecordDraft,
        no: int,
        raw: str,
        text: str,
        title_seen: bool,
        repeats: list[tuple[str, Any, int, str]],
        lead: list[str],
    ) -> bool:
        """A line above the first heading: title, bar, status or lead. Returns title_seen."""
        if not title_seen:
            m = _TITLE_RE.match(text)
            if m:
                d.put("name", m.group("name").strip(), no)
                repeats.append(("code", m.group("code"), no, "title line"))
            else:
                d.put("name", text, no)
            d.use(no, raw, "name,code" if m else "name", True)
            return True
        bar = _BAR_RE.match(text)
        if bar:
            repeats.append(("priority_axis.number", bar.group("axis"), no, "axis bar"))
            repeats.append(("fund", bar.group("fund").upper(), no, "axis bar"))
            period = value_or_none(bar.group("period"))
            if period:
                try:
                    start, end = split_period(period)
                except ValueError as exc:
                    d.problem(no, "start_date", period, str(exc))
                    start = end = None
                for field, value in (("start_date", start), ("end_date", end)):
                    if value:
                        try:
                            repeats.append((field, parse_fi_date(value), no, "axis bar"))
                        except ValueError as exc:
                            d.problem(no, field, value, str(exc))
            regions = value_or_none(bar.group("regions"))
            if regions:
                repeats.append(("regions", split_list(regions), no, "axis bar"))
            d.use(no, raw, "priority_axis,fund,start_date,end_date,regions", True)
            return True
        if _STATUS_RE.match(text):
            d.put("status", text, no)
            d.use(no, raw, "status", True)
            return True
        lead.append(text)
        d.use(no, raw, "description")
        return True

    @staticmethod
    def _key(d: RecordDraft, no: int, raw: str, text: str) -> None:
        label, sep, value = text.partition(":")
        field = KEYS.get(_norm(label)) if sep else None
        if field is None:
            d.use(no, raw, None, bool(sep) and len(label) <= 60)
            return
        if field == "*budget":
            raw_value = value_or_none(value)
            if raw_value:
                try:
                    low, high = parse_budget_range(raw_value)
                except ValueError as exc:
                    d.problem(no, "funding.budget_min", raw_value, str(exc))
                else:
                    d.put("funding.budget_min", low, no)
                    d.put("funding.budget_max", high, no)
            d.use(no, raw, "funding.budget_min,funding.budget_max", True)
            return
        if field == "*axis":
            raw_value = value_or_none(value)
            m = _AXIS_RE.match(raw_value) if raw_value else None
            if raw_value and m:
                d.put("priority_axis.number", m.group("number"), no)
                d.put("priority_axis.name", value_or_none(m.group("name")), no)
                if m.group("fund"):
                    d.put("fund", m.group("fund").upper(), no)
            elif raw_value:
                d.problem(no, "priority_axis.number", raw_value, "not a priority axis (expected 'Toimintalinja N (ESR)')")
            d.use(no, raw, "priority_axis", True)
            return
        if field == "*objective":
            raw_value = value_or_none(value)
            if raw_value:
                m = _OBJECTIVE_RE.match(raw_value)
                d.put("specific_objective.code", m.group("code") if m else None, no)
                d.put("specific_objective.name", m.group("name") if m else raw_value, no)
            d.use(no, raw, "specific_objective", True)
            return
        d.read(field, value, no, _CONVERT.get(field))
        d.use(no, raw, field, True)

    @staticmethod
    def _partner(d: RecordDraft, no: int, raw: str, text: str) -> None:
        index = len(d.co_implementers)
        m = _PARTNER_RE.match(text)
        business_id: str | None = None
        name = text
        if m:
            name = m.group("name").strip()
            try:
                business_id = read_business_id(m.group("id"))
            except ValueError as exc:
                d.problem(no, f"co_implementers[{index}].business_id", m.group("id"), str(exc))
        d.co_implementers.append(CoImplementer(name=name, business_id=business_id))
        d.use(no, raw, f"co_implementers[{index}]")
