"""The EURA 2014 project description: numbered sections 1–9 under a fund heading.

A record opens with "Euroopan sosiaalirahaston (ESR) rahoittaman hankkeen kuvaus" (or the
EAKR variant "Euroopan aluekehitysrahaston (EAKR) …"); the page chrome line "Euroopan unioni
Vipuvoimaa EU:lta" just above a heading belongs to the record it opens. A second
"Hankekoodi:" in a record with no heading in between also opens a new record.

Sections decide where free text goes: 3 → ``summary``, 4.1/4.2 → ``target_groups``,
8.1 → ``gender_equality``, 8.2 → ``sustainability``, 9 → ``final_report``. Key–value lines
("Label: value") are read by :class:`EuraFields`, which the flattened layout shares: the
labels that occur twice (the two addresses, the monitoring figures) are told apart by their
section when there is one, and otherwise by their order. A heading is accepted only when its
number is a known section that comes after the current one, so the numbered paragraphs of a
final report ("1. Hankkeen päätavoitteena …") stay text. When a section heading is missing,
a known label of a later key–value section (5, 6, 7) still ends the free text before it.
A missing section simply leaves its fields empty; that is not a problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, ClassVar

from esrgraph.core.errors import ParseError
from esrgraph.core.model import CoImplementer, ProjectRecord
from esrgraph.parsers.base import ParseOutcome, SourceText
from esrgraph.parsers.textutil import (
    RecordDraft,
    clean_line,
    fund_from_code,
    numbered_lines,
    parse_amount,
    parse_count,
    parse_email,
    parse_fi_date,
    parse_postal_code,
    parse_score,
    parse_yes_no,
    read_business_id,
    split_list,
    split_period,
    strip_cells,
    text_block,
    value_or_none,
)

HEADING_RE = re.compile(
    r"^Euroopan\s+\S+\s*\((?P<fund>ESR|EAKR)\)\s+rahoittaman\s+hankkeen\s+kuvaus\s*$", re.IGNORECASE
)
CHROME_RE = re.compile(
    r"^(?:Euroopan unioni(?:\s+Vipuvoimaa EU:lta)?|Vipuvoimaa EU:lta|(?:!\[[^\]]*\]\([^)]*\)[\s|]*)+)$",
    re.IGNORECASE,
)
CODE_RE = re.compile(r"^[A-Z]\d{5}$")
_SECTION_RE = re.compile(r"^(\d)(?:\.(\d))?\s+(\S.{0,118})$")
_AXIS_RE = re.compile(r"^(\d+)\.?\s+(.+)$")
_OBJECTIVE_RE = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+(.+)$")
_CO_IMPLEMENTER_RE = re.compile(r"^(?P<name>.+?)\s*,\s*(?P<id>\d[\d\s-]{4,12}\d)$")

#: Section number -> heading text, as EURA prints them.
SECTIONS: dict[str, str] = {
    "1": "Hanke",
    "2": "Hakijan perustiedot",
    "3": "Suunnitelman mukainen tiivistelmä toteutuksesta",
    "4": "Hankkeen kohderyhmät",
    "4.1": "Varsinaiset kohderyhmät",
    "4.2": "Välilliset kohderyhmät",
    "5": "Projektin julkinen rahoitus, euroa",
    "6": "Maantieteellinen kohdealue",
    "7": "Hakemusvaiheessa ilmoitettavat arviot hankekohtaisista seurantiedoista",
    "7.1": "Osallistuvien yritysten lukumäärä",
    "7.2": "Osallistuvien henkilöiden lukumäärä",
    "8": "Horisontaaliset periaatteet",
    "8.1": "Sukupuolten tasa-arvo",
    "8.2": "Kestävä kehitys",
    "9": "Loppuraportin tiivistelmä",
}
#: Sections whose lines are one long text, and the field the text goes to.
TEXT_SECTIONS: dict[str, str] = {
    "3": "summary",
    "4.1": "target_groups.direct",
    "4.2": "target_groups.indirect",
    "9": "final_report",
}

#: The three gender-equality questions of section 8.1 and the model field of each.
GENDER_QUESTIONS: dict[str, str] = {
    "hankkeessa on tehty toimintaympäristön analyysi sukupuolinäkökulmasta": "environment_analysis",
    "sukupuolinäkökulma on huomioitu hankkeen toiminnassa (valtavirtaistaminen)": "mainstreaming",
    "hankkeen päätavoite on sukupuolten tasa-arvon edistäminen": "primary_objective",
}

#: Sustainability groups of section 8.2 and their criteria, in EURA's order.
SUSTAINABILITY: dict[str, tuple[str, ...]] = {
    "Ekologinen kestävyys": (
        "Luonnonvarojen käytön kestävyys",
        "Ilmastonmuutoksen aiheuttamien riskien vähentäminen",
        "Kasvillisuus, eliöt ja luonnon monimuotoisuus",
        "Pinta- ja pohjavedet, maaperä sekä ilma (ja kasvihuonekaasujen väheneminen)",
        "Natura 2000 -ohjelman kohteet",
    ),
    "Taloudellinen kestävyys": (
        "Materiaalit ja jätteet",
        "Uusiutuvien energialähteiden käyttö",
        "Paikallisen elinkeinorakenteen kestävä kehittäminen",
        "Aineettomien tuotteiden ja palvelujen kehittäminen",
        "Liikkuminen ja logistiikka",
    ),
    "Sosiaalinen ja kulttuurinen kestävyys sekä yhdenvertaisuus": (
        "Hyvinvoinnin edistäminen",
        "Tasa-arvon edistäminen",
        "Yhteiskunnallinen ja kulttuurinen yhdenvertaisuus",
        "Kulttuuriympäristö",
        "Ympäristöosaaminen",
    ),
}
_CRITERIA = sorted((c for cs in SUSTAINABILITY.values() for c in cs), key=len, reverse=True)
#: (criterion, its casefolded form), longest first: ``row_of`` tries every one on each line of section 8.2.
_CRITERIA_FOLDED = tuple((c, c.casefold()) for c in _CRITERIA)
_GENERIC_ROW_RE = re.compile(
    r"^(?P<name>[^.|:]{3,140}?)(?:\s+|\s*\|\s*)(?P<d>\d{1,2})(?:\s+|\s*\|\s*)(?P<i>\d{1,2})\s*\|?\s*$"
)


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


@cache
def _section_key(key: str) -> tuple[int, ...]:
    """``"7.1"`` -> ``(7, 1)``; cached, since the keys are the few section numbers and it is asked on most lines."""
    return tuple(int(p) for p in key.split("."))


def _code(value: str) -> str:
    code = value.strip().upper()
    if not CODE_RE.match(code):
        raise ValueError("not a EURA project code (expected a letter and five digits, e.g. S21093)")
    return code


#: Normalised label -> (field or pseudo-field, home section). Pseudo-fields start with "*".
LABELS: dict[str, tuple[str, str]] = {
    "hankekoodi": ("code", "1"),
    "hankkeen nimi": ("name", "1"),
    "toimintalinja": ("*axis", "1"),
    "erityistavoite": ("*objective", "1"),
    "suunnitelman mukainen toteutusaika": ("*period", "1"),
    "toiminnan tila": ("status", "1"),
    "vastuuviranomainen": ("authority", "1"),
    "hakijan virallinen nimi": ("applicant.name", "2"),
    "organisaatiotyyppi": ("applicant.organisation_type", "2"),
    "y-tunnus": ("applicant.business_id", "2"),
    "jakeluosoite": ("*street_address", "2"),
    "puhelinnumero": ("applicant.phone", "2"),
    "postinumero": ("*postal_code", "2"),
    "postitoimipaikka": ("*post_office", "2"),
    "www-osoite": ("applicant.website", "2"),
    "hankkeen yhteyshenkilön nimi": ("applicant.contact.name", "2"),
    "yhteyshenkilön asema hakijaorganisaatiossa": ("applicant.contact.role", "2"),
    "yhteyshenkilön sähköpostisoite": ("applicant.contact.email", "2"),
    "yhteyshenkilön sähköpostiosoite": ("applicant.contact.email", "2"),
    "yhteyshenkilön puhelinnumero": ("applicant.contact.phone", "2"),
    "hakijoiden lukumäärä tai tuen siirto -menettely": ("applicant_mode", "2"),
    "myönnetty eu- ja valtion rahoitus": ("funding.eu_state_granted", "5"),
    "toteutunut eu- ja valtion rahoitus": ("funding.eu_state_realised", "5"),
    "suunniteltu julkinen rahoitus yhteensä": ("funding.public_planned", "5"),
    "toteutunut julkinen rahoitus yhteensä": ("funding.public_realised", "5"),
    "maakunnat": ("regions", "6"),
    "seutukunnat": ("subregions", "6"),
    "kunnat": ("municipalities", "6"),
    "suunniteltu": ("*planned", "7"),
    "toteutunut seurantatietojen mukaan": ("monitoring.companies_actual", "7.1"),
}
_CONVERTERS: dict[str, Any] = {
    "code": _code,
    "applicant.business_id": read_business_id,
    "applicant.contact.email": parse_email,
    "applicant.postal_code": parse_postal_code,
    "implementation_address.postal_code": parse_postal_code,
    "funding.eu_state_granted": parse_amount,
    "funding.eu_state_realised": parse_amount,
    "funding.public_planned": parse_amount,
    "funding.public_realised": parse_amount,
    "regions": split_list,
    "subregions": split_list,
    "municipalities": split_list,
    "monitoring.companies_planned": parse_count,
    "monitoring.companies_actual": parse_count,
    "monitoring.persons_planned": parse_count,
}
#: Fields whose value may wrap onto the next line (description layout only).
_TEXT_FIELDS = {
    "name", "status", "authority", "applicant.name", "applicant.organisation_type",
    "applicant.street_address", "applicant_mode", "applicant.contact.role",
}


class EuraFields:
    """Reads the "Label: value" lines EURA descriptions share, in either layout."""

    def __init__(self, draft: RecordDraft, *, continuation: bool, strict_co_implementers: bool) -> None:
        self.draft = draft
        self.continuation = continuation
        self.strict_co_implementers = strict_co_implementers
        self.section: str | None = None
        self.implementation_phase = False
        self.in_co_implementers = False
        self.last_text_field: str | None = None
        self.planned_seen = 0

    @staticmethod
    def label_of(text: str) -> tuple[str, str] | None:
        """``(normalised label, raw value)`` when ``text`` starts with a known label."""
        label, sep, value = text.partition(":")
        if not sep:
            return None
        key = _norm(strip_cells(label))
        if key in LABELS:
            return key, value
        return None

    @staticmethod
    def home_section(key: str) -> str:
        return LABELS[key][1]

    def blank(self) -> None:
        self.last_text_field = None

    def handle(self, no: int, text: str) -> bool:
        """Read one non-blank line; False when it is not a key–value line of this record."""
        d = self.draft
        hit = self.label_of(text)
        if hit is None:
            plain = _norm(strip_cells(text))
            if plain.startswith("toteutuspaikan osoite"):
                self.implementation_phase = True
                self.in_co_implementers = False
                d.use(no, text, "implementation_address", True)
                return True
            if plain.rstrip(":") == "osatoteuttajat":
                self.in_co_implementers = True
                d.use(no, text, "co_implementers", True)
                return True
            if self.in_co_implementers and self._co_implementer(no, text):
                return True
            self.in_co_implementers = False
            if self.continuation and self.last_text_field:
                field = self.last_text_field
                d.put(field, f"{d.get(field)} {strip_cells(text)}")
                d.repairs.append(f"{field} continued on line {no}")
                d.use(no, text, field)
                return True
            return False
        self.in_co_implementers = False
        self.last_text_field = None
        key, raw = hit
        field, home = LABELS[key]
        if _section_key(home)[0] >= 5:
            self.implementation_phase = True
        line_field = self._dispatch(no, field, raw)
        d.use(no, text, line_field, True)
        return True

    def _dispatch(self, no: int, field: str, raw: str) -> str:
        d = self.draft
        if field == "*axis":
            value = value_or_none(raw)
            if value:
                m = _AXIS_RE.match(value)
                d.put("priority_axis.number", m.group(1) if m else None, no)
                d.put("priority_axis.name", m.group(2).strip() if m else value, no)
            return "priority_axis"
        if field == "*objective":
            value = value_or_none(raw)
            if value:
                m = _OBJECTIVE_RE.match(value)
                d.put("specific_objective.code", m.group(1) if m else None, no)
                d.put("specific_objective.name", m.group(2).strip() if m else value, no)
            return "specific_objective"
        if field == "*period":
            read_period(d, no, raw)
            return "start_date,end_date"
        if field in ("*street_address", "*postal_code", "*post_office"):
            name = field[1:]
            if (
                self.implementation_phase
                or (self.section is not None and _section_key(self.section)[0] >= 6)
                or d.get(f"applicant.{name}") is not None
            ):
                field = f"implementation_address.{name}"
            else:
                field = f"applicant.{name}"
        elif field == "*planned":
            if self.section == "7.2":
                field = "monitoring.persons_planned"
            elif self.section == "7.1":
                field = "monitoring.companies_planned"
            elif self.planned_seen == 0 and d.get("monitoring.companies_actual") is None:
                field = "monitoring.companies_planned"
            else:
                field = "monitoring.persons_planned"
            self.planned_seen += 1
        d.read(field, raw, no, _CONVERTERS.get(field))
        if field in _TEXT_FIELDS and d.get(field) is not None:
            self.last_text_field = field
        return field

    def _co_implementer(self, no: int, text: str) -> bool:
        d = self.draft
        value = strip_cells(text)
        index = len(d.co_implementers)
        m = _CO_IMPLEMENTER_RE.match(value)
        if m is None:
            if self.strict_co_implementers:
                return False
            d.co_implementers.append(CoImplementer(name=value))
            d.use(no, text, f"co_implementers[{index}]")
            return True
        business_id: str | None
        try:
            business_id = read_business_id(m.group("id"))
        except ValueError as exc:
            d.problem(no, f"co_implementers[{index}].business_id", m.group("id"), str(exc))
            business_id = None
        d.co_implementers.append(CoImplementer(name=m.group("name").strip(), business_id=business_id))
        d.use(no, text, f"co_implementers[{index}]")
        return True


def read_period(draft: RecordDraft, no: int, raw: str) -> None:
    """Start and end dates from a period text; each unreadable date is its own problem."""
    value = value_or_none(raw)
    if not value:
        return
    try:
        start, end = split_period(value)
    except ValueError as exc:
        draft.problem(no, "start_date", value, str(exc))
        return
    if start:
        draft.read("start_date", start, no, parse_fi_date)
    if end:
        draft.read("end_date", end, no, parse_fi_date)


class GenderReader:
    """The three gender-equality questions, each a Kyllä/Ei answer and the text after it."""

    def __init__(self, draft: RecordDraft) -> None:
        self.draft = draft
        self.current: str | None = None
        self.texts: dict[str, list[str]] = {}

    @staticmethod
    def question_of(text: str) -> tuple[str, str] | None:
        question, sep, answer = strip_cells(text).partition(":")
        key = GENDER_QUESTIONS.get(_norm(question))
        if not sep or key is None:
            return None
        return key, answer

    def handle(self, no: int, text: str) -> bool:
        hit = self.question_of(text)
        if hit is not None:
            key, answer = hit
            self.current = key
            entry = self.draft.gender.setdefault(key, {})
            field = f"gender_equality.{key}.answer"
            value = value_or_none(answer)
            if value is not None:
                try:
                    entry["answer"] = parse_yes_no(value)
                except ValueError as exc:
                    self.draft.problem(no, field, value, str(exc))
            self.texts.setdefault(key, [])
            self.draft.use(no, text, field, True)
            return True
        if self.current is None:
            return False
        self.texts[self.current].append(strip_cells(text))
        self.draft.use(no, text, f"gender_equality.{self.current}.text")
        return True

    def blank(self) -> None:
        if self.current is not None:
            self.texts[self.current].append("")

    def finish(self) -> None:
        for key, lines in self.texts.items():
            text = text_block(lines)
            if text is not None:
                self.draft.gender.setdefault(key, {})["text"] = text


class SustainabilityReader:
    """Section 8.2: group headings, criterion rows with two scores, and justifications."""

    _GROUPS = {_norm(g): g for g in SUSTAINABILITY}

    def __init__(self, draft: RecordDraft) -> None:
        self.draft = draft
        self.group: str | None = None
        self.texts: list[list[str]] = []

    @staticmethod
    def is_header(text: str) -> bool:
        # str.split() drops what the regex ``\s`` matches (both use str.isspace), without the regex
        return "".join(text.split()).replace("|", "").casefold() == "välitönvälillinen"

    @classmethod
    def group_of(cls, text: str) -> str | None:
        return cls._GROUPS.get(_norm(strip_cells(text)))

    @staticmethod
    def row_of(text: str) -> tuple[str, list[str]] | None:
        """``(criterion, score tokens)`` when ``text`` is a criterion row."""
        low = text.casefold()
        for name, folded in _CRITERIA_FOLDED:
            if low.startswith(folded):
                rest = text[len(name):]
                if rest and not (rest[0].isspace() or rest[0] == "|"):
                    continue
                tokens = [t for t in re.split(r"[\s|]+", rest) if t]
                if len(tokens) <= 2 and len(rest.strip()) <= 16:
                    return name, tokens
                return None
        m = _GENERIC_ROW_RE.match(text)
        if m:
            return m.group("name").strip(), [m.group("d"), m.group("i")]
        return None

    def handle(self, no: int, text: str) -> bool:
        d = self.draft
        if self.is_header(text):
            d.use(no, text, "sustainability", True)
            return True
        group = self.group_of(text)
        if group is not None:
            self.group = group
            d.use(no, text, "sustainability", True)
            return True
        row = self.row_of(text)
        if row is not None:
            name, tokens = row
            index = len(d.sustainability)
            entry: dict[str, Any] = {"criterion": name, "group": self.group}
            for slot, token in zip(("direct", "indirect"), tokens + [None, None], strict=False):
                field = f"sustainability[{index}].{slot}"
                if token is None:
                    d.problem(no, field, "", f"no {slot} score")
                    continue
                try:
                    entry[slot] = parse_score(token)
                except ValueError as exc:
                    d.problem(no, field, token, str(exc))
            d.sustainability.append(entry)
            self.texts.append([])
            d.use(no, text, f"sustainability[{index}]", True)
            return True
        if not d.sustainability:
            return False
        index = len(d.sustainability) - 1
        self.texts[index].append(strip_cells(text))
        d.use(no, text, f"sustainability[{index}].justification")
        return True

    def blank(self) -> None:
        if self.texts:
            self.texts[-1].append("")

    def finish(self) -> None:
        for entry, lines in zip(self.draft.sustainability, self.texts, strict=True):
            text = text_block(lines)
            if text is not None:
                entry["justification"] = text


def check_fund(draft: RecordDraft, fund: str | None, line: int) -> None:
    """Store the fund a heading names (checked against the code later, in finish_fund)."""
    if fund is None:
        return
    draft.put("fund", fund.upper(), line)


def finish_fund(draft: RecordDraft) -> None:
    """Fall back to the code's prefix for the fund, and report a heading that contradicts it."""
    implied = fund_from_code(draft.get("code"))
    stated = draft.get("fund")
    if stated is None:
        draft.put("fund", implied)
    elif implied is not None and implied != stated:
        draft.problem(
            draft.value_lines.get("fund"),
            "fund",
            stated,
            f"the heading names {stated} but code {draft.get('code')} is an {implied} code",
        )


