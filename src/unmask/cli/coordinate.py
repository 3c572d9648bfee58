"""``unmask coordinate``: find coordinated account groups in a dataset."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from unmask.coordinate import coordinate as run_coordinate
from unmask.dataset import DatasetError
from unmask.engine import ENGINES, EngineUnavailable
from unmask.signals import SIGNALS

__all__ = ["coordinate"]


@click.command()
@click.argument("dataset")
@click.option("-o", "--output", "out_dir", required=True,
              help="Result directory (edges.parquet, clusters.parquet, graph.gexf, graph.graphml, parameters.json); "
                   "with --engine spark any URI Spark can write (s3a://, abfss://, gs://, hdfs://).")
@click.option("--signals", default=None, metavar="LIST",
              help=f"Comma-separated signals (default: all): {', '.join(SIGNALS)}.")
@click.option("--time-window", type=float, default=60.0, show_default=True,
              help="Seconds within which two accounts' posts on the same object count as coordinated; 0 = any time. "
                   "co_hashtag_sequence keeps its own window (600 s; set it with a config's signal_params).")
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
@click.option("--engine", type=click.Choice(ENGINES), default=None,
              help="Where the signals run: embedded DuckDB (default; env UNMASK_ENGINE) or Apache Spark "
                   "(pip install 'unmask[spark]'; needs Java 17+).")
@click.option("--spark-master", default=None, metavar="URL",
              help="Spark master for a new session, e.g. local[4], yarn, spark://host:7077, k8s://… "
                   "(default: what spark-submit set, else local[*]; env UNMASK_SPARK_MASTER).")
@click.option("--spark-conf", "spark_confs", multiple=True, metavar="KEY=VALUE",
              help="A Spark setting for a new session (repeatable), e.g. spark.executor.memory=8g.")
@click.option("--spark-scratch", default=None, metavar="URI",
              help="Directory for Spark's intermediate tables (default: cached on the executors).")
@click.option("--json", "as_json", is_flag=True, help="Print the effective parameters and counts as JSON.")
def coordinate(dataset: str, out_dir: str, signals: str | None, time_window: float, mode: str, q_max: float,
               min_shared: int, min_participation: int, max_bucket: int, seed: int, sets: tuple[str, ...],
               engine: str | None, spark_master: str | None, spark_confs: tuple[str, ...], spark_scratch: str | None,
               as_json: bool) -> None:
    """Find accounts that act in lockstep in DATASET, test each link against chance, and cluster them.

    DATASET is a dataset directory (``unmask ingest``); with ``--engine spark`` it may also be a URI.
    """
    remote = "://" in dataset
    if not remote and not Path(dataset).is_dir():
        raise click.BadParameter(f"{dataset!r} is not a directory", param_hint="DATASET")
    if remote and (engine or os.environ.get("UNMASK_ENGINE")) != "spark":
        raise click.BadParameter("a URI needs --engine spark", param_hint="DATASET")
    conf: dict[str, str] = {}
    for c in spark_confs:
        if "=" not in c:
            raise click.BadParameter(f"{c!r}: expected KEY=VALUE", param_hint="--spark-conf")
        k, v = c.split("=", 1)
        conf[k.strip()] = v.strip()
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
                             max_bucket=max_bucket, seed=seed, signal_params=params, engine=engine,
                             spark_master=spark_master, spark_conf=conf or None, spark_scratch=spark_scratch)
    except (DatasetError, EngineUnavailable) as e:
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
