"""Records -> RDF triples. Pure: no I/O, same input gives the same triples.

The mapping is the one place that decides which vocabulary term carries which record
field (``FIELD_OF_PREDICATE`` below is the same decision read the other way, for
reports). Code-list values (fund, axis, objective, status, places, authority,
organisation type, criteria) become links to SKOS concepts through the resolver; a value
that does not resolve becomes a local concept that keeps the text, and is reported.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, Triple

from esrgraph.core import iris
from esrgraph.core.findings import Finding, Severity
from esrgraph.core.model import Applicant, CoImplementer, ProjectRecord, SourceInfo, field_head
from esrgraph.core.vocab import ADMS, DCTERMS, DEFAULT_BASE, ESR, FOAF, ORG, PROV, RDF, RDFS, ROV, SCHEMA, SKOS, XSD
from esrgraph.io.export import triple_sort_key
from esrgraph.mapping.merge import MergedProject
from esrgraph.mapping.organisation_ids import parse_business_id

if TYPE_CHECKING:
    from esrgraph.mapping.resolve import Resolution, Resolver

_XSD_DATE = NamedNode(XSD + "date")
_XSD_DECIMAL = NamedNode(XSD + "decimal")
_XSD_INTEGER = NamedNode(XSD + "integer")
_XSD_BOOLEAN = NamedNode(XSD + "boolean")
_XSD_HEX = NamedNode(XSD + "hexBinary")


def esr(local: str) -> NamedNode:
    return NamedNode(ESR + local)


#: Predicate IRI -> the record field it carries (dotted JSON path), for naming fields in reports.
FIELD_OF_PREDICATE: dict[str, str] = {
    DCTERMS + "identifier": "code",
    DCTERMS + "title": "name",
    ESR + "fund": "fund",
    ESR + "programmePeriod": "programme_period",
    ESR + "programme": "programme_part",
    ESR + "programmePart": "programme_part",
    ESR + "priorityAxis": "priority_axis",
    ESR + "specificObjective": "specific_objective",
    ESR + "status": "status",
    ESR + "fundingAuthority": "authority",
    ESR + "plannedStartDate": "start_date",
    ESR + "plannedEndDate": "end_date",
    ESR + "applicantMode": "applicant_mode",
    ESR + "applicant": "applicant",
    ESR + "coImplementer": "co_implementers",
    ESR + "partner": "co_implementers",
    ESR + "planSummary": "summary",
    ESR + "directTargetGroups": "target_groups.direct",
    ESR + "indirectTargetGroups": "target_groups.indirect",
    ESR + "finalReportSummary": "final_report",
    DCTERMS + "description": "description",
    ESR + "grantedEUAndStateFunding": "funding.eu_state_granted",
    ESR + "realisedEUAndStateFunding": "funding.eu_state_realised",
    ESR + "plannedPublicFunding": "funding.public_planned",
    ESR + "realisedPublicFunding": "funding.public_realised",
    ESR + "budgetMinimum": "funding.budget_min",
    ESR + "budgetMaximum": "funding.budget_max",
    ESR + "grantedEUAndStateFundingAmount": "funding.eu_state_granted",
    ESR + "realisedEUAndStateFundingAmount": "funding.eu_state_realised",
    ESR + "plannedPublicFundingAmount": "funding.public_planned",
    ESR + "realisedPublicFundingAmount": "funding.public_realised",
    ESR + "budgetRange": "funding.budget_min",
    FOAF + "page": "code",
    ESR + "region": "regions",
    ESR + "subregion": "subregions",
    ESR + "municipality": "municipalities",
    ESR + "implementationAddress": "implementation_address",
    ESR + "plannedParticipatingCompanies": "monitoring.companies_planned",
    ESR + "actualParticipatingCompanies": "monitoring.companies_actual",
    ESR + "plannedParticipants": "monitoring.persons_planned",
    ESR + "genderEqualityAnswer": "gender_equality",
    ESR + "sustainabilityAssessment": "sustainability",
    ESR + "directImpactScore": "sustainability.direct",
    ESR + "indirectImpactScore": "sustainability.indirect",
    ESR + "criterion": "sustainability.criterion",
    ESR + "contactPerson": "applicant.contact",
    ROV + "legalName": "applicant.name",
    ROV + "orgType": "applicant.organisation_type",
    ROV + "registration": "applicant.business_id",
    PROV + "wasDerivedFrom": "source",
}

_FUNDING_FIELDS = (
    ("eu_state_granted", "grantedEUAndStateFunding"),
    ("eu_state_realised", "realisedEUAndStateFunding"),
    ("public_planned", "plannedPublicFunding"),
    ("public_realised", "realisedPublicFunding"),
    ("budget_min", "budgetMinimum"),
    ("budget_max", "budgetMaximum"),
)
#: Amount field -> the property of its schema:MonetaryAmount node and the node's name under the project.
_AMOUNT_FIELDS = (
    ("eu_state_granted", "grantedEUAndStateFundingAmount", "granted-eu-and-state-funding"),
    ("eu_state_realised", "realisedEUAndStateFundingAmount", "realised-eu-and-state-funding"),
    ("public_planned", "plannedPublicFundingAmount", "planned-public-funding"),
    ("public_realised", "realisedPublicFundingAmount", "realised-public-funding"),
)
#: Every amount of the records is in euros: ISO 4217 code, the text schema:currency expects.
_CURRENCY = "EUR"
#: Finland in the EU Publications Office's country authority table (codes are ISO 3166-1 alpha-3; see
#: docs/vocabulary.md for the source); schema:addressCountry takes a Country as well as the text "FI".
_COUNTRY_FI = "http://publications.europa.eu/resource/authority/country/FIN"
#: The agency of the Y-tunnus scheme (adms:schemaAgency of an rov:registration): the Finnish Patent and
#: Registration Office grants business IDs and keeps the Business Information System (ytj.fi). No IRI of
#: the office is documented in a source we could check, so no dcterms:creator is written.
_SCHEMA_AGENCY = (("Patentti- ja rekisterihallitus", "fi"), ("Finnish Patent and Registration Office", "en"))
#: A project's public page on the structural-funds information service of its programme period (patterns and
#: sources in docs/vocabulary.md); 2021-2027 has no documented page pattern, so no link.
_EURA_PAGE = {
    "2007-2013": "https://www.eura2007.fi/rrtiepa/projekti.php?projektikoodi=",
    "2014-2020": "https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi=",
}
#: Participation role -> (shortcut property, class of its esr:Participation node, funded as the record says).
_ROLES: dict[str, tuple[str, str, bool | None]] = {
    "applicant": ("applicant", "ApplicantParticipation", True),
    "co-implementer": ("coImplementer", "CoImplementerParticipation", True),
    "partner": ("partner", "PartnerParticipation", None),
}
#: The layout whose co-implementer list is a list of named partners (a portal card's "Kumppanit"), not of
#: the osatoteuttajat of a joint project (an EURA description's "Osatoteuttajat").
_PARTNER_LAYOUTS = frozenset({"portal-card"})
_MONITORING_FIELDS = (
    ("companies_planned", "plannedParticipatingCompanies"),
    ("companies_actual", "actualParticipatingCompanies"),
    ("persons_planned", "plannedParticipants"),
)
_GENDER_QUESTIONS = ("environment_analysis", "mainstreaming", "primary_objective")
#: The kinds the mapping names in its findings that are not the code list's scheme name.
_SCHEME_OF_KIND = {"programme-period": "period"}


@dataclass(frozen=True, slots=True)
class MappingOptions:
    """How to map: the data base IRI and whether personal data may be written."""

    base: str = DEFAULT_BASE
    include_personal_data: bool = False
    software_version: str = "0"


@dataclass(slots=True)
class MappingResult:
    #: Triples by their sort key (``export.triple_sort_key``): duplicates merge, and sorting needs no key function.
    keyed: dict[str, Triple] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    #: Personal-data field -> how many values were left out of the graph.
    withheld: Counter[str] = field(default_factory=Counter)
    project_iris: dict[str, str] = field(default_factory=dict)
    organisations: int = 0
    #: (project IRI, predicate IRI, organisation IRI) of every applicant and co-implementer link.
    organisation_links: list[tuple[str, str, str]] = field(default_factory=list)


def lit(text: str, lang: str = "fi") -> Literal:
    return Literal(text, language=lang)


def typed(value: Any) -> Literal:
    if isinstance(value, bool):
        return Literal("true" if value else "false", datatype=_XSD_BOOLEAN)
    if isinstance(value, int):
        return Literal(str(value), datatype=_XSD_INTEGER)
    if isinstance(value, Decimal):
        return Literal(_decimal_lexical(value), datatype=_XSD_DECIMAL)
    if isinstance(value, date):
        return Literal(value.isoformat(), datatype=_XSD_DATE)
    return Literal(str(value))


def _decimal_lexical(value: Decimal) -> str:
    """Canonical-ish xsd:decimal text: no exponent, no trailing fractional zeros."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


