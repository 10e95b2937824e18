"""The w3id.org redirect rules in docs/w3id/ (issue 20): Apache rewrite syntax, and where the vocabulary, the
shapes, a code-list concept and a data IRI go for a browser and for an RDF client.

A small evaluator of the mod_rewrite subset the file uses (RewriteCond on request headers with ``!`` and
``[OR]``, RewriteRule with ``$N``, ``R=`` and ``L``) plays each request through the rules in order, as
Apache does in a per-directory context (the path relative to ``/esrgraph/``, without its leading slash).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from esrgraph.core.vocab import CODE, DEFAULT_BASE, ESR, ESRSH
from repo_paths import REPO

HTACCESS = REPO / "docs" / "w3id" / ".htaccess"
README = REPO / "docs" / "w3id" / "README.md"
W3ID = "https://w3id.org/esrgraph/"
DIRECTIVES = {"Options", "RewriteEngine", "RewriteCond", "RewriteRule", "RewriteBase", "AddType", "Header"}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
TURTLE = "text/turtle"


@dataclass
class Cond:
    variable: str
    pattern: str
    negated: bool
    flags: set[str]


@dataclass
class Rule:
    pattern: str
    target: str
    flags: dict[str, str]
    conds: list[Cond]


def _flags(text: str | None) -> list[str]:
    if text is None:
        return []
    assert text.startswith("[") and text.endswith("]"), text
    return [f.strip() for f in text[1:-1].split(",") if f.strip()]


def parse_rules(text: str) -> list[Rule]:
    """The RewriteRules with the RewriteConds before each; asserts every line is a known directive with the
    arguments it needs."""
    rules: list[Rule] = []
    conds: list[Cond] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words = shlex.split(line, posix=False)
        assert words[0] in DIRECTIVES, f"line {number}: unknown directive {words[0]}"
        if words[0] == "RewriteCond":
            assert len(words) in (3, 4), f"line {number}: RewriteCond needs a test string and a pattern"
            variable = re.fullmatch(r"%\{([A-Z_:]+)\}", words[1])
            assert variable, f"line {number}: test string {words[1]} is not %{{VARIABLE}}"
            negated = words[2].startswith("!")
            pattern = words[2][1:] if negated else words[2]
            re.compile(pattern)
            conds.append(Cond(variable.group(1), pattern, negated, set(_flags(words[3] if len(words) == 4 else None))))
        elif words[0] == "RewriteRule":
            assert len(words) in (3, 4), f"line {number}: RewriteRule needs a pattern and a target"
            re.compile(words[1])
            assert words[2] == "-" or urlsplit(words[2]).scheme == "https", f"line {number}: target {words[2]}"
            flags = dict((f.split("=", 1) + [""])[:2] for f in _flags(words[3] if len(words) == 4 else None))
            rules.append(Rule(words[1], words[2], flags, conds))
            conds = []
        elif words[0] == "RewriteEngine":
            assert words[1:] == ["on"], f"line {number}"
    assert not conds, "RewriteCond lines after the last RewriteRule apply to nothing"
    return rules


def _conds_hold(conds: list[Cond], headers: dict[str, str]) -> bool:
    """Apache's reading: conditions are ANDed; a condition flagged [OR] is ORed with the next one."""
    group: list[bool] = []
    for cond in conds:
        value = headers.get(cond.variable, "")
        found = re.search(cond.pattern, value, re.IGNORECASE if "NC" in cond.flags else 0) is not None
        group.append(found != cond.negated)
        if "OR" not in cond.flags:
            if not any(group):
                return False
            group = []
    return not group or any(group)


def resolve(rules: list[Rule], path: str, accept: str = "*/*") -> tuple[str, str]:
    """The redirect target and status the rules give ``path`` (relative to /esrgraph/)."""
    headers = {"HTTP_ACCEPT": accept, "HTTP_USER_AGENT": "test", "REQUEST_METHOD": "GET"}
    for rule in rules:
        match = re.search(rule.pattern, path)
        if match and _conds_hold(rule.conds, headers):
            target = match.expand(re.sub(r"\$(\d)", r"\\g<\1>", rule.target))
            assert "R" in rule.flags and "L" in rule.flags, (rule, "a redirect that ends the rewriting")
            return target, rule.flags["R"]
    raise AssertionError(f"no rule for /esrgraph/{path}")


@pytest.fixture(scope="module")
def rules() -> list[Rule]:
    return parse_rules(HTACCESS.read_text(encoding="utf-8"))


