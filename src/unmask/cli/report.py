"""``unmask report``: the offline HTML investigation report of a result directory."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["report"]


@click.command()
@click.argument("result", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The HTML file to write (one self-contained file; opens offline in any browser).")
@click.option("--max-nodes", default=300, show_default=True, type=int,
              help="Nodes drawn per cluster network (the strongest-connected first).")
@click.option("--max-clusters", default=50, show_default=True, type=int,
              help="Cluster cards, most flagged members first (every cluster stays in the tables).")
@click.option("--max-campaigns", default=12, show_default=True, type=int,
              help="Hashtags/domains charted in the campaigns section.")
@click.option("--max-dossiers", default=2000, show_default=True, type=int,
              help="Account dossiers embedded, highest score first (the others are referenced by path).")
@click.option("--max-dossier-mb", default=8.0, show_default=True, type=float,
              help="Stop embedding dossiers once they take this many MB of the file.")
def report(result: Path, out: Path, max_nodes: int, max_clusters: int, max_campaigns: int, max_dossiers: int,
           max_dossier_mb: float) -> None:
    """Write the investigation report of RESULT (a directory written by `unmask detect`) as one HTML file.

    The file embeds its data and scripts, makes no network request, and shows every string from the
    data as text (never as markup), so it is safe to open on hostile data.
    """
    from unmask.report import render_report

    try:
        path = render_report(result, out, max_nodes=max_nodes, max_clusters=max_clusters,
                             max_campaigns=max_campaigns, max_dossiers=max_dossiers,
                             max_dossier_bytes=int(max_dossier_mb * 1e6))
    except (FileNotFoundError, ValueError) as e:
        raise click.ClickException(str(e)) from e
    size = path.stat().st_size
    click.echo(f"report: {path} ({size / 1e6:.1f} MB)")
