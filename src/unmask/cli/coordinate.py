"""``unmask coordinate``: find coordinated account groups in a dataset."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from unmask.coordinate import coordinate as run_coordinate
from unmask.dataset import DatasetError
from unmask.signals import SIGNALS

__all__ = ["coordinate"]


@click.command()
@click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Result directory (edges.parquet, clusters.parquet, graph.gexf, graph.graphml, parameters.json).")
@click.option("--signals", default=None, metavar="LIST",
              help=f"Comma-separated signals (default: all): {', '.join(SIGNALS)}.")
@click.option("--time-window", type=float, default=60.0, show_default=True,
              help="Seconds within which two accounts' posts on the same object count as coordinated; 0 = any time.")
@click.option("--mode", type=click.Choice(["significance", "coortweet"]), default="significance", show_default=True,
              help="Keep edges by FDR (q-value) or by CooRTweet's min_participation rule.")
@click.option("--q-max", type=float, default=0.01, show_default=True, help="Keep edges with q-value at most this.")
@click.option("--min-shared", type=int, default=2, show_default=True, help="Keep edges with at least this many co-actions.")
@click.option("--min-participation", type=int, default=2, show_default=True, help="CooRTweet mode: minimum shared objects.")
@click.option("--max-bucket", type=int, default=250, show_default=True,
              help="Fan-out cap: (object, time bucket) cells with more events are skipped and counted "
                   "(sync_activity uses its own, 2000 accounts per bin).")
@click.option("--seed", type=int, default=42, show_default=True, help="Leiden random seed.")
@click.option("--set", "sets", multiple=True, metavar="SIGNAL.PARAM=VALUE",
              help="A signal parameter, e.g. co_text_near.threshold=0.9 (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the effective parameters and counts as JSON.")
def coordinate(dataset: Path, out_dir: Path, signals: str | None, time_window: float, mode: str, q_max: float,
               min_shared: int, min_participation: int, max_bucket: int, seed: int, sets: tuple[str, ...],
               as_json: bool) -> None:
    """Find accounts that act in lockstep in DATASET, test each link against chance, and cluster them."""
    params: dict[str, dict[str, object]] = {}
    for s in sets:
        try:
            key, value = s.split("=", 1)
            sig, par = key.split(".", 1)
        except ValueError:
            raise click.BadParameter(f"{s!r}: expected SIGNAL.PARAM=VALUE", param_hint="--set") from None
        try:
            params.setdefault(sig, {})[par] = json.loads(value)
        except json.JSONDecodeError:
            params.setdefault(sig, {})[par] = value
    names = [x.strip() for x in signals.split(",") if x.strip()] if signals else None
    for n in names or []:
        if n not in SIGNALS:
            raise click.BadParameter(f"unknown signal {n!r}; known: {', '.join(SIGNALS)}", param_hint="--signals")
    try:
        res = run_coordinate(dataset, out_dir, signals=names, time_window=time_window or None, mode=mode,
                             q_max=q_max, min_shared=min_shared, min_participation=min_participation,
                             max_bucket=max_bucket, seed=seed, signal_params=params)
    except DatasetError as e:
        raise click.ClickException(str(e)) from e
    if as_json:
        click.echo(json.dumps(res.parameters, indent=2, default=str))
        return
    console = Console(stderr=True)
    t = Table("signal", "events", "candidate pairs", "kept", "capped events", "seconds")
    for n, st in res.parameters["per_signal"].items():
        t.add_row(n, str(st["events"]), str(st["candidate_pairs"]), str(st["kept_pairs"]),
                  str(st["capped_events"]), f"{st['seconds']:.2f}")
    console.print(t)
    console.print(f"{res.n_edges} edges, {res.n_clusters} clusters -> {res.out_dir}")
