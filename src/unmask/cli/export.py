"""``unmask export``: a result directory as GEXF, GraphML, Gephi CSV, CSV, Parquet, JSON and SQLite."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from unmask.export import FORMATS, ExportError, ResultError
from unmask.export import export as run_export

__all__ = ["export"]


@click.command()
@click.argument("result", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory to write the exports into.")
@click.option("--format", "formats", default="all", show_default=True, metavar="LIST",
              help=f"Comma-separated formats: {', '.join(FORMATS)}, or all.")
@click.option("--pseudonymize", is_flag=True,
              help="Replace account ids, handles, display names and post ids with salted keyed hashes "
                   "(HMAC-SHA256), the same in every file.")
@click.option("--salt", default=None, metavar="S", envvar="UNMASK_SALT",
              help="Salt for --pseudonymize (same salt, same pseudonyms; or set UNMASK_SALT, which keeps it out "
                   "of the process list). Default: a random salt written to OUTPUT.salt beside the output, "
                   "never into it.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@click.pass_context
def export(ctx: click.Context, result: Path, out_dir: Path, formats: str, pseudonymize: bool, salt: str | None, as_json: bool) -> None:
    """Write RESULT as Gephi graphs, CSV/Parquet tables, JSON and a SQLite file for Datasette.

    RESULT is a directory written by `unmask detect` or `unmask run`. See docs/export.md.
    """
    if salt and not pseudonymize:
        if ctx.get_parameter_source("salt") == click.core.ParameterSource.COMMANDLINE:
            raise click.UsageError("--salt goes with --pseudonymize")
        salt = None
    console = Console(stderr=True)
    try:
        with console.status("exporting") as status:
            rep = run_export(result, out_dir, formats, pseudonymize=pseudonymize, salt=salt,
                             progress=lambda name: status.update(f"writing {name}"))
    except ExportError as e:
        raise click.UsageError(str(e)) from e
    except ResultError as e:
        raise click.ClickException(str(e)) from e
    sizes = rep.sizes()
    if as_json:
        click.echo(json.dumps({"out_dir": str(rep.out_dir), "pseudonymized": rep.pseudonymized,
                               "salt_file": str(rep.salt_file) if rep.salt_file else None, "missing": rep.missing,
                               "formats": {k: {"files": [str(p) for p in v], "bytes": sizes[k],
                                               "seconds": rep.seconds[k]} for k, v in rep.files.items()}},
                              indent=2))
        return
    t = Table("format", "files", "size", "seconds")
    for k, v in rep.files.items():
        t.add_row(k, str(len(v)), f"{sizes[k] / 1e6:.2f} MB", f"{rep.seconds[k]:.2f}")
    console.print(t)
    if rep.missing:
        console.print(f"not in the result (skipped): {', '.join(rep.missing)}", markup=False)
    if rep.salt_file:
        console.print(f"pseudonymised; the salt is in {rep.salt_file} (keep it private, do not share it)",
                      markup=False)
    console.print(f"-> {rep.out_dir}", markup=False)