@dataclass(slots=True)
class OrganisationFacts:
    """What the records say about one organisation, gathered across projects."""

    iri: str
    business_id: str | None = None
    names: set[str] = field(default_factory=set)
    legal_names: set[str] = field(default_factory=set)
    matched_names: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)
    websites: set[str] = field(default_factory=set)
    #: The funding-authority concepts (authorities.csv) this organisation is (org:classification).
    classifications: set[str] = field(default_factory=set)
    #: (start date, code, applicant) of the newest project that described it as applicant.
    latest: tuple[str, str, Applicant] | None = None

    def classes(self) -> list[str]:
        """Its rdf:type IRIs: every organisation, and a registered one when its Y-tunnus is valid."""
        business_id = parse_business_id(self.business_id) if self.business_id else None
        registered = [ROV + "RegisteredOrganization"] if business_id and business_id.normal else []
        return [ORG + "Organization", *registered]

    def describe_as_applicant(self, key: tuple[str, str, Applicant]) -> None:
        """Keep ``key`` (start date, code, applicant) if it is newer than the one kept; the first of equals stays."""
        if self.latest is None or key[:2] > self.latest[:2]:
            self.latest = key

    def absorb(self, later: OrganisationFacts) -> None:
        """Add what a later mention of the same organisation says (the sharded build meets
        one organisation in several shards); the first mention's Y-tunnus stays."""
        for name in _SET_FIELDS:
            getattr(self, name).update(getattr(later, name))
        if later.latest is not None:
            self.describe_as_applicant(later.latest)


