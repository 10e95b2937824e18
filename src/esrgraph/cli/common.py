"""What every command shares: help settings, the exit-code epilogue, error output."""

from __future__ import annotations

import click

EXIT_CODES_HELP = (
    "Exit codes: 0 conforms (warnings allowed), 1 violations found, "
    "2 bad input, usage or environment (unreadable file, quarantined record, full disk, unwritable folder), "
    "3 internal error."
)
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def echo_err(text: str) -> None:
    click.echo(text, err=True)
