"""``unmask ingest``, ``unmask info``, ``unmask formats`` and ``unmask rejects``."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from unmask.dataset import Dataset, DatasetError
from unmask.engine import EngineUnavailable, connect
from unmask.ingest import FileReport, FormatError, ingest_files, readers

__all__ = ["formats", "info", "ingest", "rejects"]


def _console() -> Console:
    return Console(stderr=True)


def _load_map(path: str | None, columns: tuple[str, ...]) -> dict[str, Any]:
    opts: dict[str, Any] = {}
    if path:
        try:
            opts = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise click.BadParameter(f"{path}: {e}", param_hint="--map") from e
    for c in columns:
        if "=" not in c:
            raise click.BadParameter(f"{c!r}: expected CANONICAL=SOURCE", param_hint="--column")
        k, v = c.split("=", 1)
        opts.setdefault("columns", {})[k.strip()] = v.strip()
    return opts


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-o", "--output", "dataset", required=True, type=click.Path(file_okay=False),
              help="Dataset directory (created if absent; more files are appended).")
@click.option("--format", "format_", metavar="NAME", help="Force a reader instead of sniffing (see `unmask formats`).")
@click.option("--map", "map_file", type=click.Path(exists=True, dir_okay=False),
              help="TOML column map and options for the generic format.")
@click.option("--column", "columns", multiple=True, metavar="CANONICAL=SOURCE",
              help="Column map entry for the generic format (repeatable).")
@click.option("--encoding", help="Input encoding (default: detected: BOM, UTF-8, else latin-1).")
@click.option("--json", "as_json", is_flag=True, help="Print the per-file counts as JSON on stdout.")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True,
              help="Where the rows are processed: embedded DuckDB, or Spark (CSV/Parquet formats; inputs and "
                   "DATASET may then be URIs: s3a://, abfss://, gs://, hdfs://).")
@click.option("--spark-master", metavar="URL", help="Spark master for --engine spark (default: spark-submit's, or local[*]).")
def ingest(inputs: tuple[str, ...], dataset: str, format_: str | None, map_file: str | None,
           columns: tuple[str, ...], encoding: str | None, as_json: bool, engine: str, spark_master: str | None) -> None:
    """Read INPUT files into a canonical DATASET (Parquet + manifest).

    Every input record ends as ingested, duplicate (same platform + post id) or rejected with a
    reason (see `unmask rejects`); the counts per file add up to the records read.
    """
    console = _console()
    options = _load_map(map_file, columns)
    if format_ is None and (map_file or columns):
        format_ = "generic"
    try:
        if "://" not in dataset:
            Dataset.open(dataset, create=True)
    except DatasetError as e:
        raise click.ClickException(str(e)) from e
    if format_ is not None and format_ not in readers():
        raise click.ClickException(f"unknown format {format_!r}; known: {', '.join(sorted(readers()))}")
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} files"),
                  TimeElapsedColumn(), console=console, transient=True, disable=as_json or not console.is_terminal) as bar:
        task = bar.add_task("ingesting", total=len(inputs))

        def progress(event: str, fr: FileReport | None) -> None:
            if event == "start" and fr is not None:
                bar.update(task, description=f"reading {Path(fr.path).name}")
            elif event == "done":
                bar.advance(task)

        try:
            if engine == "spark":
                from unmask.engines.spark_ingest import ingest_spark

                report = ingest_spark(inputs, dataset, format=format_, options=options, encoding=encoding,
                                      spark_master=spark_master, progress=progress)
            else:
                report = ingest_files(inputs, dataset, format=format_, options=options, encoding=encoding,
                                      progress=progress)
        except EngineUnavailable as e:
            raise click.ClickException(str(e)) from e
        except FormatError as e:
            raise click.ClickException(str(e)) from e
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        table = Table(title=f"ingest → {dataset}")
        for col in ("file", "format", "records", "ingested", "duplicate", "rejected", "seconds"):
            table.add_column(col, justify="left" if col in ("file", "format") else "right")
        for f in report.files:
            if f.error:
                table.add_row(f.path, f.format, "-", "-", "-", "-", f"{f.seconds:.2f}", style="red")
            else:
                table.add_row(f.path, f.format, f"{f.records:,}", f"{f.ingested:,}", f"{f.duplicate:,}",
                              f"{f.rejected:,}", f"{f.seconds:.2f}")
        t = report.totals()
        table.add_row("total", "", f"{t['records']:,}", f"{t['ingested']:,}", f"{t['duplicate']:,}",
                      f"{t['rejected']:,}", "", style="bold")
        Console().print(table)
        for f in report.files:
            if f.error:
                console.print(f"[red]error[/red]: {f.error}")
            for reason, n in list(f.reject_reasons.items())[:5]:
                console.print(f"  {Path(f.path).name}: {n:,} rejected: {reason}")
        console.print(f"dataset: {dataset}  (rejects: `unmask rejects {dataset}`)")
    if not report.ok:
        sys.exit(1)


@click.command()
@click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--top", default=10, show_default=True, help="How many top hashtags/domains/clients.")
def info(dataset: Path, as_json: bool, top: int) -> None:
    """Summarise a DATASET: posts and accounts per platform and kind, time range, top entities, rejects."""
    from unmask.dataset import summary

    try:
        ds = Dataset.open(dataset)
    except DatasetError as e:
        raise click.ClickException(str(e)) from e
    s = summary(ds, connect(), top=top)
    if as_json:
        click.echo(json.dumps(s, indent=2, default=str))
        return
    console = Console()
    console.print(f"[bold]{dataset}[/bold]  schema {s['schema_version']}, {len(s['inputs'])} input file(s)")
    t = Table(title="posts")
    for c in ("platform", "kind", "posts", "accounts"):
        t.add_column(c, justify="right" if c in ("posts", "accounts") else "left")
    for row in s["posts_by_kind"]:
        t.add_row(row["platform"], row["kind"], f"{row['posts']:,}", f"{row['accounts']:,}")
    console.print(t)
    console.print(f"accounts: {s['accounts']:,}   time range: {s['first_post']} … {s['last_post']}")
    for key in ("hashtags", "domains", "clients"):
        items = ", ".join(f"{k} ({v:,})" for k, v in s[f"top_{key}"])
        console.print(f"top {key}: {items or '—'}")
    rej = s["rejects"]
    console.print(f"rejected records: {sum(rej.values()):,}")
    for reason, n in list(rej.items())[:top]:
        console.print(f"  {n:,}  {reason}")


@click.command()
def formats() -> None:
    """List the input formats unmask reads."""
    t = Table()
    t.add_column("--format")
    t.add_column("what")
    for name, r in readers().items():
        t.add_row(name, r.description)
    Console().print(t)


@click.command()
@click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--limit", default=20, show_default=True, help="How many rejected records to print.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines (source_file, source_record, field, reason, raw).")
def rejects(dataset: Path, limit: int, as_json: bool) -> None:
    """Show the records of DATASET that were rejected, with file, line, field and reason."""
    try:
        ds = Dataset.open(dataset)
    except DatasetError as e:
        raise click.ClickException(str(e)) from e
    con = connect()
    rows = con.execute(
        f"SELECT source_file, source_record, field, reason, raw FROM {ds.scan_sql('rejects')} "
        f"ORDER BY source_file, source_record LIMIT {int(limit)}"
    ).fetchall()
    for f, line, field, reason, raw in rows:
        if as_json:
            click.echo(json.dumps({"source_file": f, "source_record": line, "field": field, "reason": reason, "raw": raw}))
        else:
            click.echo(f"{f}:{line}: {field or '-'}: {reason}\n    {(raw or '')[:200]!r}")