#: The fields of OrganisationFacts that gather values across mentions.
_SET_FIELDS = tuple(f.name for f in dataclasses.fields(OrganisationFacts) if f.default_factory is set)


class Mapper:
    """Maps merged projects to triples; organisations are gathered and written once at the end."""

    def __init__(self, options: MappingOptions, resolver: Resolver | None = None) -> None:
        self.options = options
        self.base = iris.check_base(options.base)
        self.resolver = resolver
        self.result = MappingResult()
        self._orgs: dict[str, OrganisationFacts] = {}
        self._name_index: Mapping[str, set[str]] = {}
        self._unresolved: set[str] = set()
        self._sources_done: set[str] = set()
        #: IRI text -> NamedNode, so that subjects and predicates are built once (mapping's hot path).
        self._nodes: dict[str, NamedNode] = {}

    # ------------------------------------------------------------------ helpers
    def _add(self, s: str, p: str, o: NamedNode | Literal) -> None:
        nodes = self._nodes
        subject = nodes.get(s)
        if subject is None:
            subject = nodes[s] = NamedNode(s)
        predicate = nodes.get(p)
        if predicate is None:
            predicate = nodes[p] = NamedNode(p)
        self.result.keyed[triple_sort_key(s, p, o)] = Triple(subject, predicate, o)

    def _concept(
        self,
        kind: str,
        text: str | None,
        lookup: str,
        args: tuple[object, ...],
        record: ProjectRecord,
        field_name: str,
    ) -> NamedNode | None:
        """IRI of the coded concept for ``text``; an unresolved text becomes a local concept.

        ``lookup`` names the resolver method asked with ``args`` (``text`` is what reports show).
        """
        if not text:
            return None
        if self.resolver is not None:
            resolution: Resolution = getattr(self.resolver, lookup)(*args)
            if resolution.concept is not None:
                if resolution.note:
                    self._finding(
                        Severity.INFO, "resolved-with-note", resolution.note, record, field_name, text
                    )
                return NamedNode(resolution.concept.iri)
            candidates = ", ".join(resolution.candidates) or "none"
            message = f"{kind} {text!r} is not in {self._code_list_file(kind)}; nearest: {candidates}"
        else:
            message = f"{kind} {text!r} was not resolved (no code lists loaded)"
        self._finding(Severity.WARNING, "unresolved-code", message, record, field_name, text)
        iri = f"{self.base}unresolved/{kind}/{iris.name_slug(text)}"
        self._unresolved_concept(iri, kind, text)
        return NamedNode(iri)

    def _code_list_file(self, kind: str) -> str:
        """The file of data/codelists/ a value of ``kind`` is looked up in, for messages (a publisher extends it)."""
        scheme = self.resolver.lists.schemes.get(_SCHEME_OF_KIND.get(kind, kind)) if self.resolver else None
        return scheme.file if scheme else "the code list"

    def _unresolved_concept(self, iri: str, kind: str, text: str) -> None:
        """The local concept for an unresolved text, written once: the first text of a slug names it."""
        if iri not in self._unresolved:
            self._unresolved.add(iri)
            self.write_unresolved_concept(iri, kind, text)

    def write_unresolved_concept(self, iri: str, kind: str, text: str) -> None:
        self._add(iri, RDF + "type", NamedNode(SKOS + "Concept"))
        self._add(iri, SKOS + "prefLabel", lit(text))
        self._add(iri, RDFS + "comment", lit(f"Not found in the {kind} code list", "en"))

    def _link(
        self, subject: str, prop: str, kind: str, text: str | None, lookup: str, args: tuple[object, ...],
        record: ProjectRecord, field_name: str,
    ) -> NamedNode | None:
        """``subject prop concept`` for the coded value ``text``; returns the concept node."""
        node = self._concept(kind, text, lookup, args, record, field_name)
        if node is not None:
            self._add(subject, prop, node)
        return node

    def _finding(
        self, severity: Severity, rule: str, message: str, record: ProjectRecord, field_name: str, value: str | None
    ) -> None:
        self.result.findings.append(
            Finding(
                severity=severity,
                rule=rule,
                message=message,
                record=record.code,
                field=field_name,
                value=value,
                path=record.source.path,
                line=_line_of(record, field_name),
                stage="mapping",
            )
        )

    # ------------------------------------------------------------------ organisations
    def index_organisations(self, projects: Iterable[MergedProject]) -> None:
        """First pass: which normalised names belong to which valid Y-tunnus."""
        index: defaultdict[str, set[str]] = defaultdict(set)
        for project in projects:
            r = project.record
            for key, business_id in name_index_entries(r.applicant, r.co_implementers):
                index[key].add(business_id)
        self._name_index = index

    def _organisation(self, name: str | None, written_id: str | None) -> OrganisationFacts:
        """The organisation node: by valid Y-tunnus, else by a unique name match, else by name.

        A Y-tunnus that python-stdnum rejects does not identify anything: the node is
        minted from the name and keeps the ID as written, for the SHACL check to report.
        """
        business_id = parse_business_id(written_id)
        matched_name = None
        normal = business_id.normal if business_id else None
        if business_id is None and name:
            ids = self._name_index.get(iris.name_key(name), set())
            if len(ids) == 1:
                normal = next(iter(ids))
                matched_name = name
        iri = iris.organisation_iri(self.base, normal, name)
        facts = self._orgs.get(iri)
        if facts is None:
            facts = self._orgs[iri] = self._new_organisation(iri, normal or (business_id.written if business_id else None))
        if name:
            facts.names.add(name)
        if matched_name:
            facts.matched_names.add(matched_name)
        return facts

    def _new_organisation(self, iri: str, business_id: str | None) -> OrganisationFacts:
        """Facts for an organisation first met here: the first mention's Y-tunnus is the one kept."""
        return OrganisationFacts(iri=iri, business_id=business_id)

    def write_organisations(self, organisations: Iterable[OrganisationFacts]) -> None:
        """Write ``organisations`` (gathered elsewhere: the sharded build's organisation ranges)."""
        self._orgs = {facts.iri: facts for facts in organisations}
        self._write_organisations()

    def _write_organisations(self) -> None:
        for iri in sorted(self._orgs):
            facts = self._orgs[iri]
            for cls in facts.classes():
                self._add(iri, RDF + "type", NamedNode(cls))
            if facts.business_id:
                self._registration(iri, facts.business_id)
            for concept in sorted(facts.classifications):
                self._add(iri, ORG + "classification", NamedNode(concept))
            names = sorted(facts.names)
            preferred = sorted(facts.legal_names)[0] if facts.legal_names else (names[0] if names else None)
            if preferred:
                self._add(iri, SKOS + "prefLabel", lit(preferred))
            for other in names:
                if other != preferred:
                    self._add(iri, SKOS + "altLabel", lit(other))
            for legal in sorted(facts.legal_names):
                self._add(iri, ROV + "legalName", lit(legal))
            for matched in sorted(facts.matched_names):
                self._add(iri, ESR + "matchedByName", Literal(matched))
            for org_type in sorted(facts.types):
                self._add(iri, ROV + "orgType", NamedNode(org_type))
            for site in sorted(facts.websites):
                self._add(iri, FOAF + "homepage", NamedNode(site)) if _is_web_iri(site) else self._add(
                    iri, SCHEMA + "url", Literal(site)
                )
            if facts.latest is not None:
                applicant = facts.latest[2]
                if applicant.street_address or applicant.postal_code or applicant.post_office:
                    address = f"{iri}/address"
                    self._add(iri, SCHEMA + "address", NamedNode(address))
                    self._address(address, applicant.street_address, applicant.postal_code, applicant.post_office)
                if applicant.phone and not self._phone_is_personal(applicant):
                    self._add(iri, SCHEMA + "telephone", Literal(applicant.phone))
        self.result.organisations = len(self._orgs)

    def _registration(self, iri: str, written: str) -> None:
        """The Y-tunnus as the organisation's rov:registration, its one identifier (RegOrg's way): an
        adms:Identifier with the normal form as notation and the issuing agency. ``esr:businessId`` repeats
        the notation as a shortcut that queries read. A Y-tunnus that python-stdnum rejects is written as
        written, without agency or shortcut, for the SHACL checks O02/O03 to report."""
        business_id = parse_business_id(written)
        normal = business_id.normal if business_id else None
        registration = f"{iri}/registration"
        self._add(iri, ROV + "registration", NamedNode(registration))
        self._add(registration, RDF + "type", NamedNode(ADMS + "Identifier"))
        self._add(registration, SKOS + "notation", Literal(normal or written))
        if business_id is None or normal is None:
            return
        for agency, lang in _SCHEMA_AGENCY:
            self._add(registration, ADMS + "schemaAgency", lit(agency, lang))
        self._add(iri, ESR + "businessId", Literal(normal))
        self._add(iri, RDFS + "seeAlso", NamedNode(business_id.register_page or ""))

    def _phone_is_personal(self, applicant: Applicant) -> bool:
        """An organisation phone that is the contact person's own number is personal data."""
        if self.options.include_personal_data:
            return False
        contact_phone = applicant.contact.phone if applicant.contact else None
        return bool(contact_phone) and _digits(contact_phone) == _digits(applicant.phone)

    def _address(self, iri: str, street: str | None, postal: str | None, office: str | None) -> None:
        self._add(iri, RDF + "type", NamedNode(SCHEMA + "PostalAddress"))
        if street:
            self._add(iri, SCHEMA + "streetAddress", Literal(street))
        if postal:
            self._add(iri, SCHEMA + "postalCode", Literal(postal))
        if office:
            self._add(iri, SCHEMA + "addressLocality", lit(office))
        self._add(iri, SCHEMA + "addressCountry", Literal("FI"))
        self._add(iri, SCHEMA + "addressCountry", NamedNode(_COUNTRY_FI))

    # ------------------------------------------------------------------ projects
    def map_project(self, project: MergedProject) -> None:
        r = project.record
        code = project.code
        p = iris.project_iri(self.base, code)
        self.result.project_iris[code] = p
        self._add(p, RDF + "type", esr("Project"))
        self._add(p, DCTERMS + "identifier", Literal(code))
        if r.name:
            self._add(p, DCTERMS + "title", lit(r.name))

        self._link(p, ESR + "fund", "fund", r.fund, "fund", (r.fund,), r, "fund")
        period = self._period(r)
        self._link(p, ESR + "programmePeriod", "programme-period", period, "programme_period", (period,), r, "code")
        programme = self._map_programme(p, r, period)
        page = self._eura_page(code, period)
        if page:
            self._add(p, FOAF + "page", NamedNode(page))
        axis_period = period or "2014-2020"
        if r.priority_axis:
            axis = r.priority_axis
            text = " ".join(x for x in (axis.number, axis.name) if x)
            self._link(p, ESR + "priorityAxis", "priority-axis", text, "priority_axis",
                       (axis.number, axis.name, r.fund, axis_period, programme), r, "priority_axis")
        if r.specific_objective:
            obj = r.specific_objective
            text = " ".join(x for x in (obj.code, obj.name) if x)
            self._link(p, ESR + "specificObjective", "specific-objective", text, "specific_objective",
                       (obj.code, obj.name, axis_period), r, "specific_objective")
        self._link(p, ESR + "status", "status", r.status, "status", (r.status,), r, "status")
        authority = self._link(p, ESR + "fundingAuthority", "authority", r.authority, "authority", (r.authority,), r,
                               "authority")
        if authority is not None:
            self._authority_organisation(authority.value)
        if r.start_date:
            self._add(p, ESR + "plannedStartDate", typed(r.start_date))
        if r.end_date:
            self._add(p, ESR + "plannedEndDate", typed(r.end_date))
        if r.applicant_mode:
            self._add(p, ESR + "applicantMode", lit(r.applicant_mode))

        self._map_applicant(p, r)
        role = "partner" if _co_implementer_layout(project) in _PARTNER_LAYOUTS else "co-implementer"
        for co in r.co_implementers:
            facts = self._organisation(co.name, co.business_id)
            self._participation(p, role, facts.iri)

        for free_text, prop in (
            (r.summary, ESR + "planSummary"),
            (r.target_groups.direct if r.target_groups else None, ESR + "directTargetGroups"),
            (r.target_groups.indirect if r.target_groups else None, ESR + "indirectTargetGroups"),
            (r.final_report, ESR + "finalReportSummary"),
            (r.description, DCTERMS + "description"),
        ):
            if free_text:
                self._add(p, prop, lit(free_text))

        if r.funding:
            for attr, local in _FUNDING_FIELDS:
                value = getattr(r.funding, attr)
                if value is not None:
                    self._add(p, ESR + local, typed(value))
            self._amounts(p, r)

        on = r.start_date
        for name in r.regions:
            self._link(p, ESR + "region", "region", name, "region", (name,), r, "regions")
        for name in r.subregions:
            self._link(p, ESR + "subregion", "subregion", name, "subregion", (name,), r, "subregions")
        for name in r.municipalities:
            self._link(p, ESR + "municipality", "municipality", name, "municipality", (name, on), r, "municipalities")
        if r.implementation_address and not r.implementation_address.is_empty():
            a = r.implementation_address
            address = f"{p}/implementation-address"
            self._add(p, ESR + "implementationAddress", NamedNode(address))
            self._address(address, a.street_address, a.postal_code, a.post_office)

        if r.monitoring:
            for attr, local in _MONITORING_FIELDS:
                value = getattr(r.monitoring, attr)
                if value is not None:
                    self._add(p, ESR + local, typed(int(value)))

        if r.gender_equality:
            for question in _GENDER_QUESTIONS:
                answer = getattr(r.gender_equality, question)
                if answer is None or (answer.answer is None and not answer.text):
                    continue
                node = f"{p}/gender-equality/{question.replace('_', '-')}"
                self._add(p, ESR + "genderEqualityAnswer", NamedNode(node))
                self._add(node, RDF + "type", esr("GenderEqualityAnswer"))
                self._link(node, ESR + "question", "gender-question", question, "gender_question", (question,),
                           r, f"gender_equality.{question}")
                if answer.answer is not None:
                    self._add(node, ESR + "answer", typed(answer.answer))
                if answer.text:
                    self._add(node, ESR + "justification", lit(answer.text))

        for index, score in enumerate(r.sustainability):
            concept = self._concept("sustainability-criterion", score.criterion, "sustainability_criterion",
                                    (score.criterion,), r, f"sustainability[{index}].criterion")
            slug = concept.value.rsplit("/", 1)[-1] if concept else str(index)
            node = f"{p}/sustainability/{slug}"
            self._add(p, ESR + "sustainabilityAssessment", NamedNode(node))
            self._add(node, RDF + "type", esr("SustainabilityAssessment"))
            if concept:
                self._add(node, ESR + "criterion", concept)
            if score.direct is not None:
                self._add(node, ESR + "directImpactScore", typed(int(score.direct)))
            if score.indirect is not None:
                self._add(node, ESR + "indirectImpactScore", typed(int(score.indirect)))
            if score.justification:
                self._add(node, ESR + "justification", lit(score.justification))

        self._map_contact(p, r)
        self._map_provenance(p, project.sources)

    def _period(self, r: ProjectRecord) -> str | None:
        """The record's programme period: from its code's shape (code-shapes.csv), else from its start date.

        A code that matches no known shape is kept as written and reported (``unknown-code-shape``): a new
        shape is a line in code-shapes.csv, not a reason to drop the project.
        """
        if self.resolver is None:
            return _period_of(r)
        code = (r.code or "").strip()
        by_date = _period_of_date(r.start_date)
        periods = self.resolver.lists.periods_of_code(code) if code else ()
        if code and not periods:
            self._finding(Severity.WARNING, "unknown-code-shape",
                          f"code {code!r} matches no shape in code-shapes.csv", r, "code", code)
        if len(periods) == 1:
            return periods[0]
        if by_date and (not periods or by_date in periods):
            return by_date
        return periods[0] if periods else None

    def _map_programme(self, p: str, r: ProjectRecord, period: str | None) -> str | None:
        """Link the programme part (osio) and programme the record names; returns the programme's notation.

        "Etelä-Suomen suuralueosio" is a part of the 2007-2013 ESR programme, "Itä-Suomi" (in the same column)
        a regional EAKR programme of its own: a part is looked up first, then a programme. A record that names
        none belongs to its period's one EURA programme for its fund (``Resolver.default_programme``), when
        there is one.
        """
        text = (r.programme_part or "").strip()
        if not text:
            default = self.resolver.default_programme(period, r.fund) if self.resolver else None
            if default is None:
                return None
            self._add(p, ESR + "programme", NamedNode(default.iri))
            return default.notation
        if self.resolver is None:
            self._concept("programme-part", text, "programme_part", (text, period), r, "programme_part")
            return None
        part = self.resolver.programme_part(text, period)
        if part.concept is not None:
            self._add(p, ESR + "programmePart", NamedNode(part.concept.iri))
            programme = self.resolver.lists.get("programme", part.concept.extra["programme"])
            if programme is not None:
                self._add(p, ESR + "programme", NamedNode(programme.iri))
                return programme.notation
            return None
        found = self.resolver.programme(text, period)
        if found.concept is not None:
            if found.note:
                self._finding(Severity.INFO, "resolved-with-note", found.note, r, "programme_part", text)
            self._add(p, ESR + "programme", NamedNode(found.concept.iri))
            return found.concept.notation
        candidates = ", ".join(dict.fromkeys((*part.candidates, *found.candidates))) or "none"
        where = f" of {period}" if period else ""
        self._finding(Severity.WARNING, "unresolved-code",
                      f"programme part {text!r} is not in programme-parts.csv or programmes.csv{where}; "
                      f"nearest: {candidates}", r, "programme_part", text)
        iri = f"{self.base}unresolved/programme-part/{iris.name_slug(text)}"
        self._unresolved_concept(iri, "programme-part", text)
        self._add(p, ESR + "programmePart", NamedNode(iri))
        return None

    def _eura_page(self, code: str, period: str | None) -> str | None:
        """The project's page on its period's EURA information service, when the period has one and the
        code has that period's shape (code-shapes.csv)."""
        prefix = _EURA_PAGE.get(period or "")
        if prefix is None or (self.resolver is not None and period not in self.resolver.lists.periods_of_code(code)):
            return None
        return prefix + quote(code, safe="")

    def _authority_organisation(self, concept_iri: str) -> None:
        """The funding authority as an organisation, classified by its concept: the node an applicant or
        co-implementer with the same Y-tunnus or official name has (by a ``business_id`` column of
        authorities.csv when it has one, else by the Finnish name and, through the name index, a Y-tunnus
        that records give for that name)."""
        if self.resolver is None:
            return
        concept = self.resolver.lists.get("authority", concept_iri.rsplit("/", 1)[-1])
        name = concept.labels.get("fi") if concept is not None and concept.iri == concept_iri else None
        if concept is None or not name:
            return
        facts = self._organisation(name, concept.extra.get("business_id") or None)
        facts.classifications.add(concept_iri)

    def _participation(self, p: str, role: str, organisation: str) -> None:
        """``p``'s shortcut link to ``organisation`` in ``role`` and the role's own node (EURIO's pattern):
        one node per project, role and organisation, with whether the role is funded when the record says."""
        shortcut, cls, funded = _ROLES[role]
        self._add(p, ESR + shortcut, NamedNode(organisation))
        self.result.organisation_links.append((p, ESR + shortcut, organisation))
        key = organisation.removeprefix(f"{self.base}organisation/")
        node = f"{p}/participation/{role}/{key}"
        self._add(p, ESR + "participation", NamedNode(node))
        self._add(node, RDF + "type", esr("Participation"))
        self._add(node, RDF + "type", esr(cls))
        self._add(node, ESR + "organisation", NamedNode(organisation))
        if funded is not None:
            self._add(node, ESR + "funded", typed(funded))

    def _amounts(self, p: str, r: ProjectRecord) -> None:
        """Each amount as a schema:MonetaryAmount in euros, and the budget range as one amount with its
        minimum and maximum (the plain decimal properties stay: queries and checks read them)."""
        funding = r.funding
        if funding is None:
            return
        for attr, local, name in _AMOUNT_FIELDS:
            value = getattr(funding, attr)
            if value is not None:
                node = self._monetary_amount(f"{p}/amount/{name}")
                self._add(p, ESR + local, NamedNode(node))
                self._add(node, SCHEMA + "value", typed(value))
        if funding.budget_min is not None or funding.budget_max is not None:
            node = self._monetary_amount(f"{p}/amount/budget-range")
            self._add(p, ESR + "budgetRange", NamedNode(node))
            if funding.budget_min is not None:
                self._add(node, SCHEMA + "minValue", typed(funding.budget_min))
            if funding.budget_max is not None:
                self._add(node, SCHEMA + "maxValue", typed(funding.budget_max))

    def _monetary_amount(self, node: str) -> str:
        self._add(node, RDF + "type", NamedNode(SCHEMA + "MonetaryAmount"))
        self._add(node, SCHEMA + "currency", Literal(_CURRENCY))
        return node

    def _map_applicant(self, p: str, r: ProjectRecord) -> None:
        a = r.applicant
        if a is None or not (a.name or a.business_id):
            return
        facts = self._organisation(a.name, a.business_id)
        self._participation(p, "applicant", facts.iri)
        if a.name and r.source.layout in ("eura-description", "eura-flattened"):
            facts.legal_names.add(a.name)
        if a.organisation_type:
            node = self._concept("organisation-type", a.organisation_type, "organisation_type",
                                 (a.organisation_type,), r, "applicant.organisation_type")
            if node:
                facts.types.add(node.value)
        if a.website:
            facts.websites.add(a.website)
        facts.describe_as_applicant(((r.start_date.isoformat() if r.start_date else ""), r.code or "", a))

    def _map_contact(self, p: str, r: ProjectRecord) -> None:
        applicant = r.applicant
        contact = applicant.contact if applicant else None
        if contact is None or not any(dataclasses.astuple(contact)):
            return
        if not self.options.include_personal_data:
            for name in ("name", "role", "email", "phone"):
                if getattr(contact, name):
                    self.result.withheld[f"applicant.contact.{name}"] += 1
            if applicant and applicant.phone and contact.phone and _digits(applicant.phone) == _digits(contact.phone):
                self.result.withheld["applicant.phone"] += 1
            return
        person = f"{p}/contact"
        self._add(p, ESR + "contactPerson", NamedNode(person))
        self._add(person, RDF + "type", NamedNode(SCHEMA + "Person"))
        if contact.name:
            self._add(person, SCHEMA + "name", Literal(contact.name))
        if contact.role:
            self._add(person, SCHEMA + "jobTitle", lit(contact.role))
        if contact.email:
            self._add(person, SCHEMA + "email", Literal(contact.email))
        if contact.phone:
            self._add(person, SCHEMA + "telephone", Literal(contact.phone))

    def _map_provenance(self, p: str, sources: tuple[SourceInfo, ...]) -> None:
        activity = self.activity_iri()
        self._add(p, PROV + "wasGeneratedBy", NamedNode(activity))
        if activity not in self._sources_done:
            self._sources_done.add(activity)
            self._activity(activity)
        for source in sources:
            s = iris.source_iri(self.base, source.sha256, source.first_line)
            self._add(p, PROV + "wasDerivedFrom", NamedNode(s))
            if s in self._sources_done:
                continue
            self._sources_done.add(s)
            self._add(s, RDF + "type", esr("SourceRecord"))
            self._add(s, ESR + "sourcePath", Literal(source.path))
            self._add(s, ESR + "sha256", Literal(source.sha256, datatype=_XSD_HEX))
            self._add(s, ESR + "layout", Literal(source.layout))
            self._add(s, ESR + "sourceLine", typed(source.first_line))

    def activity_iri(self) -> str:
        """The PROV activity of this software version, which every project was generated by."""
        return f"{self.base}activity/esrgraph-{iris.segment(self.options.software_version)}"

    def _activity(self, activity: str) -> None:
        self.write_activity(activity)

    def write_activity(self, activity: str) -> None:
        self._add(activity, RDF + "type", NamedNode(PROV + "Activity"))
        self._add(activity, RDFS + "label", lit(f"esrgraph {self.options.software_version}: parse and map records", "en"))
        self._add(activity, SCHEMA + "softwareVersion", Literal(self.options.software_version))

    def finish(self) -> MappingResult:
        self._write_organisations()
        return self.result


