"""Deterministic generator of realistic esrgraph inputs, in every layout.

The same ``(n, seed)`` always gives the same bytes. Records are drawn from the bundled
code lists (data/codelists): 1-30 municipalities of one region, 0-12 co-implementers with
Y-tunnus whose check digit python-stdnum accepts, long texts and the sustainability
table. Organisations recur as they do in the real 2014-2020 list, where 2,865 projects
have 1,606 distinct applicants (56 %) and the busiest leads 83: each mention (applicant or
co-implementer) is a new organisation with probability ``NEW_ORGANISATION_SHARE``, else
one met before, drawn in proportion to its mentions so far (a Yule-Simon process). At
2,865 projects that gives 57 % distinct applicants (the busiest leads 45); at 30,000,
about 63,000 organisations for 210,000 mentions. A set share of records is faulty on purpose (wrong check digit, end before start,
garbled amount, realised above granted, score out of range), so validation has work.

Two corpora (``--corpus``), the same for the same ``(n, seed, corpus)``:

- ``standard`` (the default): one organisation, one Y-tunnus, as above;
- ``findings-heavy``: the same projects, but names and business ids disagree as in messy registers. Each
  mention of an organisation is given, with probability ``MESSY_ID_SHARE`` (30 %), another Y-tunnus: half
  the time one drawn from the pool of every Y-tunnus issued so far (so one id stands under several names),
  else a fresh valid one (added to the pool). A busy organisation then appears under many ids, so the
  ``org-name-several-business-ids`` findings grow with the size of its group, as in the registers that made
  ``esrgraph build`` write a 1.26 GB fix list (issue #23). Those draws come from a random generator of
  their own, seeded from ``seed``, so every other byte is the standard corpus's.

Both have 5 % faulty records by default (``--faulty-share``). Records are made one at a time (``files``
is a generator), so a corpus of 100,000 descriptions is written without holding them all.

Usage::

    .venv/bin/python -m benchmarks.generate OUT_DIR --records 1000 [--seed 7] [--layout eura-description] \\
        [--corpus standard|findings-heavy]
"""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from stdnum.fi import ytunnus

ROOT = Path(__file__).resolve().parent.parent
CODELISTS = ROOT / "data" / "codelists"
LAYOUTS = ("eura-description", "eura-flattened", "portal-card", "projectlist-csv")
#: Kinds of injected faults, cycled through the faulty records.
FAULTS = ("bad-check-digit", "end-before-start", "garbled-amount", "realised-above-granted", "score-out-of-range")

_WORDS = (
    "hanke kehittää työllisyyttä osaamista yrityksiä nuoria maahanmuuttajia alueella palveluita verkosto "
    "yhteistyö koulutus ohjaus kokeilu malli toiminta asiakkaat osallisuus digitalisaatio kestävä kasvu "
    "innovaatio vienti pk-yritykset tutkimus työpaikat valmennus polku tuki arviointi tulokset juurruttaminen"
).split()
_ORG_STEMS = ("Koulutuskeskus", "Kehitys", "Osaamispalvelut", "Yrityspalvelut", "Säätiö", "Työpaja", "Teknologia",
              "Ammattiopisto", "Kuntayhtymä", "Yhdistys")
_ORG_SUFFIX = ("Oy", "ry", "Ab", "sr", "Oyj", "")
#: Share of organisation mentions that are a new organisation, set so that the applicants of
#: 2,865 generated projects are as often distinct as in the real list (1,606 of 2,865).
NEW_ORGANISATION_SHARE = 0.3
#: The corpora ``projects`` can make (see the module docstring).
CORPORA = ("standard", "findings-heavy")
#: In the findings-heavy corpus, the share of organisation mentions given another Y-tunnus than their own.
MESSY_ID_SHARE = 0.3


