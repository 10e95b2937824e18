"""The ``esrgraph`` command: a thin click shell over the library.

Each command parses its options, calls one library function and prints the result.
Exit codes: 0 the data conforms (warnings allowed), 1 violations found, 2 bad input or
usage or a fault of the environment the user can fix (full disk, read-only folder: the message
names the path and the fix), 3 internal error (a bug: please report it).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import NoReturn

import click

from esrgraph.cli.common import CONTEXT, EXIT_CODES_HELP, echo_err
from esrgraph.core.errors import EsrgraphError, environment_fault
from esrgraph.core.findings import one_line
from esrgraph.core.version import __version__

ISSUE_HINT = "This is a bug in esrgraph; please report it with the command you ran (rerun with ESRGRAPH_DEBUG=1 for details)."

#: Every command lives in a module of its own: "name" -> "module:attribute", imported on first use
#: so that a command loads only what it needs.
LAZY_COMMANDS: dict[str, str] = {
    name: f"esrgraph.cli.{module}:{name}_command"
    for name, module in {
        "build": "build", "parse": "parse", "validate": "validate", "query": "query", "queries": "query",
        "serve": "serve", "push": "push", "site": "site", "quality": "quality",
    }.items()
}


class LazyGroup(click.Group):
    """A click group whose commands are imported only when used or listed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            import importlib

            module_name, _, attribute = LAZY_COMMANDS[cmd_name].partition(":")
            command: click.Command = getattr(importlib.import_module(module_name), attribute)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings=CONTEXT, epilog=EXIT_CODES_HELP)
@click.version_option(__version__, "-V", "--version", prog_name="esrgraph")
def cli() -> None:
    """Turn ESR/EAKR project records into a validated, linked RDF knowledge graph."""


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the CLI, turning our errors into messages and exit codes."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="esrgraph", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except click.exceptions.Abort:
        echo_err("aborted")
        sys.exit(2)
    except EsrgraphError as exc:
        echo_err(f"error: {one_line(str(exc))}")
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        echo_err("interrupted")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except OSError as exc:  # a full disk, a read-only folder, a file where a folder must be: the user's to fix
        fault = environment_fault(exc)
        if fault is None:
            _internal_error(exc)
        echo_err(f"error: {fault}")
        sys.exit(fault.exit_code)
    except Exception as exc:  # the last line of defence: no traceback for users
        _internal_error(exc)
    sys.exit(0)


def _internal_error(exc: Exception) -> NoReturn:
    """A fault of esrgraph's own: one line and where to report it (the traceback with ESRGRAPH_DEBUG=1)."""
    import os

    if os.environ.get("ESRGRAPH_DEBUG"):
        raise exc
    echo_err(f"internal error: {type(exc).__name__}: {exc}")
    echo_err(ISSUE_HINT)
    sys.exit(3)


if __name__ == "__main__":  # pragma: no cover
    main()
