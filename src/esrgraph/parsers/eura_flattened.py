"""The EURA project description flattened from its web page: no headings, cells joined by ``|``.

The "Label: value" lines are those of the sectioned layout and are read by the same
:class:`~esrgraph.parsers.eura_description.EuraFields`. With the headings gone, position
does the rest:

* Each "Hankekoodi:" opens a record; image chrome (``![]() |``) just above it belongs to it.
* "Jakeluosoite/Postinumero/Postitoimipaikka" are the applicant's until a funding or area
  label ("Myönnetty …", "Maakunnat:", "Kunnat:" …) has been seen, the implementation
  address after it.
* Monitoring figures are known by order: the first "Suunniteltu:" is companies planned,
  "Toteutunut seurantatietojen mukaan:" companies actual, the next "Suunniteltu:" persons.
* Unlabelled lines after the applicant block and before the first funding label are the
  summary followed by the target groups. Lines after the monitoring figures and the
  sustainability table (rows keep their ``|`` cells; the first line with no ``|`` ends the
  table) are the final report. Gender-equality questions, if present, take the lines after
  them until the table.

Paragraphs: a flattened page has no blank lines, so every line starts a paragraph unless the
line before it has no closing punctuation (``. ! ? …`` or a closing quote/bracket) — it was
cut mid-sentence or ends in a colon — or the line starts a list item (``1)``, ``- ``, ``•``).
Such lines join the paragraph with a newline.

Summary vs. target groups (conservative on purpose, so nothing moves without evidence): the
target groups start at the first paragraph whose opening words *define* the target group —
up to three words, then a form of "kohderyhmä", then "on/ovat/koostuu/muodostuu/muodostavat/
kuuluvat" ("Hankkeen välittömänä kohderyhmänä on …"). A paragraph that merely mentions a
target group ("… kohderyhmän kestävään työllistymiseen") stays in the summary. The indirect
target groups start only at a later paragraph that opens by naming "välilli…" target groups
("Välillisiä kohderyhmiä ovat …"). Without a defining paragraph the whole block is the
summary. Every line of the block lands in exactly one of the three fields.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

from esrgraph.core.errors import ParseError
from esrgraph.core.model import ProjectRecord
from esrgraph.parsers.base import ParseOutcome, SourceText
from esrgraph.parsers.eura_description import (
    CHROME_RE,
    HEADING_RE,
    EuraFields,
    GenderReader,
    SustainabilityReader,
    check_fund,
    finish_fund,
    quarantine_or_build,
    safe_parse,
)
from esrgraph.parsers.textutil import RecordDraft, clean_line, join_paragraphs, numbered_lines, strip_cells

_LIST_ITEM_RE = re.compile(r"^(?:\d{1,2}[).]\s|[-•–*]\s)")
_CLOSED_RE = re.compile(r"[.!?…\"”’»)]$")
_DIRECT_RE = re.compile(
    r"^(?:\S+\s+){0,3}?kohderyhm\w*\s+(?:on|ovat|koostuu|muodostuu|muodostavat|kuuluvat)\b", re.IGNORECASE
)
_INDIRECT_RE = re.compile(r"^(?:\S+\s+){0,3}?välilli\w*\s+kohderyhm\w*", re.IGNORECASE)
_CODE_LABEL_RE = re.compile(r"^Hankekoodi\s*:", re.IGNORECASE)

Line = tuple[int, str]


def flat_paragraphs(items: Sequence[Line]) -> list[list[Line]]:
    """Lines grouped into paragraphs by the rule in the module docstring."""
    out: list[list[Line]] = []
    current: list[Line] = []
    for no, text in items:
        if not text:
            if current:
                out.append(current)
                current = []
            continue
        if current and (_CLOSED_RE.search(current[-1][1]) and not _LIST_ITEM_RE.match(text)):
            out.append(current)
            current = []
        current.append((no, text))
    if current:
        out.append(current)
    return out


def _as_text(paragraphs: Sequence[Sequence[Line]]) -> str | None:
    return join_paragraphs([[t for _, t in p] for p in paragraphs])


def split_target_groups(
    paragraphs: Sequence[Sequence[Line]],
) -> tuple[list[Sequence[Line]], list[Sequence[Line]], list[Sequence[Line]]]:
    """Summary, direct and indirect target-group paragraphs (see the module docstring)."""
    direct_at: int | None = None
    indirect_at: int | None = None
    for i, para in enumerate(paragraphs):
        first = para[0][1]
        if _INDIRECT_RE.match(first):
            indirect_at = i
            break
        if direct_at is None and _DIRECT_RE.match(first):
            direct_at = i
    summary_end = direct_at if direct_at is not None else (indirect_at if indirect_at is not None else len(paragraphs))
    direct_end = indirect_at if indirect_at is not None else len(paragraphs)
    summary = list(paragraphs[:summary_end])
    direct = list(paragraphs[direct_at:direct_end]) if direct_at is not None else []
    indirect = list(paragraphs[indirect_at:]) if indirect_at is not None else []
    return summary, direct, indirect


class EuraFlattenedParser:
    """Parser for the ``eura-flattened`` layout (see the module docstring)."""

    layout: ClassVar[str] = "eura-flattened"

    def sniff(self, text: str) -> bool:
        head = text[:6000].split("\n")[:60]
        lines = [clean_line(t) for t in head]
        if any(HEADING_RE.match(t) for t in lines) or any(t == "1 Hanke" for t in lines):
            return False
        has_code = any(_CODE_LABEL_RE.match(t) for t in lines)
        labels = sum(1 for t in lines if EuraFields.label_of(t))
        return has_code and labels >= 3

    def split(self, lines: Sequence[Line]) -> list[list[Line]]:
        """Lines cut into records at each "Hankekoodi:" after the first."""
        starts = [0]
        seen = False
        for i, (_, raw) in enumerate(lines):
            if not _CODE_LABEL_RE.match(clean_line(raw)):
                continue
            if seen:
                start = i
                while start - 1 > starts[-1]:
                    above = clean_line(lines[start - 1][1])
                    if above and not CHROME_RE.match(above):
                        break
                    start -= 1
                starts.append(start)
            seen = True
        bounds = [*starts, len(lines)]
        return [list(lines[a:b]) for a, b in zip(bounds, bounds[1:], strict=False) if a < b]

    def parse(self, source: SourceText) -> ParseOutcome:
        chunks = self.split(numbered_lines(source.text))
        return safe_parse(self._record, source, chunks)

    def _record(self, source: SourceText, lines: Sequence[Line]) -> ProjectRecord | ParseError:
        draft = RecordDraft(source.path, source.sha256, self.layout, lines)
        fields = EuraFields(draft, continuation=False, strict_co_implementers=True)
        gender = GenderReader(draft)
        sustain = SustainabilityReader(draft)
        block: list[Line] = []
        final: list[Line] = []
        state = "head"  # head -> figures -> table -> final
        for no, raw in lines:
            text = clean_line(raw)
            if not text or not strip_cells(text) and state != "table":
                if state == "head" and block:
                    block.append((no, ""))
                elif state == "final":
                    final.append((no, ""))
                elif state == "table":
                    sustain.blank()
                if text:
                    draft.use(no, raw, "chrome")
                continue
            if CHROME_RE.match(text):
                draft.use(no, raw, "chrome")
                continue
            m = HEADING_RE.match(text)
            if m:
                check_fund(draft, m.group("fund"), no)
                draft.use(no, raw, "fund", True)
                continue
            if state == "final":
                final.append((no, strip_cells(text)))
                draft.use(no, raw, "final_report")
                continue
            if state == "table":
                if "|" in text or SustainabilityReader.row_of(text) or SustainabilityReader.group_of(text):
                    if not sustain.handle(no, text):
                        draft.use(no, raw, None)
                    continue
                state = "final"
                final.append((no, strip_cells(text)))
                draft.use(no, raw, "final_report")
                continue
            hit = EuraFields.label_of(text)
            table_start = SustainabilityReader.is_header(text) or SustainabilityReader.group_of(text) is not None
            if not table_start and hit is None and state == "figures" and SustainabilityReader.row_of(text):
                table_start = True
            if table_start:
                state = "table"
                sustain.handle(no, text)
                continue
            if GenderReader.question_of(text) is not None:
                state = "figures"
                gender.handle(no, raw)
                continue
            if hit is not None:
                if int(EuraFields.home_section(hit[0])[0]) >= 5:
                    state = "figures"
                    gender.current = None
                fields.handle(no, text)
                continue
            if fields.handle(no, text):  # "Osatoteuttajat" and its list, "Toteutuspaikan osoite"
                continue
            if state == "head":
                block.append((no, strip_cells(text)))
            elif gender.current is not None:
                gender.handle(no, raw)
            else:
                state = "final"
                final.append((no, strip_cells(text)))
                draft.use(no, raw, "final_report")
        self._block(draft, block)
        final_paragraphs = flat_paragraphs(final)
        draft.put("final_report", _as_text(final_paragraphs))
        gender.finish()
        sustain.finish()
        finish_fund(draft)
        return quarantine_or_build(draft)

    @staticmethod
    def _block(draft: RecordDraft, block: Sequence[Line]) -> None:
        summary, direct, indirect = split_target_groups(flat_paragraphs(block))
        for name, paragraphs in (("target_groups.direct", direct), ("target_groups.indirect", indirect)):
            if paragraphs:
                draft.repairs.append(f"{name} told from the summary by its opening words (line {paragraphs[0][0][0]})")
        for field, paragraphs in (
            ("summary", summary),
            ("target_groups.direct", direct),
            ("target_groups.indirect", indirect),
        ):
            draft.put(field, _as_text(paragraphs))
            for para in paragraphs:
                for no, text in para:
                    draft.use(no, text, field)