def _read(name: str) -> list[dict[str, str]]:
    with (CODELISTS / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class _Lists:
    regions: list[dict[str, str]]
    municipalities: dict[str, list[str]]  # region code -> current municipality names
    authorities: list[str]
    axes: list[dict[str, str]]
    objectives: list[dict[str, str]]
    statuses: list[str]
    org_types: list[str]
    criteria: list[dict[str, str]]


def _lists() -> _Lists:
    munis: dict[str, list[str]] = {}
    for row in _read("municipalities.csv"):
        if not row["valid_to"] or row["valid_to"] >= "2020-12-31":
            names = munis.setdefault(row["region_code"], [])
            if row["name_fi"] not in names:
                names.append(row["name_fi"])
    regions = [r for r in _read("regions.csv") if r["code"] in munis and r["code"] != "21"]
    authorities = [r["name_fi"] for r in _read("authorities.csv") if "2014-2020" in r.get("funded", "")]
    axes = [r for r in _read("priority-axes.csv") if r["period"] == "2014-2020"]
    objectives = [r for r in _read("specific-objectives.csv") if r["name_verified"] == "yes" and r["priority_axis"]]
    return _Lists(
        regions=regions,
        municipalities=munis,
        authorities=authorities or ["Hämeen elinkeino-, liikenne- ja ympäristökeskus"],
        axes=axes,
        objectives=objectives,
        statuses=[r["name_fi"] for r in _read("statuses.csv")],
        org_types=[r["name_fi"] for r in _read("organisation-types.csv")],
        criteria=[r for r in _read("sustainability-criteria.csv") if r["notation"] != "dummy"],
    )


def business_id(rng: random.Random, *, wrong: bool = False) -> str:
    """A Y-tunnus that python-stdnum accepts (or, with ``wrong``, one with a wrong check digit)."""
    while True:
        body = f"{rng.randrange(0, 10_000_000):07d}"
        rest = sum(w * int(c) for w, c in zip((7, 9, 10, 5, 8, 4, 2), body)) % 11
        if rest == 1:  # never issued
            continue
        digit = str(0 if rest == 0 else 11 - rest)
        if wrong:
            digit = str((int(digit) + 1 + rng.randrange(8)) % 10)
            if ytunnus.is_valid(f"{body}-{digit}"):
                continue
            return f"{body}-{digit}"
        value = f"{body}-{digit}"
        assert ytunnus.is_valid(value)
        return value


def _text(rng: random.Random, words: int) -> str:
    out: list[str] = []
    for i in range(words):
        w = rng.choice(_WORDS)
        out.append(w.capitalize() if i == 0 or out[-1].endswith(".") else w)
        if i % 14 == 13:
            out[-1] += "."
    return " ".join(out).rstrip(".") + "."


def _fi_date(d: date) -> str:
    return f"{d.day}.{d.month}.{d.year}"


def _amount(value: int) -> str:
    return f"{value:,}".replace(",", " ")


@dataclass
class Project:
    code: str
    fund: str
    name: str
    axis: dict[str, str]
    objective: dict[str, str] | None
    status: str
    authority: str
    start: date
    end: date
    applicant: str
    applicant_id: str
    org_type: str
    region: dict[str, str]
    municipalities: list[str]
    co_implementers: list[tuple[str, str]]
    granted: int
    realised: int
    planned_public: int
    realised_public: int
    companies: int
    persons: int
    scores: list[tuple[str, int, int, str]]
    summary: str
    final_report: str
    fault: str | None
    garbled_amount: bool = False


@dataclass(frozen=True)
class Organisation:
    name: str
    business_id: str
    org_type: str


class _Organisations:
    """The organisations of one generated corpus: new ones, or ones met before by their mentions."""

    def __init__(self, rng: random.Random, lists: _Lists) -> None:
        self._rng, self._lists = rng, lists
        self._mentions: list[Organisation] = []  # one entry per mention: a draw from it is by mentions
        self._names: set[str] = set()

    def _new(self) -> Organisation:
        rng = self._rng
        while True:
            place = rng.choice(rng.choice(list(self._lists.municipalities.values())))
            name = f"{rng.choice(_ORG_STEMS)} {rng.choice(_WORDS).capitalize()} {place} {rng.choice(_ORG_SUFFIX)}".strip()
            if name not in self._names:  # one name, one organisation (the real list has few homonyms)
                self._names.add(name)
                return Organisation(name, business_id(rng), rng.choice(self._lists.org_types))

    def draw(self, exclude: set[str]) -> Organisation:
        """An organisation for one mention, none of those named in ``exclude`` (a project's others)."""
        for _ in range(20):
            if not self._mentions or self._rng.random() < NEW_ORGANISATION_SHARE:
                org = self._new()
            else:
                org = self._rng.choice(self._mentions)
            if org.name not in exclude:
                self._mentions.append(org)
                return org
        org = self._new()
        self._mentions.append(org)
        return org


class _MessyIds:
    """The findings-heavy corpus's Y-tunnus of a mention: its own, or (``MESSY_ID_SHARE``) another one.

    Its random generator is its own, so the standard corpus's draws, and so every other byte, stay the same.
    """

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"findings-heavy:{seed}")
        self._pool: list[str] = []  # every Y-tunnus issued so far, once
        self._known: set[str] = set()

    def _add(self, value: str) -> None:
        if value not in self._known:
            self._known.add(value)
            self._pool.append(value)

    def business_id(self, own: str) -> str:
        """The id to print for one mention of the organisation whose Y-tunnus is ``own``."""
        self._add(own)
        rng = self._rng
        if rng.random() >= MESSY_ID_SHARE:
            return own
        if rng.random() < 0.5:
            return rng.choice(self._pool)
        fresh = business_id(rng)
        self._add(fresh)
        return fresh