def test_every_rule_parses_and_redirects_with_a_known_status(rules: list[Rule]) -> None:
    assert len(rules) >= 8
    for rule in rules:
        assert rule.flags.get("R") in {"302", "303", "307"}, rule
        assert urlsplit(rule.target).hostname, rule


def test_the_four_namespaces_esrgraph_writes_are_covered(rules: list[Rule]) -> None:
    """The vocabulary, shapes, code and default data namespaces all lie under the one w3id folder."""
    for namespace in (ESR, ESRSH, CODE, DEFAULT_BASE):
        assert namespace.startswith(W3ID), namespace
    paths = {"ontology": ESR, "shapes": ESRSH, "code/fund/ESR": CODE + "fund/ESR",
             "id/project/S21093": DEFAULT_BASE + "project/S21093"}
    for path, iri in paths.items():
        assert urlsplit(iri).path.split("#")[0] == "/esrgraph/" + path
        resolve(rules, path)


@pytest.mark.parametrize(("path", "accept", "target", "status"), [
    ("ontology", BROWSER, "https://esrgraph-site.invalid/vocabulary.html", "303"),
    ("ontology", TURTLE, "https://esrgraph-site.invalid/download/esr-ontology.ttl", "303"),
    ("ontology", "text/turtle, text/html;q=0.5", "https://esrgraph-site.invalid/download/esr-ontology.ttl", "303"),
    ("ontology", "*/*", "https://esrgraph-site.invalid/vocabulary.html", "303"),
    ("ontology.ttl", BROWSER, "https://esrgraph-site.invalid/download/esr-ontology.ttl", "303"),
    ("shapes", BROWSER, "https://esrgraph-site.invalid/vocabulary.html", "303"),
    ("shapes", TURTLE, "https://esrgraph-site.invalid/download/shapes/esr-core.shapes.ttl", "303"),
    ("code", BROWSER, "https://esrgraph-site.invalid/codelists.html", "303"),
    ("code/fund/ESR", TURTLE, "https://esrgraph-sparql.invalid/resource?iri=https://w3id.org/esrgraph/code/fund/ESR",
     "303"),
    ("id/project/S21093", TURTLE, "https://esrgraph-sparql.invalid/esrgraph/id/project/S21093", "303"),
    ("id/project/S21093", BROWSER, "https://esrgraph-sparql.invalid/esrgraph/id/project/S21093", "303"),
    ("id/sparql", "application/sparql-results+json", "https://esrgraph-sparql.invalid/sparql", "307"),
    ("id/download/release/esrgraph.ttl", "*/*", "https://esrgraph-download.invalid/release/esrgraph.ttl", "302"),
    ("id/dataset", TURTLE, "https://esrgraph-site.invalid/download/catalog.ttl", "303"),
    ("", BROWSER, "https://esrgraph-site.invalid/index.html", "302"),
])
def test_where_each_iri_goes(rules: list[Rule], path: str, accept: str, target: str, status: str) -> None:
    assert resolve(rules, path, accept) == (target, status)


def test_the_evaluator_reads_conditions_as_apache_does() -> None:
    """[OR] binds a condition to the next; ! negates; a rule whose conditions fail is passed over."""
    rules = parse_rules("RewriteEngine on\n"
                        "RewriteCond %{HTTP_ACCEPT} a [OR]\nRewriteCond %{HTTP_ACCEPT} b\n"
                        "RewriteCond %{HTTP_ACCEPT} !c\nRewriteRule ^x$ https://h/1 [R=303,L]\n"
                        "RewriteRule ^x$ https://h/2 [R=302,L]\n")
    assert resolve(rules, "x", "b") == ("https://h/1", "303")
    assert resolve(rules, "x", "a c") == ("https://h/2", "302")
    assert resolve(rules, "x", "d") == ("https://h/2", "302")
    with pytest.raises(AssertionError):
        parse_rules("RewriteRule ^x$\n")


def test_the_readme_names_every_placeholder_and_the_submission() -> None:
    readme = README.read_text(encoding="utf-8")
    hosts = sorted(set(re.findall(r"https://([a-z-]+\.invalid)/", HTACCESS.read_text(encoding="utf-8"))))
    assert hosts == ["esrgraph-download.invalid", "esrgraph-site.invalid", "esrgraph-sparql.invalid"]
    for needed in [*hosts, "https://github.com/perma-id/w3id.org", "Contact", "CONTACT"]:
        assert needed in readme, needed
