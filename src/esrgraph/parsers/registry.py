"""Lazy registry of layout parsers: modules are imported on first use, tried in order."""

from __future__ import annotations

import importlib
from functools import cache

from esrgraph.parsers.base import Parser

#: layout name -> "module:Class". Order matters: the first parser whose sniff() accepts wins.
LAYOUTS: dict[str, str] = {
    # Before projectlist-csv: the 2021-2027 export's header also names a code, a fund and a name, and the
    # operations list's sniff asks for a column only that period's lists have (it refuses 2007-2020 lists).
    "operations-list": "esrgraph.parsers.operations_list:OperationsListParser",
    "projectlist-csv": "esrgraph.parsers.projectlist_csv:ProjectListCsvParser",
    "eura-description": "esrgraph.parsers.eura_description:EuraDescriptionParser",
    "eura-flattened": "esrgraph.parsers.eura_flattened:EuraFlattenedParser",
    "portal-card": "esrgraph.parsers.portal_card:PortalCardParser",
    # The 2007-2013 period's project description (issue 19).
    "eura2007-description": "esrgraph.parsers.eura2007_description:Eura2007DescriptionParser",
}


@cache
def get_parser(layout: str) -> Parser:
    """The parser registered for ``layout`` (KeyError if unknown)."""
    module_name, _, class_name = LAYOUTS[layout].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:  # a layout registered before its module exists
        if exc.name == module_name:
            raise KeyError(layout) from exc
        raise
    parser: Parser = getattr(module, class_name)()
    return parser


def available_layouts() -> list[str]:
    out = []
    for layout in LAYOUTS:
        try:
            get_parser(layout)
        except KeyError:
            continue
        out.append(layout)
    return out


def detect_layout(text: str) -> str | None:
    """Name of the first layout whose parser recognises ``text``, or None."""
    for layout in available_layouts():
        if get_parser(layout).sniff(text):
            return layout
    return None
