"""``unmask simulate`` and ``unmask evaluate``: a ground-truth world and scoring against it."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

__all__ = ["evaluate", "simulate"]


@click.command()
@click.option("-o", "--output", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output directory: data in dataset/ (parquet) or input/ (raw formats), truth in truth/.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed (same seed, same world).")
@click.option("--scale", default=1.0, show_default=True, type=float,
              help="Population multiplier: 1 is about a million posts over two months.")
@click.option("--profile", default="default", show_default=True,
              type=click.Choice(["small", "default", "stealth"]),
              help="small: seconds, for tests; stealth: the operations hide harder.")
@click.option("--format", "fmt", default="parquet", show_default=True,
              type=click.Choice(["parquet", "io-archive", "twarc2", "jetstream"]),
              help="parquet writes a canonical dataset; the others write raw files to ingest.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
def simulate(out: Path, seed: int, scale: float, profile: str, fmt: str, as_json: bool) -> None:
    """Write a simulated world with known truth: organic users, look-alikes and planted operations.

    The truth (truth/accounts.parquet, operations.json, persona_posts.parquet) is kept apart from
    the data; score a detector's per-account result against it with `unmask evaluate`.
    """
    from unmask.simulate import simulate as run

    console = Console(stderr=True)
    with console.status(f"simulating {profile} world (seed {seed}, scale {scale}) as {fmt}..."):
        r = run(out, seed=seed, scale=scale, profile=profile, format=fmt)
    if as_json:
        click.echo(json.dumps(r.to_dict(), indent=2))
        return
    t = Table(title=f"{r.posts:,} posts, {r.accounts:,} accounts ({r.planted:,} planted) in {r.seconds:.1f} s")
    t.add_column("group")
    t.add_column("accounts", justify="right")
    for g, n in r.groups.items():
        t.add_row(g, f"{n:,}")
    console.print(t)
    console.print(f"data: {', '.join(str(p) for p in r.data_paths)}\ntruth: {r.truth_dir}")


def _fmt(x: object) -> str:
    return "-" if x is None else f"{x:.3f}" if isinstance(x, float) else str(x)


@click.command()
@click.argument("result", type=click.Path(exists=True, path_type=Path))
@click.option("--truth", required=True, type=click.Path(exists=True, path_type=Path),
              help="Truth directory or table (account_id, label, group).")
@click.option("--threshold", type=float, help="Flag accounts with score >= this (overrides `flagged`).")
@click.option("--json-out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the metrics here.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON on stdout.")
def evaluate(result: Path, truth: Path, threshold: float | None, json_out: Path | None, as_json: bool) -> None:
    """Score a per-account RESULT (account_id, score, flagged) against known truth.

    Accounts missing from RESULT count as not flagged with score 0.
    """
    from unmask.evaluate import evaluate as run

    try:
        m = run(result, truth, threshold=threshold)
    except (ValueError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from e
    if json_out:
        json_out.write_text(json.dumps(m, indent=2) + "\n", encoding="utf-8")
    if as_json:
        click.echo(json.dumps(m, indent=2))
        return
    console = Console()
    t = Table(title=f"{m['accounts']:,} accounts, {m['planted']:,} planted, {m['flagged']:,} flagged "
                    f"({m['absent_from_result']:,} absent from the result)")
    for c in ("precision", "recall", "f1", "roc_auc", "average_precision", "fpr"):
        t.add_column(c, justify="right")
    t.add_row(*(_fmt(m[c]) for c in ("precision", "recall", "f1", "roc_auc", "average_precision", "fpr")))
    console.print(t)
    g = Table(title="per group")
    for c in ("group", "label", "accounts", "flagged", "recall / FPR"):
        g.add_column(c)
    for k, v in m["recall_by_group"].items():
        g.add_row(k, "1", str(v["accounts"]), str(v["flagged"]), "recall " + _fmt(v["recall"]))
    for k, v in m["fpr_by_group"].items():
        g.add_row(k, "0", str(v["accounts"]), str(v["flagged"]), "FPR " + _fmt(v["fpr"]))
    console.print(g)
