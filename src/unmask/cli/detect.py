"""``unmask detect`` and ``unmask run``: verdicts with evidence, and the whole job in one command."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from unmask.dataset import DatasetError
from unmask.detect import DetectResult
from unmask.detect import detect as run_detect

__all__ = ["detect", "run"]

_STAGES = {"ingest": "reading the inputs", "coordinate": "coordination signals, significance, clusters",
           "forensics": "forensics: automation, profiles, time zones, shifts, bursts",
           "verdict": "scores, verdicts, reasons", "write": "tables, dossiers, campaigns", "report": "HTML report"}


class _Stages:
    """A progress display with one line per stage (spinner while running, time when done)."""

    def __init__(self, console: Console, enabled: bool) -> None:
        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                            console=console, disable=not enabled)
        self.task: int | None = None

    def __enter__(self) -> _Stages:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stage(None)
        self.bar.__exit__(*exc)  # type: ignore[arg-type]

    def stage(self, name: str | None) -> None:
        if self.task is not None:
            self.bar.update(self.task, completed=1, total=1)
            self.bar.stop_task(self.task)
        self.task = None if name is None else self.bar.add_task(f"{name}: {_STAGES.get(name, '')}", total=None)


def _print_result(console: Console, res: DetectResult) -> None:
    t = Table(title=f"detect → {res.out_dir}")
    t.add_column("verdict")
    t.add_column("accounts", justify="right")
    for v, n in sorted(res.verdicts.items(), key=lambda kv: -kv[1]):
        t.add_row(v, f"{n:,}")
    console.print(t)
    console.print(f"{res.flagged:,} of {res.accounts:,} accounts flagged (score ≥ {res.threshold:g}); "
                  f"{res.clusters:,} clusters. Timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in res.timings.items()))


@click.command()
@click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Result directory (accounts, clusters, edges, dossiers, summary; see docs/results.md).")
@click.option("--config", "config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="TOML file overriding any default (the effective config is written as RESULT/config.toml).")
@click.option("--threshold", type=float, default=None, help="Flag accounts with score at least this (default: the model's).")
@click.option("--no-reuse", is_flag=True, help="Recompute the coordination stage even if RESULT already has it.")
@click.option("--json", "as_json", is_flag=True, help="Print the headline counts as JSON.")
def detect(dataset: Path, out_dir: Path, config: Path | None, threshold: float | None, no_reuse: bool,
           as_json: bool) -> None:
    """Judge every account of DATASET: score, flag, verdict, reasons and evidence dossiers."""
    console = Console(stderr=True)
    cfg = _config(config, threshold)
    try:
        with _Stages(console, console.is_terminal and not as_json) as st:
            res = run_detect(dataset, out_dir, config=cfg, progress=st.stage, reuse=not no_reuse)
    except (DatasetError, ValueError) as e:
        raise click.ClickException(str(e)) from e
    if as_json:
        click.echo(json.dumps({"out_dir": str(res.out_dir), "threshold": res.threshold, "accounts": res.accounts,
                               "flagged": res.flagged, "clusters": res.clusters, "verdicts": res.verdicts,
                               "timings_s": res.timings}, indent=2))
    else:
        _print_result(Console(), res)


def _config(config: Path | None, threshold: float | None) -> dict | Path | None:
    if threshold is None:
        return config
    import tomllib

    base = tomllib.loads(config.read_text(encoding="utf-8")) if config else {}
    base.setdefault("verdict", {})["threshold"] = threshold
    return base


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output directory: OUT/dataset, OUT/result, OUT/report.html.")
@click.option("--format", "format_", metavar="NAME", help="Force a reader instead of sniffing (see `unmask formats`).")
@click.option("--config", "config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="TOML file overriding any detect default.")
@click.option("--threshold", type=float, default=None, help="Flag accounts with score at least this.")
@click.option("--no-report", is_flag=True, help="Stop after detect (no HTML report).")
def run(inputs: tuple[Path, ...], out: Path, format_: str | None, config: Path | None, threshold: float | None,
        no_report: bool) -> None:
    """Ingest INPUT files, detect, and write the HTML report: the whole job in one command."""
    from unmask.ingest import FormatError, ingest_files

    console = Console(stderr=True)
    cfg = _config(config, threshold)
    times: dict[str, float] = {}
    with _Stages(console, console.is_terminal) as st:
        st.stage("ingest")
        t0 = time.perf_counter()
        try:
            rep = ingest_files(inputs, out / "dataset", format=format_)
        except FormatError as e:
            raise click.ClickException(str(e)) from e
        times["ingest"] = time.perf_counter() - t0
        tot = rep.totals()
        console.print(f"ingested {tot['ingested']:,} posts from {len(inputs)} file(s) "
                      f"({tot['duplicate']:,} duplicates, {tot['rejected']:,} rejected: `unmask rejects {out / 'dataset'}`)")
        for f in rep.files:
            if f.error:
                console.print(f"[red]error[/red]: {f.error}")
        if tot["ingested"] == 0 and tot["duplicate"] == 0:
            raise click.ClickException("nothing was ingested; see the errors above")
        try:
            res = run_detect(out / "dataset", out / "result", config=cfg, progress=st.stage)
        except (DatasetError, ValueError) as e:
            raise click.ClickException(str(e)) from e
        if not no_report:
            st.stage("report")
            t0 = time.perf_counter()
            from unmask.report import render_report

            html = render_report(out / "result", out / "report.html")
            times["report"] = time.perf_counter() - t0
    _print_result(Console(), res)
    console.print(f"dataset: {out / 'dataset'}\nresult:  {out / 'result'}")
    if not no_report:
        console.print(f"report:  {html}  ({html.stat().st_size / 1e6:.1f} MB, open it in a browser; works offline)")
    if not rep.ok:
        sys.exit(1)
