"""``unmask explain``: one account's dossier in the terminal -- verdict, reasons, partners, evidence.

Every string shown comes from the data under investigation, so none is interpreted: text is
printed as rich ``Text`` (markup such as ``[red]`` stays literal) and control, escape, bidi and
other invisible format characters are shown as visible escapes (``\\x1b``, ``\\u202e``) instead of
being sent to the terminal.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import pyarrow.compute as pc
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from unmask.export import Result, ResultError

__all__ = ["explain", "find_account", "visible"]

_VERDICT_STYLE = {"coordinated_inauthentic": "bold red", "automated_coordinated": "bold magenta",
                  "coordinated_organic": "yellow", "automated_benign": "cyan", "no_finding": "green"}
_HIDDEN = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}


def _escape_char(c: str) -> str:
    o = ord(c)
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}"


def visible(value: Any, style: str = "") -> Text:
    """``value`` as rich Text with every control/format character shown as a dim escape."""
    s = "—" if value is None else str(value)
    t = Text(style=style)
    run = []
    for c in s:
        if unicodedata.category(c) in _HIDDEN:
            if run:
                t.append("".join(run))
                run = []
            t.append(_escape_char(c), style="dim reverse")
        else:
            run.append(c)
    if run:
        t.append("".join(run))
    return t


def _num(x: Any, fmt: str = ".3g") -> str:
    if x is None:
        return "—"
    try:
        return format(float(x), fmt)
    except (TypeError, ValueError):
        return str(x)


def _hms(t: datetime) -> str:
    return t.strftime("%H:%M:%S") + (f".{t.microsecond // 1000:03d}" if t.microsecond else "")


def _time(a: Any) -> Text:
    """An ISO time compactly, in UTC (``2024-03-05 10:00:01.250``); anything else as visible text."""
    try:
        t = datetime.fromisoformat(str(a))
    except (TypeError, ValueError):
        return visible(a)
    t = t.astimezone(UTC) if t.utcoffset() is not None else t
    return Text(f"{t.date()} {_hms(t)}")


def _when(a: Any, b: Any) -> Text:
    """``a → b`` compactly in UTC (the date once when both fall on it)."""
    try:
        ta, tb = (datetime.fromisoformat(str(x)) for x in (a, b))
        ta, tb = (t.astimezone(UTC) if t.utcoffset() is not None else t for t in (ta, tb))
    except (TypeError, ValueError):
        return Text.assemble(visible(a), " → ", visible(b))
    return Text(f"{ta.date()} {_hms(ta)} → {_hms(tb) if ta.date() == tb.date() else f'{tb.date()} {_hms(tb)}'}")


def find_account(res: Result, query: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """(row, []) when ``query`` names one account by id or handle; (None, candidates) otherwise."""
    acc = res.table("accounts")
    cols = [c for c in ("account_id", "platform", "handle", "verdict", "score") if c in acc.column_names]
    ids = acc.column("account_id")
    for q in (query, query.lstrip("@")):
        hit = acc.filter(pc.equal(ids, q))
        if hit.num_rows == 0:
            hit = acc.filter(pc.equal(pc.utf8_lower(ids), q.lower()))
        if hit.num_rows == 0 and "handle" in acc.column_names:
            hit = acc.filter(pc.equal(pc.utf8_lower(acc.column("handle")), q.lower()))
        if hit.num_rows == 1:
            return hit.to_pylist()[0], []
        if hit.num_rows > 1:
            return None, hit.select(cols).to_pylist()
    return None, []


def _fallback_dossier(res: Result, row: dict[str, Any]) -> dict[str, Any]:
    """What the tables say about an account that has no dossier (neither flagged nor clustered)."""
    top = ("account_id", "handle", "platform", "score", "flagged", "verdict", "cluster_id", "reasons")
    prof = ("display_name", "location", "created_at")
    d = {k: row.get(k) for k in top}
    d["profile"] = {k: (row[k].isoformat() if isinstance(row.get(k), datetime) else row.get(k)) for k in prof if k in row}
    d["features"] = {k: v for k, v in row.items() if k not in (*top, *prof) and not isinstance(v, list | dict)}
    partners: dict[str, dict[str, Any]] = {}
    edges = res.table("edges")
    if edges is not None:
        me = row["account_id"]
        sel = edges.filter(pc.or_(pc.equal(edges.column("account_a"), me), pc.equal(edges.column("account_b"), me)))
        for e in sel.to_pylist():
            other = e["account_b"] if e["account_a"] == me else e["account_a"]
            p = partners.setdefault(other, {"account_id": other, "weight": 0.0, "signals": []})
            p["weight"] += float(e.get("weight") or 0)
            p["signals"].append({"signal": e["signal"], "n_shared": e.get("n_shared"), "q_value": e.get("q_value"),
                                 "median_dt_s": e.get("median_dt_s"), "evidence": [
                                     {"object": x["object"], "at_a": str(x["at_a"]), "at_b": str(x["at_b"]),
                                      "dt_s": abs((x["at_b"] - x["at_a"]).total_seconds())
                                      if x["at_a"] and x["at_b"] else None}
                                     for x in e.get("evidence") or []]})
    d["partners"] = sorted(partners.values(), key=lambda p: -p["weight"])
    d["sample_posts"] = []
    d["note"] = "no dossier in the result (only flagged or clustered accounts have one); built from the tables"
    return d


def _kv(items: dict[str, Any]) -> Table:
    t = Table.grid(padding=(0, 2))
    t.add_column(style="bold")
    t.add_column()
    for k, v in items.items():
        t.add_row(visible(k), visible(_num(v) if isinstance(v, float) else v))
    return t


def render(d: dict[str, Any], *, partners: int = 10, evidence: int = 5) -> Group:
    """A dossier as rich renderables."""
    parts: list[Any] = []
    head = Text.assemble(visible("@" + str(d["handle"]) if d.get("handle") else "(no handle)", "bold"), "  ",
                         visible(d.get("account_id")), "  ", visible(d.get("platform"), "dim"))
    verdict = str(d.get("verdict"))
    line = Text.assemble(visible(verdict, _VERDICT_STYLE.get(verdict, "bold")),
                         f"   score {_num(d.get('score'), '.2f')}",
                         "   FLAGGED" if d.get("flagged") else "   not flagged",
                         f"   cluster {d.get('cluster_id') if d.get('cluster_id') is not None else '—'}")
    parts.append(Panel(Group(head, line), title="unmask explain", title_align="left"))
    if d.get("note"):
        parts.append(visible(d["note"], "italic"))
    reasons = d.get("reasons") or []
    parts.append(Text("Reasons", style="bold underline"))
    parts.extend(Text.assemble("  • ", visible(r)) for r in reasons) if reasons else parts.append(Text("  none"))
    if d.get("profile"):
        parts.append(Text("Profile", style="bold underline"))
        parts.append(_kv(d["profile"]))
    if d.get("features"):
        parts.append(Text("Features", style="bold underline"))
        parts.append(_kv(d["features"]))
    ps = d.get("partners") or []
    parts.append(Text(f"Partners ({len(ps)}{f', top {partners} shown' if len(ps) > partners else ''})",
                      style="bold underline"))
    for p in ps[:partners]:
        who = Text.assemble(visible("@" + str(p["handle"]) if p.get("handle") else "", "bold"), " ",
                            visible(p.get("account_id"), "dim"), f"  weight {_num(p.get('weight'))}")
        t = Table("signal / evidence", "shared", "q", "Δt",
                  caption="evidence: the shared object, then this account's time → the partner's (UTC); "
                          "a signal's Δt is its median", caption_justify="left",
                  title=who, title_justify="left", expand=False)
        for s in p.get("signals") or []:
            t.add_row(visible(s.get("signal"), "bold"), _num(s.get("n_shared")), _num(s.get("q_value"), ".1e"),
                      f"{_num(s.get('median_dt_s'))} s")
            for x in (s.get("evidence") or [])[:evidence]:
                t.add_row(Text.assemble("  ", visible(x.get("object")), "\n  ", _when(x.get("at_a"), x.get("at_b"))),
                          "", "", f"{_num(x.get('dt_s'))} s")
        parts.append(t)
    posts = d.get("sample_posts") or []
    if posts:
        t = Table("created_at (UTC)", "kind", "text", title="Sample posts", title_justify="left")
        for x in posts:
            t.add_row(_time(x.get("created_at")), visible(x.get("kind")), visible(x.get("text")))
        parts.append(t)
    return Group(*parts)


@click.command()
@click.argument("result", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("account")
@click.option("--json", "as_json", is_flag=True, help="Print the dossier as JSON (ASCII, every string escaped).")
@click.option("--partners", type=int, default=10, show_default=True, help="Partners shown.")
@click.option("--evidence", type=int, default=5, show_default=True, help="Evidence posts shown per signal.")
@click.pass_context
def explain(ctx: click.Context, result: Path, account: str, as_json: bool, partners: int, evidence: int) -> None:
    """Show one account's dossier: verdict, reasons, partners and evidence.

    ACCOUNT is an account id or a handle (case-insensitive, a leading @ ignored) in RESULT.
    """
    err = Console(stderr=True, highlight=False)
    try:
        res = Result(result)
    except ResultError as e:
        raise click.ClickException(str(e)) from e
    row, candidates = find_account(res, account)
    if row is None:
        if candidates:
            err.print(Text.assemble("error: ", visible(account), f" matches {len(candidates)} accounts; "
                                    "name one by its account id:"))
            t = Table(*candidates[0].keys())
            for c in candidates:
                t.add_row(*(visible(v) for v in c.values()))
            err.print(t)
        else:
            err.print(Text.assemble("error: no account ", visible(account),
                                    f" in {result} (looked for an account id or handle)"))
        ctx.exit(2)
    doss = res.dossier("account", str(row["account_id"])) or _fallback_dossier(res, row)
    if as_json:
        click.echo(json.dumps(doss, indent=2, ensure_ascii=True, default=str))
        return
    Console(highlight=False, emoji=False).print(render(doss, partners=partners, evidence=evidence))