def projects(n: int, seed: int = 7, faulty_share: float = 0.05, corpus: str = "standard") -> Iterator[Project]:
    """``n`` projects, the same for the same ``(seed, corpus)``; every ``1/faulty_share``-th one has a fault."""
    if corpus not in CORPORA:
        raise ValueError(f"unknown corpus {corpus!r}: one of {', '.join(CORPORA)}")
    rng = random.Random(seed)
    lists = _lists()
    organisations = _Organisations(rng, lists)
    messy = _MessyIds(seed) if corpus == "findings-heavy" else None
    every = max(1, round(1 / faulty_share)) if faulty_share > 0 else 0
    faults = 0
    for i in range(n):
        fund = "ESR" if i % 3 else "EAKR"
        code = f"{'S2' if fund == 'ESR' else 'A7'}{i % 10000:04d}" if n <= 10000 else f"{'S' if fund == 'ESR' else 'A'}{i:05d}"
        axes = [a for a in lists.axes if a["fund"] == fund] or lists.axes
        axis = rng.choice(axes)
        objectives = [o for o in lists.objectives if o["priority_axis"] == axis["number"]]
        region = rng.choice(lists.regions)
        munis = lists.municipalities[region["code"]]
        start = date(2014, 9, 1) + timedelta(days=rng.randrange(0, 5 * 365))
        end = start + timedelta(days=rng.randrange(180, 4 * 365))
        granted = rng.randrange(20_000, 2_000_000)
        realised = int(granted * rng.uniform(0.3, 1.0))
        planned_public = int(granted * rng.uniform(1.0, 1.4))
        realised_public = int(planned_public * rng.uniform(0.3, 1.0))
        fault = None
        if every and i % every == every - 1:
            fault = FAULTS[faults % len(FAULTS)]
            faults += 1
        if fault == "end-before-start":
            start, end = end, start
        if fault == "realised-above-granted":
            realised = granted + rng.randrange(1, 50_000)
        applicant = organisations.draw(set())
        taken = {applicant.name}
        co = []
        for _ in range(rng.randrange(0, 13)):
            partner = organisations.draw(taken)
            taken.add(partner.name)
            co.append((partner.name, messy.business_id(partner.business_id) if messy else partner.business_id))
        scores = []
        for c in rng.sample(lists.criteria, k=min(len(lists.criteria), rng.randrange(8, 16))):
            direct, indirect = rng.randrange(0, 11), rng.randrange(0, 11)
            scores.append((c["name_fi"], direct, indirect, _text(rng, rng.randrange(0, 40)) if rng.random() < 0.5 else ""))
        if fault == "score-out-of-range" and scores:
            name, _d, ind, just = scores[0]
            scores[0] = (name, 12, ind, just)
        yield Project(
            code=code,
            fund=fund,
            name=_text(rng, rng.randrange(2, 8)).rstrip(".").capitalize(),
            axis=axis,
            objective=rng.choice(objectives) if objectives else None,
            status=rng.choice(lists.statuses),
            authority=rng.choice(lists.authorities),
            start=start,
            end=end,
            applicant=applicant.name,
            applicant_id=(business_id(rng, wrong=True) if fault == "bad-check-digit"  # drawn here: the standard order
                          else messy.business_id(applicant.business_id) if messy else applicant.business_id),
            org_type=applicant.org_type,
            region=region,
            municipalities=rng.sample(munis, k=min(len(munis), rng.randrange(1, 31))),
            co_implementers=co,
            granted=granted,
            realised=realised,
            planned_public=planned_public,
            realised_public=realised_public,
            companies=rng.randrange(0, 60),
            persons=rng.randrange(0, 400),
            scores=scores,
            summary="\n\n".join(_text(rng, rng.randrange(60, 200)) for _ in range(rng.randrange(1, 4))),
            final_report=_text(rng, rng.randrange(50, 400)) if rng.random() < 0.6 else "",
            fault=fault,
            garbled_amount=fault == "garbled-amount",
        )


