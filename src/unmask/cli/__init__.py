"""The ``unmask`` command: thin verbs over the Python API.

Each verb lives in its own module and is registered in :data:`COMMANDS` (one line per module).
"""

from __future__ import annotations

import importlib

import click

from unmask import __version__

__all__ = ["COMMANDS", "cli", "main"]

#: (module, attribute) of every verb, in the order ``unmask --help`` lists them.
COMMANDS: list[tuple[str, str]] = [
    ("unmask.cli.detect", "run"),
    ("unmask.cli.ingest", "ingest"),
    ("unmask.cli.ingest", "info"),
    ("unmask.cli.ingest", "formats"),
    ("unmask.cli.ingest", "rejects"),
    ("unmask.cli.simulate", "simulate"),
    ("unmask.cli.simulate", "evaluate"),
    ("unmask.cli.forensics", "forensics"),
    ("unmask.cli.coordinate", "coordinate"),
    ("unmask.cli.detect", "detect"),
    ("unmask.cli.export", "export"),
    ("unmask.cli.explain", "explain"),
    ("unmask.cli.report", "report"),
]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="unmask")
def cli() -> None:
    """unmask: find coordinated inauthentic behaviour in posts you already hold.

    unmask analyses data; it never posts, automates accounts or scrapes.
    """


for _module, _attr in COMMANDS:
    cli.add_command(getattr(importlib.import_module(_module), _attr))


def main() -> None:
    """Entry point of the console script."""
    cli()
