"""``unmask forensics``: time zone, shifts, creation bursts, automation, bot score, personas."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console

from unmask.dataset import Dataset, DatasetError
from unmask.engine import connect

__all__ = ["forensics"]


def _read_group(path: Path) -> list[str]:
    """Account ids, one per line (blank lines and '#' comments ignored; first CSV column used)."""
    ids = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            ids.append(line.split(",")[0].strip())
    return ids


@click.command()
@click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--group", "group_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="File of account ids (one per line) to analyse as one group.")
@click.option("--cluster", "cluster_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="clusters.parquet from the coordination stage: every cluster is analysed as a group.")
@click.option("--min-size", default=2, show_default=True, help="With --cluster: smallest cluster analysed.")
@click.option("--personas", default=3, show_default=True, help="Persona tests on this many busiest accounts.")
@click.option("-o", "--output", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output directory (one sub-directory per group).")
@click.option("--json", "as_json", is_flag=True, help="Print the summaries as JSON on stdout.")
def forensics(dataset: Path, group_file: Path | None, cluster_file: Path | None, min_size: int,
              personas: int, out: Path, as_json: bool) -> None:
    """Behavioural forensics of a group of accounts in DATASET (all accounts by default).

    Writes per analysis a Parquet evidence table, the plot data and a JSON summary: operator time
    zone and calendar, work shifts, creation bursts, automation, profile bot score and personas.
    """
    from unmask.forensics import read_clusters, run_all

    console = Console(stderr=True)
    try:
        ds = Dataset.open(dataset)
    except DatasetError as e:
        raise click.ClickException(str(e)) from e
    if group_file and cluster_file:
        raise click.UsageError("give --group or --cluster, not both")
    groups: dict[str, list[str] | None] = {"all": None}
    coordinated = False
    if group_file:
        groups = {"group": _read_group(group_file)}
    elif cluster_file:
        try:
            clusters = read_clusters(cluster_file)
        except (ValueError, OSError) as e:
            raise click.ClickException(str(e)) from e
        groups = {f"cluster_{c}": m for c, m in clusters.items() if len(m) >= min_size}
        coordinated = True
        if not groups:
            raise click.ClickException(f"{cluster_file}: no cluster with {min_size} or more members")
    con = connect()
    ds.register(con)
    report = {}
    for name, members in groups.items():
        console.print(f"forensics: {name} ({'all accounts' if members is None else f'{len(members)} accounts'})")
        findings = run_all(con, members, coordinated=members if coordinated else None, personas=personas)
        gdir = out / name
        for f in findings:
            f.write(gdir)
        report[name] = {f.analysis: f.summary for f in findings}
        tz = findings[0].summary
        sh = findings[1].summary
        off = tz.get("offset")
        zone = "no operator clock" if off is None else f"UTC{int(off):+d} {tz.get('offset_ci')}"
        console.print(f"  time zone: {zone} — {tz.get('verdict')} ({tz.get('rhythm')}); "
                      f"weekend {tz.get('weekend')}; shifts: {sh.get('verdict')}")
    (out / "forensics.json").write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
    console.print(f"written: {out}")