def quarantine_or_build(draft: RecordDraft) -> ProjectRecord | ParseError:
    """The record, or a ParseError when it has neither a code nor a name to go by."""
    if draft.get("code") is None and draft.get("name") is None:
        return ParseError(
            draft.path,
            "no project code and no project name: not a readable record",
            line=draft.first_line,
            field="code",
        )
    return draft.build()


RecordParser = Callable[[SourceText, Sequence[tuple[int, str]]], ProjectRecord | ParseError]


def safe_parse(parse_one: RecordParser, source: SourceText, chunks: Sequence[Sequence[tuple[int, str]]]) -> ParseOutcome:
    """Parse each record chunk; anything a chunk throws quarantines that chunk only."""
    outcome = ParseOutcome()
    for chunk in chunks:
        if not any(clean_line(t) for _, t in chunk):
            continue
        outcome.units += 1
        try:
            result = parse_one(source, chunk)
        except ParseError as exc:
            result = exc
        except Exception as exc:  # noqa: BLE001 - the contract: parsers raise nothing else
            first = chunk[0][0] if chunk else None
            result = ParseError(source.path, f"parser failed on this record ({type(exc).__name__}: {exc})", line=first)
        if isinstance(result, ParseError):
            outcome.quarantined.append(result)
        else:
            outcome.records.append(result)
    return outcome