def description(p: Project) -> str:
    """A full EURA project description (the layout of data/samples)."""
    axis = f"{p.axis['number']}. {p.axis['name_fi']}"
    lines = [
        "Euroopan unioni Vipuvoimaa EU:lta", "",
        f"Euroopan {'sosiaalirahaston (ESR)' if p.fund == 'ESR' else 'aluekehitysrahaston (EAKR)'} rahoittaman hankkeen kuvaus", "",
        "1 Hanke", "", f"Hankekoodi: {p.code}", "", f"Hankkeen nimi: {p.name}", "", f"Toimintalinja: {axis}", "",
    ]
    if p.objective:
        lines += [f"Erityistavoite: {p.objective['code']}. {p.objective['name_fi']}", ""]
    lines += [
        f"Suunnitelman mukainen toteutusaika: Alkaa {_fi_date(p.start)} ja päättyy {_fi_date(p.end)}", "",
        f"Toiminnan tila: {p.status}", "", f"Vastuuviranomainen: {p.authority}", "",
        "2 Hakijan perustiedot", "", f"Hakijan virallinen nimi: {p.applicant}", "",
        f"Organisaatiotyyppi: {p.org_type}", "", f"Y-tunnus: {p.applicant_id}", "",
        "Jakeluosoite: Esimerkkikatu 1", "", "Puhelinnumero: 0401234567", "", "Postinumero: 00100", "",
        "Postitoimipaikka: Helsinki", "", "WWW-osoite:", "", "Hankkeen yhteyshenkilön nimi: Maija Meikäläinen", "",
        "Yhteyshenkilön asema hakijaorganisaatiossa: Projektipäällikkö", "",
        "Yhteyshenkilön sähköpostisoite: maija.meikalainen(at)example.fi", "",
        "Yhteyshenkilön puhelinnumero: +358401234567", "",
        f"Hakijoiden lukumäärä tai tuen siirto -menettely: {'Useampi hakija' if p.co_implementers else 'Vain yksi hakija'}", "",
    ]
    if p.co_implementers:
        lines += ["Osatoteuttajat"] + [f"{name}, {bid}" for name, bid in p.co_implementers] + [""]
    granted = "199 77x" if p.garbled_amount else _amount(p.granted)
    lines += [
        "3 Suunnitelman mukainen tiivistelmä toteutuksesta", "", p.summary, "",
        "4 Hankkeen kohderyhmät", "", "4.1 Varsinaiset kohderyhmät", "", "Työttömät ja työttömyysuhan alaiset.", "",
        "4.2 Välilliset kohderyhmät", "", "Alueen yritykset ja viranomaiset.", "",
        "5 Projektin julkinen rahoitus, euroa", "",
        f"Myönnetty EU- ja valtion rahoitus: {granted}", "",
        f"Toteutunut EU- ja valtion rahoitus: {_amount(p.realised)}", "",
        f"Suunniteltu julkinen rahoitus yhteensä: {_amount(p.planned_public)}", "",
        f"Toteutunut julkinen rahoitus yhteensä: {_amount(p.realised_public)}", "",
        "6 Maantieteellinen kohdealue", "", f"Maakunnat: {p.region['name_fi']}", "",
        f"Kunnat: {', '.join(p.municipalities)}", "",
        "Toteutuspaikan osoite, jos hanke toteutetaan yhdessä paikassa", "", "Jakeluosoite:", "", "Postinumero:", "",
        "Postitoimipaikka:", "",
        "7 Hakemusvaiheessa ilmoitettavat arviot hankekohtaisista seurantiedoista", "",
        "7.1 Osallistuvien yritysten lukumäärä", "", f"Suunniteltu: {p.companies}", "",
        "7.2 Osallistuvien henkilöiden lukumäärä", "", f"Suunniteltu: {p.persons}", "",
        "8 Horisontaaliset periaatteet", "", "8.1 Sukupuolten tasa-arvo", "",
        "Hankkeessa on tehty toimintaympäristön analyysi sukupuolinäkökulmasta: Kyllä",
        "Analyysi on tehty.",
        "Sukupuolinäkökulma on huomioitu hankkeen toiminnassa (valtavirtaistaminen): Kyllä",
        "Hankkeen päätavoite on sukupuolten tasa-arvon edistäminen: Ei", "",
        "8.2 Kestävä kehitys", "", "VälitönVälillinen",
    ]
    for name, direct, indirect, just in p.scores:
        lines.append(f"{name} {direct} {indirect}")
        if just:
            lines.append(just)
    lines.append("")
    if p.final_report:
        lines += ["9 Loppuraportin tiivistelmä", "", p.final_report, ""]
    return "\n".join(lines) + "\n"


