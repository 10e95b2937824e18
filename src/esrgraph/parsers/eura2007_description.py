"""The 2007–2013 project description of the Rakennerahastotietopalvelu (``eura2007.fi/rrtiepa/projekti.php``).

The service of the 2007–2013 period shows one project as "Euroopan sosiaalirahaston (ESR) rahoittaman
projektin kuvaus" (or "Euroopan aluekehitysrahaston (EAKR) …"): *projektin*, where the 2014–2020
description says *hankkeen*. Its text, like the 2014–2020 one, is headed sections of "Label: value"
lines and free text. What is known of the real page, and from where (see
``tests/data/eura2007-description/README.md`` for the URLs):

* the page chrome ("Euroopan unioni", "RAKENNERAHASTOTIETOPALVELU", "EAKR- JA ESR-PROJEKTIT SUOMESSA
  OHJELMAKAUDELLA 2007 - 2013", "Vipuvoimaa EU:lta") — the service's own guide page, ``hakuohje.php``;
* a section "3.1 Maantieteellinen kohdealue" followed by either "Valtakunnallinen projekti" or three
  "Label: names" paragraphs (regions, subregions, municipalities) — public scrapers of the page;
* the EURA 2007 labels and value shapes ("Projektikoodi", "Projektin nimi", "Ohjelma", "Ohjelman osio",
  "Toimintalinja 2 : Innovaatiotoiminnan …", "Hakijaorganisaation nimi", "Organisaatiotyyppi",
  "Y-tunnus", "Lähiosoite", "Postinumero", "Postitoimipaikka", "Projektin vastuuhenkilön nimi",
  "Vastuuviranomainen", "Toteuttajan nimi") — EURA 2007 application forms and reports of real projects;
* the four amounts and the status words — the service's 2007–2013 project list.

The other section titles and labels are the ones the issue names ("Osio", "Toteuttajaorganisaation nimi",
"Vastuuhenkilön nimi", "Projektin tila", "Projektin tiivistelmä", "Toimenpidekokonaisuus") or likely
variants; they are read by *title*, not by number, so a page that numbers its sections differently
still reads. Unknown numbered sections keep their text in ``description``.

Where labels go:

======================================================  ==========================================
Label (normalised, ``:`` dropped)                        Field
======================================================  ==========================================
projektikoodi                                            ``code`` (a letter or two and digits)
projektin nimi                                           ``name``
osio, ohjelman osio                                      ``programme_part``
ohjelma                                                  ``programme_part`` when no Osio is given
                                                         (EAKR: the regional programme), else kept
                                                         only in coverage
toimintalinja ("2 : Name", "2. Name", "2 Name")          ``priority_axis`` number and name
vastuuviranomainen, viranomainen                         ``authority``
projektin kesto, toteutusaika ("d.m.yyyy - d.m.yyyy")    ``start_date``, ``end_date``
aloituspäivämäärä / päättymispäivämäärä (and -pvm)      ``start_date`` / ``end_date``
projektin tila, toiminnan tila, tila                     ``status``
toteuttajaorganisaation nimi, toteuttajan nimi,          ``applicant.name``
hakijaorganisaation nimi, hakijan nimi
organisaatiotyyppi, hakijatyyppi                         ``applicant.organisation_type``
y-tunnus                                                 ``applicant.business_id``
lähiosoite, jakeluosoite, osoite                         ``applicant.street_address``
postinumero / postitoimipaikka                           ``applicant.postal_code`` / ``post_office``
web-osoite, www-osoite                                   ``applicant.website``
(projektin) vastuuhenkilön nimi, vastuuhenkilö           ``applicant.contact.name``
asema organisaatiossa                                    ``applicant.contact.role``
sähköposti(osoite), vastuuhenkilön sähköposti(osoite)   ``applicant.contact.email`` ("(at)" read as @)
puhelin(numero), vastuuhenkilön puhelin(numero)          ``applicant.contact.phone`` once a contact
                                                         name was read, else ``applicant.phone``
myönnetty eu- ja valtion rahoitus, eu- ja valtion        ``funding.eu_state_granted``
rahoitus
toteutunut eu- ja valtion rahoitus                       ``funding.eu_state_realised``
suunniteltu julkinen rahoitus yhteensä, julkinen         ``funding.public_planned``
rahoitus (yhteensä)
toteutunut julkinen rahoitus yhteensä                    ``funding.public_realised``
maakunnat / seutukunnat / kunnat                         ``regions`` / ``subregions`` /
                                                         ``municipalities`` (lists as written)
toimenpidekokonaisuus, projektityyppi,                   no field: the line is kept in coverage as
kokonaisrahoitus, kokonaiskustannukset                   ``unmodelled:<label>``
======================================================  ==========================================

Sections read as text: "Projektin tiivistelmä" (or "Tiivistelmä") → ``summary``; "Kohderyhmät" and
"Varsinaiset kohderyhmät" → ``target_groups.direct``, "Välilliset kohderyhmät" → ``target_groups.indirect``;
any other numbered section → ``description`` (its heading, then its text). A known label inside a text
section ends the text (its heading is taken as missing, a repair). "Valtakunnallinen projekti" under the
geographical section says the project covers the whole country: it is read (coverage ``regions``) and the
three lists stay empty.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from esrgraph.core.errors import ParseError
from esrgraph.core.model import ProjectRecord
from esrgraph.parsers.base import ParseOutcome, SourceText
from esrgraph.parsers.eura_description import CHROME_RE, check_fund, finish_fund, read_period, safe_parse
from esrgraph.parsers.textutil import (
    RecordDraft,
    clean_line,
    numbered_lines,
    parse_amount,
    parse_email,
    parse_fi_date,
    parse_postal_code,
    read_business_id,
    split_list,
    strip_cells,
    text_block,
    value_or_none,
)

HEADING_RE = re.compile(
    r"^Euroopan\s+\S+\s*\((?P<fund>ESR|EAKR)\)\s+rahoittaman\s+projektin\s+kuvaus\s*$", re.IGNORECASE
)
#: The service's page chrome (its guide page shows the same banner); the 2014 chrome is shared.
CHROME_2007_RE = re.compile(
    r"^(?:RAKENNERAHASTOTIETOPALVELU|EAKR-\s*JA\s+ESR-PROJEKTIT\s+SUOMESSA\s+OHJELMAKAUDELLA\s+2007\s*-\s*2013)$",
    re.IGNORECASE,
)
#: A 2007–2013 code: S1xxxx for ESR; Axxxxx, Axxxxxx and Axxxxxxxxx for EAKR (the project list shows all
#: three). The shape is checked loosely here; which shapes a period knows is the code lists' business.
CODE_2007_RE = re.compile(r"^[A-Z]{1,2}\d{4,10}$")
_CODE_LABEL_RE = re.compile(r"^Projektikoodi\s*:", re.IGNORECASE)
_SECTION_RE = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2})?)\.?\s+(?P<title>\S.{0,80})$")
_AXIS_RE = re.compile(r"^(?P<num>\d+)\s*(?::|\.|\s)\s*(?P<name>.+)$")
_NATIONAL_RE = re.compile(r"^valtakunnallinen\s+projekti\.?$", re.IGNORECASE)

#: Section title (normalised, number dropped) -> what the section holds.
SECTION_TITLES: dict[str, str] = {
    "projektin perustiedot": "fields",
    "perustiedot": "fields",
    "projekti": "fields",
    "projektin tiedot": "fields",
    "toteuttajan tiedot": "fields",
    "toteuttaja": "fields",
    "projektin toteuttaja": "fields",
    "toteuttajaorganisaatio": "fields",
    "projektin toteuttajan tiedot": "fields",
    "yhteystiedot": "fields",
    "projektin kohdealue ja kohderyhmät": "fields",
    "maantieteellinen kohdealue": "area",
    "kohdealue": "area",
    "projektin tiivistelmä": "summary",
    "tiivistelmä": "summary",
    "projektin kuvaus": "summary",
    "kohderyhmät": "target_groups.direct",
    "projektin kohderyhmät": "target_groups.direct",
    "varsinaiset kohderyhmät": "target_groups.direct",
    "välilliset kohderyhmät": "target_groups.indirect",
    "rahoitus": "fields",
    "projektin rahoitus": "fields",
    "projektin julkinen rahoitus": "fields",
    "projektin julkinen rahoitus, euroa": "fields",
    "rahoitustiedot": "fields",
}
#: Sections whose lines are one long text, and the field the text goes to.
TEXT_KINDS = ("summary", "target_groups.direct", "target_groups.indirect", "description")


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _code(value: str) -> str:
    code = value.strip().upper()
    if not CODE_2007_RE.match(code):
        raise ValueError("not a project code (expected a letter and digits, e.g. S10324 or A543697)")
    return code


#: Normalised label -> field, pseudo-field ("*…") or "unmodelled:<label>".
LABELS: dict[str, str] = {
    "projektikoodi": "code",
    "projektin nimi": "name",
    "ohjelma": "*programme",
    "osio": "programme_part",
    "ohjelman osio": "programme_part",
    "toimintalinja": "*axis",
    "vastuuviranomainen": "authority",
    "viranomainen": "authority",
    "projektin kesto": "*period",
    "toteutusaika": "*period",
    "suunnitelman mukainen toteutusaika": "*period",
    "aloituspäivämäärä": "start_date",
    "aloituspvm": "start_date",
    "päättymispäivämäärä": "end_date",
    "päättymispvm": "end_date",
    "projektin tila": "status",
    "toiminnan tila": "status",
    "tila": "status",
    "toteuttajaorganisaation nimi": "applicant.name",
    "toteuttajan nimi": "applicant.name",
    "hakijaorganisaation nimi": "applicant.name",
    "hakijan nimi": "applicant.name",
    "organisaatiotyyppi": "applicant.organisation_type",
    "hakijatyyppi": "applicant.organisation_type",
    "y-tunnus": "applicant.business_id",
    "lähiosoite": "applicant.street_address",
    "jakeluosoite": "applicant.street_address",
    "osoite": "applicant.street_address",
    "postinumero": "applicant.postal_code",
    "postitoimipaikka": "applicant.post_office",
    "web-osoite": "applicant.website",
    "www-osoite": "applicant.website",
    "vastuuhenkilön nimi": "applicant.contact.name",
    "projektin vastuuhenkilön nimi": "applicant.contact.name",
    "vastuuhenkilö": "applicant.contact.name",
    "asema organisaatiossa": "applicant.contact.role",
    "sähköposti": "applicant.contact.email",
    "sähköpostiosoite": "applicant.contact.email",
    "vastuuhenkilön sähköposti": "applicant.contact.email",
    "vastuuhenkilön sähköpostiosoite": "applicant.contact.email",
    "puhelin": "*phone",
    "puhelinnumero": "*phone",
    "vastuuhenkilön puhelin": "applicant.contact.phone",
    "vastuuhenkilön puhelinnumero": "applicant.contact.phone",
    "myönnetty eu- ja valtion rahoitus": "funding.eu_state_granted",
    "eu- ja valtion rahoitus": "funding.eu_state_granted",
    "toteutunut eu- ja valtion rahoitus": "funding.eu_state_realised",
    "suunniteltu julkinen rahoitus yhteensä": "funding.public_planned",
    "julkinen rahoitus yhteensä": "funding.public_planned",
    "julkinen rahoitus": "funding.public_planned",
    "toteutunut julkinen rahoitus yhteensä": "funding.public_realised",
    "maakunnat": "regions",
    "seutukunnat": "subregions",
    "kunnat": "municipalities",
    "toimenpidekokonaisuus": "unmodelled:toimenpidekokonaisuus",
    "projektityyppi": "unmodelled:projektityyppi",
    "kokonaisrahoitus": "unmodelled:kokonaisrahoitus",
    "kokonaiskustannukset": "unmodelled:kokonaiskustannukset",
}
_CONVERTERS: dict[str, Any] = {
    "code": _code,
    "start_date": parse_fi_date,
    "end_date": parse_fi_date,
    "applicant.business_id": read_business_id,
    "applicant.postal_code": parse_postal_code,
    "applicant.contact.email": parse_email,
    "funding.eu_state_granted": parse_amount,
    "funding.eu_state_realised": parse_amount,
    "funding.public_planned": parse_amount,
    "funding.public_realised": parse_amount,
    "regions": split_list,
    "subregions": split_list,
    "municipalities": split_list,
}
#: Fields whose value may wrap onto the next line.
_TEXT_FIELDS = {"name", "status", "authority", "programme_part", "applicant.name", "applicant.organisation_type"}


def label_of(text: str) -> tuple[str, str] | None:
    """``(normalised label, raw value)`` when ``text`` starts with a label of this layout."""
    label, sep, value = text.partition(":")
    if not sep:
        return None
    key = _norm(strip_cells(label))
    if key in LABELS:
        return key, value
    return None


class _Reader:
    """One record's lines: sections, labelled fields, text sections."""

    def __init__(self, draft: RecordDraft) -> None:
        self.draft = draft
        self.kind = "fields"
        self.number: tuple[int, ...] | None = None
        self.texts: dict[str, list[str]] = {}
        self.last_text_field: str | None = None
        self.programme: tuple[int, str] | None = None

    def heading(self, text: str) -> tuple[str, str | None] | None:
        """``(kind, number)`` when ``text`` is a section heading."""
        m = _SECTION_RE.match(text)
        title = m.group("title") if m else text
        number = m.group("num") if m else None
        kind = SECTION_TITLES.get(_norm(title).rstrip(":"))
        if kind is not None:
            return kind, number
        if m is None or ":" in title or title.rstrip().endswith((".", ",")) or len(title) > 60:
            return None
        key = tuple(int(p) for p in number.split(".")) if number else ()
        if self.number is not None and key <= self.number:
            return None
        if not title[:1].isupper():
            return None
        return "description", number

    def line(self, no: int, raw: str) -> None:
        d = self.draft
        text = clean_line(raw)
        if CHROME_RE.match(text) or CHROME_2007_RE.match(text):
            d.use(no, raw, "chrome")
            return
        m = HEADING_RE.match(text)
        if m:
            check_fund(d, m.group("fund"), no)
            d.use(no, raw, "fund", True)
            return
        head = self.heading(text)
        if head is not None:
            kind, number = head
            self.kind = kind
            self.last_text_field = None
            if number:
                self.number = tuple(int(p) for p in number.split("."))
            if kind == "description":
                self.texts.setdefault(kind, []).extend([text, ""])
            d.use(no, raw, f"section:{number or _norm(text)}", True)
            return
        hit = label_of(text)
        if self.kind in TEXT_KINDS:
            if hit is None:
                self.texts.setdefault(self.kind, []).append(text)
                d.use(no, raw, self.kind)
                return
            d.repairs.append(f"section heading missing before line {no}: the {self.kind} text taken to end there")
            self.kind = "fields"
        if hit is not None:
            self.last_text_field = None
            self._field(no, raw, *hit)
            return
        if self.kind == "area" and _NATIONAL_RE.match(text):
            d.use(no, raw, "regions", True)
            return
        label, sep, _ = text.partition(":")
        labelled = bool(sep) and 0 < len(label) <= 80 and not label.strip().endswith((".", ")"))
        if self.last_text_field is not None and not labelled:
            field = self.last_text_field
            d.put(field, f"{d.get(field)} {strip_cells(text)}")
            d.repairs.append(f"{field} continued on line {no}")
            d.use(no, raw, field)
            return
        d.use(no, raw, None, labelled)

    def blank(self) -> None:
        self.last_text_field = None
        if self.kind in TEXT_KINDS:
            self.texts.setdefault(self.kind, []).append("")

    def _field(self, no: int, raw: str, key: str, value: str) -> None:
        d = self.draft
        field = LABELS[key]
        if field.startswith("unmodelled:"):
            d.use(no, raw, field, True)
            return
        if field == "*axis":
            text = value_or_none(value)
            if text:
                m = _AXIS_RE.match(text)
                d.put("priority_axis.number", m.group("num") if m else None, no)
                d.put("priority_axis.name", m.group("name").strip() if m else text, no)
            d.use(no, raw, "priority_axis", True)
            return
        if field == "*period":
            read_period(d, no, value)
            d.use(no, raw, "start_date,end_date", True)
            return
        if field == "*programme":
            text = value_or_none(value)
            if text:
                self.programme = (no, text)
            d.use(no, raw, "unmodelled:ohjelma", True)
            return
        if field == "*phone":
            field = "applicant.contact.phone" if d.get("applicant.contact.name") else "applicant.phone"
        d.read(field, value, no, _CONVERTERS.get(field))
        if field in _TEXT_FIELDS and d.get(field) is not None:
            self.last_text_field = field
        d.use(no, raw, field, True)

    def finish(self) -> str | None:
        """Put the long texts; the programme part (Osio, else Ohjelma) is returned, not stored."""
        d = self.draft
        for kind, lines in self.texts.items():
            d.put(kind, text_block(lines))
        part: str | None = d.get("programme_part")
        if part is None and self.programme is not None:
            no, text = self.programme
            part = text
            d.put("programme_part", text, no)
            line = d.uses[no]
            d.uses[no] = line._replace(field="programme_part")
        return part