def map_projects(
    projects: list[MergedProject], options: MappingOptions, resolver: Resolver | None = None
) -> MappingResult:
    """All triples for ``projects`` (unsorted; export sorts), with mapping findings."""
    mapper = Mapper(options, resolver)
    mapper.index_organisations(projects)
    for project in projects:
        mapper.map_project(project)
    return mapper.finish()


def name_index_entries(applicant: Applicant | None, co_implementers: Iterable[CoImplementer]) -> list[tuple[str, str]]:
    """(normalised name, valid Y-tunnus) pairs a project's organisations add to the name index."""
    pairs = [(applicant.name, applicant.business_id)] if applicant else []
    pairs += [(co.name, co.business_id) for co in co_implementers]
    out = []
    for name, written in pairs:
        business_id = parse_business_id(written)
        if name and business_id and business_id.normal:
            out.append((iris.name_key(name), business_id.normal))
    return out


def _co_implementer_layout(project: MergedProject) -> str:
    """The layout of the record whose co-implementer list the merged record kept (the first in merge order
    that has one): an EURA description names osatoteuttajat, a portal card its partners."""
    return next((rec.source.layout for rec in project.records if rec.co_implementers), project.record.source.layout)


def _period_of(r: ProjectRecord) -> str | None:
    """Programme period without code lists: the 2014-2020 code shape (S2xxxx/A7xxxx), else the start date."""
    code = r.code or ""
    if len(code) == 6 and code[:2] in ("S2", "A7"):
        return "2014-2020"
    return _period_of_date(r.start_date)


def _period_of_date(start: date | None) -> str | None:
    """The programme period a project starting on ``start`` most likely belongs to."""
    if start:
        year = start.year
        if 2007 <= year <= 2013:
            return "2007-2013"
        if 2014 <= year <= 2020:
            return "2014-2020"
        if 2021 <= year <= 2027:
            return "2021-2027"
    return None


def _line_of(record: ProjectRecord, field_name: str) -> int | None:
    """The first line of ``record`` that gave the field (or a field of the same head)."""
    head = field_head(field_name)
    for use in record.coverage:
        if use.field and field_head(use.field) == head:
            return use.line
    return record.source.first_line


def _digits(text: str | None) -> str:
    digits = "".join(ch for ch in (text or "") if ch.isdigit())
    if digits.startswith("358"):
        digits = "0" + digits[3:]
    return digits


def _is_web_iri(text: str) -> bool:
    """True for an http(s) IRI that RDF accepts; anything else (``https://x.fi:l``, ``%zz``) is written as text."""
    if not text.startswith(("http://", "https://")) or any(ch in text for ch in ' <>"{}|\\^`\n'):
        return False
    try:
        NamedNode(text)
    except ValueError:
        return False
    return True