def flattened(p: Project) -> str:
    """An EURA page flattened to text (the layout of tests/data/eura-flattened)."""
    axis = f"{p.axis['number']}. {p.axis['name_fi']}"
    lines = ["![]() |", "![]() |", f"Hankekoodi: {p.code}", f"Hankkeen nimi: {p.name}", f"Toimintalinja: {axis}"]
    if p.objective:
        lines.append(f"Erityistavoite: {p.objective['code']}. {p.objective['name_fi']}")
    lines += [
        f"Suunnitelman mukainen toteutusaika: Alkaa {_fi_date(p.start)} ja päättyy {_fi_date(p.end)}",
        f"Toiminnan tila: {p.status}", f"Vastuuviranomainen: {p.authority}",
        f"Hakijan virallinen nimi: {p.applicant}", f"Organisaatiotyyppi: {p.org_type}", f"Y-tunnus: {p.applicant_id}",
    ]
    if p.co_implementers:
        lines += ["Osatoteuttajat |"] + [f"{name}, {bid} |" for name, bid in p.co_implementers]
    lines += [p.summary.replace("\n\n", "\n")]
    return "\n".join(lines) + "\n"


def card(p: Project) -> str:
    """A portal card (the layout of tests/data/portal-card)."""
    fund = p.fund
    low = (p.granted // 100_000) * 100_000
    return "\n".join([
        f"{p.name} {p.code}", "", p.name, "",
        f"Toimintalinja {p.axis['number']} ({fund}) | {p.start:%d.%m.%Y} – {p.end:%d.%m.%Y} | {p.region['name_fi']}", "",
        "Hanke käynnissä", "Tutustu hankkeeseen", "", "Yleistiedot hankkeesta", "", "Tietoja hankkeesta:", "",
        f"EURA-tunnus: {p.code}", f"Toteuttajaorganisaatio: {p.applicant}", f"Maakunta: {p.region['name_fi']}",
        f"Aloituspäivä: {p.start:%d.%m.%Y}", f"Lopetuspäivä: {p.end:%d.%m.%Y}",
        f"Budjetti: {low}-{low + 100_000} €", f"Toimintalinja: Toimintalinja {p.axis['number']} ({fund})", "",
        "Lyhyt selostus hankkeesta:", "", p.summary.split("\n\n")[0], "",
    ]) + "\n"


CSV_HEADER = ("Koodi,Rahasto,Hankkeen nimi,Tl,Viranomainen,Tila,Aloituspvm,Päättymispvm,Toteuttajan nimi,"
              "Myönnetty EU- ja valtion rahoitus,Toteutunut EU- ja valtion rahoitus,"
              "Suunniteltu julkinen rahoitus yhteensä,Toteutunut julkinen rahoitus yhteensä;")


def csv_row(p: Project) -> str:
    """One row of the portal's project list (the layout of the real 2014-2020 list)."""
    def q(text: str) -> str:
        return f'"{text}"' if "," in text else text

    status = "Päättynyt" if p.end.year < 2019 else "Toiminnassa"  # the list's own two words
    return ",".join([p.code, p.fund, q(p.name), p.axis["number"], q(p.authority), status, _fi_date(p.start),
                     _fi_date(p.end), q(p.applicant), str(p.granted), str(p.realised), str(p.planned_public),
                     str(p.realised_public)]) + ";"


def files(n: int, seed: int = 7, layout: str = "eura-description", faulty_share: float = 0.05,
          corpus: str = "standard") -> Iterator[tuple[str, str]]:
    """(relative file name, text) pairs: one file per description, page or card; one CSV for the list."""
    if layout == "projectlist-csv":
        rows = [CSV_HEADER] + [csv_row(p) for p in projects(n, seed, faulty_share, corpus)]
        yield "projektilista.csv", "\n".join(rows) + "\n"
        return
    render = {"eura-description": description, "eura-flattened": flattened, "portal-card": card}[layout]
    for i, p in enumerate(projects(n, seed, faulty_share, corpus)):
        yield f"{layout}/{i // 1000:03d}/{p.code}.txt", render(p)


def write_corpus(out_dir: str | Path, n: int, seed: int = 7, layout: str = "eura-description",
                 faulty_share: float = 0.05, corpus: str = "standard") -> list[Path]:
    """Write ``n`` records in ``layout`` of ``corpus`` under ``out_dir``; return the files written."""
    out = Path(out_dir)
    written = []
    for name, text in files(n, seed, layout, faulty_share, corpus):
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--records", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--layout", choices=LAYOUTS, default="eura-description")
    ap.add_argument("--faulty-share", type=float, default=0.05)
    ap.add_argument("--corpus", choices=CORPORA, default="standard",
                    help="standard: one organisation, one Y-tunnus; findings-heavy: names and ids disagree at random")
    args = ap.parse_args()
    written = write_corpus(args.out_dir, args.records, args.seed, args.layout, args.faulty_share, args.corpus)
    print(f"wrote {len(written)} files under {args.out_dir}")


if __name__ == "__main__":
    main()