class Eura2007DescriptionParser:
    """Parser for the ``eura2007-description`` layout (see the module docstring)."""

    layout: ClassVar[str] = "eura2007-description"

    def sniff(self, text: str) -> bool:
        """The title line, or a "Projektikoodi:" line with another label only this layout has."""
        lines = [clean_line(t) for t in text[:8000].split("\n")[:120]]
        if any(HEADING_RE.match(t) for t in lines):
            return True
        if not any(_CODE_LABEL_RE.match(t) for t in lines):
            return False
        own = {"projektin nimi", "osio", "ohjelman osio", "toteuttajaorganisaation nimi", "vastuuhenkilön nimi"}
        return any((label_of(t) or ("",))[0] in own for t in lines) or any(
            _norm(t).endswith("maantieteellinen kohdealue") for t in lines
        )

    def split(self, lines: Sequence[tuple[int, str]]) -> list[list[tuple[int, str]]]:
        """Lines cut into records at each title line (with the chrome above it) or repeated "Projektikoodi:"."""
        starts: list[int] = []
        code_seen = False
        for i, (_, raw) in enumerate(lines):
            text = clean_line(raw)
            if HEADING_RE.match(text):
                start = i
                while start > 0:
                    above = clean_line(lines[start - 1][1])
                    if above and not (CHROME_RE.match(above) or CHROME_2007_RE.match(above)):
                        break
                    start -= 1
                while start < i and not clean_line(lines[start][1]):
                    start += 1  # the record opens at its first chrome line, not at a blank one
                if starts and start <= starts[-1]:
                    start = i
                starts.append(start)
                code_seen = False
            elif _CODE_LABEL_RE.match(text):
                if code_seen:
                    starts.append(i)
                code_seen = True
        if not starts or starts[0] != 0:
            starts.insert(0, 0)
        bounds = [*starts, len(lines)]
        return [list(lines[a:b]) for a, b in zip(bounds, bounds[1:], strict=False) if a < b]

    def parse(self, source: SourceText) -> ParseOutcome:
        """Every description in the file.

        Raises:
            ParseError: the text has neither a "… rahoittaman projektin kuvaus" title nor a
                "Projektikoodi:" line, so it is not this layout.
        """
        lines = numbered_lines(source.text)
        if not any(HEADING_RE.match(clean_line(t)) or _CODE_LABEL_RE.match(clean_line(t)) for _, t in lines):
            raise ParseError(
                source.path,
                "not a 2007-2013 project description: no '… rahoittaman projektin kuvaus' title "
                "and no 'Projektikoodi:' line",
                line=1,
            )
        return safe_parse(self._record, source, self.split(lines))

    def _record(self, source: SourceText, lines: Sequence[tuple[int, str]]) -> ProjectRecord | ParseError:
        draft = RecordDraft(source.path, source.sha256, self.layout, lines)
        reader = _Reader(draft)
        for no, raw in lines:
            if clean_line(raw):
                reader.line(no, raw)
            else:
                reader.blank()
        part = reader.finish()
        finish_fund(draft)
        if draft.get("code") is None and draft.get("name") is None:
            return ParseError(
                draft.path,
                "no project code and no project name: not a readable record",
                line=draft.first_line,
                field="code",
            )
        return draft.build().replace(programme_part=part)