class EuraDescriptionParser:
    """Parser for the ``eura-description`` layout (see the module docstring)."""

    layout: ClassVar[str] = "eura-description"

    def sniff(self, text: str) -> bool:
        head = text[:6000]
        for raw in head.split("\n")[:80]:
            line = clean_line(raw)
            if HEADING_RE.match(line):
                return True
        return bool(re.search(r"^1 Hanke\s*$", head, re.M) and re.search(r"^Hankekoodi:", head, re.M))

    def split(self, lines: Sequence[tuple[int, str]]) -> list[list[tuple[int, str]]]:
        """Lines cut into records at each fund heading (or repeated "Hankekoodi:")."""
        starts: list[int] = []
        code_seen = False
        last_nonblank: int | None = None
        for i, (_, raw) in enumerate(lines):
            text = clean_line(raw)
            if not text:
                continue
            if HEADING_RE.match(text):
                start = i
                if last_nonblank is not None and CHROME_RE.match(clean_line(lines[last_nonblank][1])):
                    start = last_nonblank
                if not starts or start > starts[-1]:
                    starts.append(start)
                code_seen = False
            elif (EuraFields.label_of(text) or ("",))[0] == "hankekoodi":
                if code_seen:
                    start = i
                    if last_nonblank is not None and _norm(clean_line(lines[last_nonblank][1])) == "1 hanke":
                        start = last_nonblank
                    if not starts or start > starts[-1]:
                        starts.append(start)
                code_seen = True
            last_nonblank = i
        if not starts or starts[0] != 0:
            starts.insert(0, 0)
        bounds = [*starts, len(lines)]
        return [list(lines[a:b]) for a, b in zip(bounds, bounds[1:], strict=False) if a < b]

    def parse(self, source: SourceText) -> ParseOutcome:
        chunks = self.split(numbered_lines(source.text))
        return safe_parse(self._record, source, chunks)

    def _heading(self, text: str, current: str | None) -> str | None:
        m = _SECTION_RE.match(text)
        if not m:
            return None
        key = m.group(1) + (f".{m.group(2)}" if m.group(2) else "")
        if key not in SECTIONS:
            return None
        if current is not None and _section_key(key) <= _section_key(current):
            return None
        title = m.group(3).strip()
        if _norm(title) == _norm(SECTIONS[key]):
            return key
        if ":" in title or title.endswith(".") or len(text) > 100:
            return None
        return key

    def _record(self, source: SourceText, lines: Sequence[tuple[int, str]]) -> ProjectRecord | ParseError:
        draft = RecordDraft(source.path, source.sha256, self.layout, lines)
        fields = EuraFields(draft, continuation=True, strict_co_implementers=False)
        gender = GenderReader(draft)
        sustain = SustainabilityReader(draft)
        texts: dict[str, list[str]] = {}
        section: str | None = None
        for no, raw in lines:
            text = clean_line(raw)
            if not text:
                fields.blank()
                if section in TEXT_SECTIONS:
                    texts.setdefault(section, []).append("")
                elif section == "8.1":
                    gender.blank()
                elif section == "8.2":
                    sustain.blank()
                continue
            if CHROME_RE.match(text):
                draft.use(no, raw, "chrome")
                continue
            m = HEADING_RE.match(text)
            if m:
                check_fund(draft, m.group("fund"), no)
                draft.use(no, raw, "fund", True)
                continue
            key = self._heading(text, section)
            if key is not None:
                section = key
                fields.section = key
                fields.in_co_implementers = False
                draft.use(no, raw, f"section:{key}", True)
                continue
            if section in TEXT_SECTIONS or section == "4":
                hit = EuraFields.label_of(text)
                if hit and _section_key(EuraFields.home_section(hit[0])) > _section_key(section or "0"):
                    section = EuraFields.home_section(hit[0])  # its heading is missing
                    fields.section = section
                    draft.repairs.append(f"section {section} heading missing: section taken to start at line {no}")
            if section in TEXT_SECTIONS:
                texts.setdefault(section, []).append(text)
                draft.use(no, raw, TEXT_SECTIONS[section])
            elif section == "8.1":
                if not gender.handle(no, raw):
                    self._unused(draft, no, raw)
            elif section == "8.2":
                if not sustain.handle(no, text):
                    self._unused(draft, no, raw)
            elif not fields.handle(no, text):
                self._unused(draft, no, raw)
        for key, body in texts.items():
            draft.put(TEXT_SECTIONS[key], text_block(body))
        gender.finish()
        sustain.finish()
        finish_fund(draft)
        return quarantine_or_build(draft)

    @staticmethod
    def _unused(draft: RecordDraft, no: int, raw: str) -> None:
        label, sep, _ = clean_line(raw).partition(":")
        labelled = bool(sep) and 0 < len(label) <= 80 and not label.strip().endswith((".", ")"))
        draft.use(no, raw, None, labelled)
