"""Read a result directory into the one JSON document the report embeds, capped for size.

Every string here is hostile data: it is only ever cleaned (lone surrogates, length) and
serialised; escaping for the HTML context happens once, in :func:`json_for_html`.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import math
import os
import random
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["build_data", "clean", "json_for_html"]

_SURROGATE = re.compile(r"[\ud800-\udfff]")
MAX_STR = 2000  # characters kept of any one string (posts, descriptions, reasons)
MAX_LIST = 200  # items kept of any list inside a dossier or summary


def clean(o: Any, *, max_list: int = MAX_LIST, max_str: int = MAX_STR, depth: int = 0) -> Any:
    """JSON-ready copy of ``o``: lone surrogates -> U+FFFD, NaN/inf -> None, times -> ISO, capped sizes."""
    if o is None or isinstance(o, bool | int):
        return o
    if isinstance(o, str):
        s = o if len(o) <= max_str else o[:max_str] + "…"
        return _SURROGATE.sub("\ufffd", s)
    if isinstance(o, float):
        return o if math.isfinite(o) else None
    if isinstance(o, np.generic):
        return clean(o.item(), max_list=max_list, max_str=max_str, depth=depth)
    if isinstance(o, dt.datetime):
        if o.tzinfo is not None:
            o = o.astimezone(dt.UTC).replace(tzinfo=None)
        return o.isoformat(timespec="seconds") + "Z"
    if isinstance(o, dt.date):
        return o.isoformat()
    if isinstance(o, dt.timedelta):
        return o.total_seconds()
    if isinstance(o, bytes):
        return clean(o.decode("utf-8", "replace"), max_list=max_list, max_str=max_str, depth=depth)
    if depth > 12:
        return "…"
    if isinstance(o, dict):
        items = list(o.items())[:max_list]
        return {clean(str(k), max_str=200): clean(v, max_list=max_list, max_str=max_str, depth=depth + 1)
                for k, v in items}
    if isinstance(o, list | tuple | np.ndarray):
        return [clean(v, max_list=max_list, max_str=max_str, depth=depth + 1) for v in list(o)[:max_list]]
    return clean(str(o), max_str=max_str)


def json_for_html(data: Any) -> str:
    """``data`` as JSON that is inert inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` only ever occur inside JSON strings, so their ``\\uXXXX`` escapes keep it
    valid JSON while no ``</script>``, ``<!--`` or entity can appear; U+2028/9 are escaped too.
    """
    try:
        s = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (ValueError, TypeError):  # a stray NaN/inf or odd type deep inside: clean it all (slower)
        s = json.dumps(clean(data, max_list=10**9, max_str=10**9), ensure_ascii=False, separators=(",", ":"),
                       allow_nan=False)
    s = _SURROGATE.sub("\ufffd", s)
    return (s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _pylist(col: pa.ChunkedArray | pa.Array) -> list[Any]:
    """``to_pylist`` that survives invalid UTF-8 in string columns (decoded with U+FFFD)."""
    try:
        return col.to_pylist()
    except (UnicodeDecodeError, pa.ArrowException):
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            return [None if b is None else b.decode("utf-8", "replace")
                    for b in col.cast(pa.binary()).to_pylist()]
        raise


def _read(path: Path) -> dict[str, list[Any]] | None:
    if not path.exists():
        return None
    t = pq.read_table(path)
    return {name: _pylist(t.column(name)) for name in t.column_names}


def _json_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, ValueError):
        return None


def _inside(root: Path, rel: str) -> Path | None:
    """The dossier file ``rel`` names (relative to ``root`` or to ``root/evidence``) if it stays inside
    ``root``: index paths are not trusted either."""
    try:
        base = _resolved(str(root))
        for p in (_resolve(base / rel), _resolve(base / "evidence" / rel)):
            if p.is_relative_to(base) and p.is_file():
                return p
    except (OSError, ValueError):
        pass
    return None


@functools.lru_cache(maxsize=1024)
def _resolved(path: str) -> Path:
    return Path(path).resolve()


def _resolve(p: Path) -> Path:
    """``p.resolve()``, with the folder's resolution remembered (a result's dossiers share a few folders):
    a last part that is a plain name and not a link resolves to itself inside the resolved folder."""
    name = p.name
    if ".." in p.parts or name in ("", ".", "..") or os.path.islink(p):
        return p.resolve()
    return _resolved(str(p.parent)) / name


def _r(x: Any, nd: int = 4) -> Any:
    return round(x, nd) if isinstance(x, float) and math.isfinite(x) else (None if isinstance(x, float) else x)


def build_data(result: Path, *, max_nodes: int, max_edges: int, max_clusters: int, max_campaigns: int,
               max_dossiers: int, max_dossier_bytes: int = 8_000_000) -> dict[str, Any]:
    _resolved.cache_clear()  # folders are resolved afresh for every report
    summary = _json_file(result / "summary.json") or {}
    config = None
    if (result / "config.toml").exists():
        config = (result / "config.toml").read_text(encoding="utf-8", errors="replace")
    missing = [f for f in ("summary.json", "config.toml", "clusters.parquet", "fused.parquet",
                           "campaigns.parquet", "evidence/index.parquet") if not (result / f).exists()]

    accounts, acc_index = _accounts(result)
    index = _read(result / "evidence" / "index.parquet") or {"kind": [], "id": [], "path": []}
    dossier_path = {(k, i): p for k, i, p in zip(index["kind"], index["id"], index["path"], strict=True)}
    dossiers, dossier_of = _account_dossiers(result, accounts, dossier_path, max_dossiers, max_dossier_bytes)
    accounts["cols"]["dossier"] = dossier_of
    clusters = _clusters(result, accounts, acc_index, dossier_path, max_nodes=max_nodes, max_edges=max_edges,
                         max_clusters=max_clusters)
    campaigns = _campaigns(result, max_campaigns)
    threshold = summary.get("threshold") if isinstance(summary, dict) else None
    scores = np.asarray([s if s is not None else 0.0 for s in accounts["cols"]["score"]], dtype=float)
    hist, _ = np.histogram(np.clip(scores, 0, 1), bins=20, range=(0, 1))
    return {
        "meta": {"result": clean(result.resolve().name), "generated_at": clean(dt.datetime.now(dt.UTC)),
                 "missing": missing},
        "summary": clean(summary, max_list=500),
        "config": clean(config, max_str=200_000) if config is not None else None,
        "threshold": threshold if isinstance(threshold, int | float) else None,
        "score_hist": hist.tolist(),
        "accounts": accounts,
        "dossiers": dossiers,
        "clusters": clusters,
        "campaigns": campaigns,
    }


def _cut(s: Any, n: int) -> Any:
    if s is None:
        return None
    s = s if isinstance(s, str) else str(s)
    return s if len(s) <= n else s[:n] + "…"


def _codes(values: list[Any], names: list[str], code: dict[str, int]) -> list[int]:
    out = []
    for v in values:
        v = "" if v is None else str(v)
        if v not in code:
            code[v] = len(names)
            names.append(_cut(v, 80))
        out.append(code[v])
    return out


def _accounts(result: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """The accounts table, columnar, highest score first; repeated strings as codes into small lists.

    Parquet strings are valid UTF-8, so only lengths are capped here; the final serialisation
    (:func:`json_for_html`) replaces any stray surrogate.
    """
    t = _read(result / "accounts.parquet") or {}
    n = len(t.get("account_id", []))

    def col(name: str, default: Any = None) -> list[Any]:
        return t.get(name) or [default] * n

    ids = [str(x) for x in col("account_id", "")]
    score = np.asarray([x if isinstance(x, int | float) and math.isfinite(x) else 0.0 for x in col("score", 0.0)])
    order = np.lexsort((np.asarray(ids, dtype=object), -score)).tolist() if n else []

    def pick(name: str, default: Any = None) -> list[Any]:
        c = col(name, default)
        return [c[i] for i in order]

    verdicts: list[str] = []
    platforms: list[str] = []
    signals: list[str] = []
    sig_code: dict[str, int] = {}
    cols: dict[str, list[Any]] = {
        "id": [_cut(ids[i], 300) for i in order],
        "handle": [_cut(x, 200) for x in pick("handle")],
        "name": [_cut(x, 200) for x in pick("display_name")],
        "platform": _codes(pick("platform"), platforms, {}),
        "score": [round(float(score[i]), 4) for i in order],
        "flagged": [1 if x else 0 for x in pick("flagged", False)],
        "verdict": _codes([x or "no_finding" for x in pick("verdict")], verdicts, {}),
        "cluster": pick("cluster_id"),
        "reasons": [[_cut(r, 300) for r in (x or [])[:3]] for x in pick("reasons", [])],
        "n_reasons": [len(x or []) for x in pick("reasons", [])],
        "n_posts": pick("n_posts"),
        "n_partners": pick("n_partners"),
        "best_q": [float(f"{q:.3g}") if isinstance(q, float) and math.isfinite(q) else None
                   for q in pick("best_q")],
        "signals": [_codes((x or [])[:10], signals, sig_code) for x in pick("signals", [])],
        "location": [_cut(x, 200) for x in pick("location")],
    }
    acc_index = {x: k for k, x in enumerate(cols["id"])}
    return {"n": n, "verdicts": verdicts, "platforms": platforms, "signals": signals, "cols": cols}, acc_index


def _nan_none(_: str) -> None:
    return None


def _account_dossiers(result: Path, accounts: dict[str, Any], dossier_path: dict[tuple[str, str], str],
                      max_dossiers: int, max_bytes: int) -> tuple[list[Any], list[Any]]:
    """Embed the dossiers of the highest-scored accounts (at most ``max_dossiers``, ``max_bytes`` of
    JSON); the rest keep the path of their file."""
    used = 0
    dossiers: list[Any] = []
    dossier_of: list[Any] = []
    root = result.resolve()
    for aid in accounts["cols"]["id"]:
        rel = dossier_path.get(("account", aid))
        if rel is None:
            dossier_of.append(None)
            continue
        d = None
        if len(dossiers) < max_dossiers and used < max_bytes:
            p = _inside(root, rel)
            if p is not None:
                try:
                    d = json.loads(p.read_text(encoding="utf-8", errors="replace"), parse_constant=_nan_none)
                except (OSError, ValueError):
                    d = None
        if not isinstance(d, dict):
            dossier_of.append(_cut(rel, 300))
            continue
        d = _trim_dossier(d)
        used += _json_len(d)
        dossier_of.append(len(dossiers))
        dossiers.append(d)
    return dossiers, dossier_of


def _json_len(d: Any) -> int:
    """``len(json.dumps(d, default=str))`` without escaping every character from U+007F up: the unescaped
    text is shorter by 5 characters for each of those (``\\uXXXX``) and 6 more for each one beyond the
    BMP (a surrogate pair)."""
    s = json.dumps(d, default=str, ensure_ascii=False)
    non_ascii = len(s) - len(s.encode("ascii", "ignore")) + s.count("\x7f")
    if not non_ascii:
        return len(s)
    astral = len(s.encode("utf-16-le", "surrogatepass")) // 2 - len(s)
    return len(s) + 5 * non_ascii + 6 * astral


def _trim_dossier(d: dict[str, Any]) -> dict[str, Any]:
    """The parts of an account dossier the report shows, with lists and long texts capped."""
    def lst(x: Any, n: int) -> list[Any]:
        return x[:n] if isinstance(x, list) else []

    def short(o: Any, n: int = 300) -> Any:
        t = type(o)  # parsed JSON: exact types first (leaves of a dict inline), the general checks after
        if t is str:
            return o if len(o) <= n else o[:n] + "…"
        if t is int or t is float or t is bool or o is None:
            return o
        if t is dict:
            out = {}
            for k, v in itertools.islice(o.items(), 40):
                tv = type(v)
                if tv is str:
                    v = v if len(v) <= n else v[:n] + "…"
                elif not (tv is int or tv is float or tv is bool or v is None):
                    v = short(v, n)
                out[k[:80] if type(k) is str else str(k)[:80]] = v
            return out
        if isinstance(o, str):
            return _cut(o, n)
        if isinstance(o, dict):
            return {str(k)[:80]: short(v, n) for k, v in itertools.islice(o.items(), 40)}
        if isinstance(o, list):
            return [short(v, n) for v in o[:20]]
        return o

    partners = []
    for p in lst(d.get("partners"), 8):
        if not isinstance(p, dict):
            continue
        sigs = []
        for s in lst(p.get("signals"), 6):
            if isinstance(s, dict):
                s = {**{k: short(v) for k, v in s.items() if k != "evidence"}, "evidence": short(lst(s.get("evidence"), 3))}
            sigs.append(short(s))
        partners.append({**{k: short(v) for k, v in p.items() if k != "signals"}, "signals": sigs})
    posts = [short(x, 1000) for x in lst(d.get("sample_posts"), 5)]
    keep = {k: short(v, 1000 if k == "profile" else 300) for k, v in d.items()
            if k not in ("partners", "sample_posts")}
    return {**keep, "partners": partners, "sample_posts": posts}


def _clusters(result: Path, accounts: dict[str, Any], acc_index: dict[str, int],
              dossier_path: dict[tuple[str, str], str], *, max_nodes: int, max_edges: int,
              max_clusters: int) -> dict[str, Any]:
    t = _read(result / "clusters.parquet")
    if not t or not t.get("cluster_id"):
        return {"table": [], "cards": [], "n": 0}
    n = len(t["cluster_id"])
    keys = [k for k in t if k != "members"]
    rows = []
    for i in range(n):
        r = {k: t[k][i] for k in keys}
        r["n_members"] = len(t["members"][i] or []) if "members" in t else r.get("size")
        rows.append(r)
    # the largest operations first: most flagged members, then score, then size
    order = sorted(range(n), key=lambda i: (-(rows[i].get("n_flagged") or 0), -(rows[i].get("score") or 0.0),
                                            -(rows[i].get("size") or 0), str(rows[i]["cluster_id"])))
    table = [clean({k: rows[i].get(k) for k in ("cluster_id", "size", "verdict", "score", "n_flagged",
                                                "operator_offset", "first_at", "last_at")}
                   | {"top_signal": _top_signal(rows[i].get("signal_shares"))}, max_str=200) for i in order]
    card_ids = [rows[i]["cluster_id"] for i in order[:max_clusters]]
    graphs = _graphs(result, accounts, acc_index, card_ids, max_nodes=max_nodes, max_edges=max_edges)
    cards = []
    for i in order[:max_clusters]:
        cid = rows[i]["cluster_id"]
        rel = dossier_path.get(("cluster", str(cid)))
        p = _inside(result, rel) if rel else None
        d = _json_file(p) if p else None
        if isinstance(d, dict):
            d = {k: d.get(k) for k in ("reasons", "members", "signals", "forensics", "plots", "sample_posts")}
            d["members"] = (d.get("members") or [])[:100]
            d["sample_posts"] = (d.get("sample_posts") or [])[:12]
            d["plots"] = _plots(d.get("plots"))
        cards.append({"row": clean(rows[i], max_list=100, max_str=500), "dossier": clean(d, max_list=400),
                      "graph": graphs.get(cid)})
    return {"table": table, "cards": cards, "n": n}


def _num(x: Any) -> float:
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) else 0.0


def _plots(p: Any) -> dict[str, Any]:
    """The cluster dossier's plot data in one shape, whichever of the accepted layouts it came in.

    ``hour_weekday``: 7 × 24 counts (Monday first, UTC), from a matrix or from rows
    ``{weekday_utc, hour_utc, posts}``. ``creation``: ``{unit, bins: [[date, accounts, background]]}``
    from rows ``{day|week, accounts|group_accounts, background_accounts?}``. ``shifts``:
    ``{unit, series: [[24 values] per shift]}`` from rows ``{hour_utc, accounts|posts, shift?}``.
    """
    p = p if isinstance(p, dict) else {}
    out: dict[str, Any] = {}
    hw = p.get("hour_weekday")
    if isinstance(hw, list) and len(hw) == 7 and all(isinstance(r, list) for r in hw):
        out["hour_weekday"] = [[_num(v) for v in (r + [0] * 24)[:24]] for r in hw]
    elif isinstance(hw, list) and hw and all(isinstance(r, dict) for r in hw):
        m = [[0.0] * 24 for _ in range(7)]
        for r in hw:
            d, h = r.get("weekday_utc", r.get("weekday")), r.get("hour_utc", r.get("hour"))
            if isinstance(d, int) and isinstance(h, int) and 0 <= d < 7 and 0 <= h < 24:
                m[d][h] += _num(r.get("posts", r.get("n", r.get("count"))))
        out["hour_weekday"] = m
    cr = p.get("creation")
    if isinstance(cr, list) and cr and all(isinstance(r, dict) for r in cr):
        unit = "week" if any("week" in r for r in cr) else "day"
        bins = []
        for r in cr:
            day = r.get("day", r.get("week", r.get("date")))
            if day is None:
                continue
            bins.append([str(day)[:10], _num(r.get("accounts", r.get("group_accounts"))),
                         r.get("background_accounts")])
        out["creation"] = {"unit": unit, "bins": sorted(bins, key=lambda b: b[0])[-2000:]}
    sh = p.get("shifts")
    if isinstance(sh, list) and sh and all(isinstance(r, dict) for r in sh):
        unit = "accounts" if any("accounts" in r for r in sh) else "posts"
        series: dict[int, list[float]] = {}
        for r in sh:
            h = r.get("hour_utc")
            k = r.get("shift") if isinstance(r.get("shift"), int) else 0
            if isinstance(h, int) and 0 <= h < 24:
                series.setdefault(k, [0.0] * 24)[h] += _num(r.get(unit))
        out["shifts"] = {"unit": unit, "series": [series[k] for k in sorted(series)][:8]}
    return out


def _top_signal(shares: Any) -> str | None:
    best = None
    for s in shares or []:
        if isinstance(s, dict) and (best is None or (s.get("share") or 0) > (best.get("share") or 0)):
            best = s
    return best.get("signal") if best else None


def _graphs(result: Path, accounts: dict[str, Any], acc_index: dict[str, int], card_ids: list[Any], *,
            max_nodes: int, max_edges: int) -> dict[Any, dict[str, Any]]:
    """Per card cluster: the strongest ``max_nodes`` members, the heaviest edges among them, a layout."""
    fused = result / "fused.parquet"
    if not fused.exists() or not card_ids:
        return {}
    import igraph as ig

    ids = accounts["cols"]["id"]
    cl = accounts["cols"]["cluster"]
    wanted = set(card_ids)
    memb = pa.table({"account_id": pa.array(ids, pa.string()),
                     "cluster_id": pa.array([c if c in wanted else None for c in cl], pa.int64())})
    con = duckdb.connect()
    try:
        con.register("memb", memb)
        q = con.sql(
            "SELECT a.cluster_id, f.account_a, f.account_b, f.weight, f.signals "
            f"FROM read_parquet('{_sql_path(fused)}') f "
            "JOIN memb a ON f.account_a = a.account_id JOIN memb b ON f.account_b = b.account_id "
            "WHERE a.cluster_id IS NOT NULL AND a.cluster_id = b.cluster_id").to_arrow_table()
    finally:
        con.close()
    by: dict[Any, list[tuple[str, str, float, list[str]]]] = defaultdict(list)
    for c, a, b, w, s in zip(*(_pylist(q.column(k)) for k in ("cluster_id", "account_a", "account_b", "weight",
                                                                "signals")), strict=True):
        by[c].append((a, b, float(w or 0.0), s or []))
    try:
        return _cluster_graphs(ig, by, acc_index, max_nodes, max_edges)
    finally:
        ig.set_random_number_generator(random)


def _cluster_graphs(ig: Any, by: dict[Any, list[tuple[str, str, float, list[str]]]], acc_index: dict[str, int],
                    max_nodes: int, max_edges: int) -> dict[Any, dict[str, Any]]:
    out: dict[Any, dict[str, Any]] = {}
    for c, es in by.items():
        es.sort(key=lambda e: (e[0], e[1]))  # the engine's row order must not reach the sums or the picture
        # igraph's layouts draw from Python's global random generator: a private one seeded per cluster
        # gives the same picture for the same result (and leaves the caller's generator alone)
        ig.set_random_number_generator(random.Random(0))
        strength: dict[str, float] = defaultdict(float)
        for a, b, w, _ in es:
            strength[a] += w
            strength[b] += w
        keep = [a for a in sorted(strength, key=lambda x: (-strength[x], x)) if a in acc_index][:max_nodes]
        pos = {a: k for k, a in enumerate(keep)}
        sub = _backbone([e for e in es if e[0] in pos and e[1] in pos], max_edges)
        xy = _layout(ig, len(keep), [(pos[a], pos[b]) for a, b, _, _ in sub])
        mx = max(strength[keep[0]], 1e-9) if keep else 1.0
        nodes = [[acc_index[a], round(float(xy[k, 0]), 3), round(float(xy[k, 1]), 3),
                  round(strength[a] / mx, 3)] for k, a in enumerate(keep)]
        sig_codes: dict[str, int] = {}
        edges = []
        for a, b, w, s in sub:
            codes = []
            for x in s[:4]:
                codes.append(sig_codes.setdefault(clean(str(x), max_str=60), len(sig_codes)))
            edges.append([pos[a], pos[b], round(w, 3), codes])
        out[c] = {"nodes": nodes, "edges": edges, "signals": list(sig_codes),
                  "members_with_edges": len(strength), "edges_total": len(es)}
    return out


def _backbone(es: list[tuple[str, str, float, list[str]]], most: int) -> list[tuple[str, str, float, list[str]]]:
    """Every node's two strongest edges (no drawn node left hanging), then the heaviest of the rest up
    to ``most`` edges in all."""
    es = sorted(es, key=lambda e: (-e[2], e[0], e[1]))
    picked: set[int] = set()
    deg: dict[str, int] = defaultdict(int)
    for k, (a, b, _, _) in enumerate(es):
        if deg[a] < 2 or deg[b] < 2:
            picked.add(k)
            deg[a] += 1
            deg[b] += 1
    for k in range(len(es)):
        if len(picked) >= most:
            break
        picked.add(k)
    return [es[k] for k in sorted(picked)]  # the backbone (at most 2 per node) may exceed ``most``


def _layout(ig: Any, n: int, edges: list[tuple[int, int]]) -> np.ndarray:
    """Node positions: Fruchterman-Reingold then Kamada-Kawai per connected component, scaled by its
    5-95 % spread, components packed in rows (one layout of a disconnected graph squeezes the big
    component and scatters the small ones)."""
    xy = np.zeros((n, 2))
    if n <= 1:
        return xy
    g = ig.Graph(n=n, edges=edges)
    comps = sorted(g.connected_components(), key=len, reverse=True)
    boxes = []
    for comp in comps:
        if len(comp) == 1:
            boxes.append((comp, np.zeros((1, 2)), 1.0))
            continue
        sg = g.induced_subgraph(comp)
        seed = np.random.default_rng(0).random((len(comp), 2)).tolist()
        c = np.asarray(sg.layout_fruchterman_reingold(niter=300, seed=seed).coords, dtype=float)
        if len(comp) <= 400:  # Kamada-Kawai spreads dense groups evenly instead of balling them up
            c = np.asarray(sg.layout_kamada_kawai(seed=c.tolist()).coords, dtype=float)
        lo, hi = np.percentile(c, 5, axis=0), np.percentile(c, 95, axis=0)
        c = (c - lo)
        span = max(float((hi - lo).max()), 1e-9)
        size = math.sqrt(len(comp)) * 2.0  # area grows with the component's size
        boxes.append((comp, c / span * size, size))
    width = max(sum(b[2] + 1 for b in boxes) ** 0.5 * 3, boxes[0][2] + 1)
    x = y = row_h = 0.0
    for comp, c, size in boxes:
        if x > 0 and x + size > width:
            x, y, row_h = 0.0, y + row_h + 1.0, 0.0
        for k, v in enumerate(comp):
            xy[v] = c[k] + (x, y)
        x += size + 1.0
        row_h = max(row_h, size)
    xy[:, 1] = -xy[:, 1]  # first row on top
    return xy


def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")


def _campaigns(result: Path, max_campaigns: int) -> dict[str, Any]:
    t = _read(result / "campaigns.parquet")
    if not t or not t.get("object"):
        return {"items": [], "n": 0}
    n = len(t["object"])
    totals: dict[tuple[Any, Any], dict[str, Any]] = {}
    series: dict[tuple[Any, Any], list[int]] = defaultdict(list)
    get = lambda k, i: t[k][i] if k in t else None  # noqa: E731
    for i in range(n):
        key = (get("kind", i), get("object", i))
        if get("bin_start", i) is None:
            totals[key] = {k: get(k, i) for k in ("posts", "posts_flagged", "posts_clustered", "first_flagged_at",
                                                  "first_organic_at", "bin_s")}
        else:
            series[key].append(i)
    for key, idx in series.items():  # objects without a totals row: sum the bins
        if key not in totals:
            totals[key] = {k: sum(get(k, i) or 0 for i in idx) for k in ("posts", "posts_flagged", "posts_clustered")}
    by_flagged = sorted(totals, key=lambda k: (-(totals[k].get("posts_flagged") or 0), -(totals[k].get("posts") or 0),
                                               str(k)))
    by_posts = sorted(totals, key=lambda k: (-(totals[k].get("posts") or 0), str(k)))
    # two thirds: what the flagged accounts pushed most; the rest: the most used overall, for contrast
    chosen = [k for k in by_flagged[:max(1, (2 * max_campaigns) // 3)] if totals[k].get("posts_flagged")]
    for k in by_posts + by_flagged:
        if len(chosen) >= max_campaigns:
            break
        if k not in chosen:
            chosen.append(k)
    items = []
    for key in chosen:
        idx = sorted(series.get(key, []), key=lambda i: get("bin_start", i))
        ts = [int(get("bin_start", i).timestamp()) for i in idx]
        posts = [int(get("posts", i) or 0) for i in idx]
        fl = [int(get("posts_flagged", i) or 0) for i in idx]
        cl = [int(get("posts_clustered", i) or 0) for i in idx]
        bin_s = int(get("bin_s", idx[0]) or 86400) if idx else int(totals[key].get("bin_s") or 86400)
        ts, posts, fl, cl, bin_s = _downsample(ts, posts, fl, cl, bin_s, 400)
        items.append(clean({"kind": key[0], "object": key[1], "totals": totals[key], "bin_s": bin_s,
                            "t": ts, "posts": posts, "flagged": fl, "clustered": cl}, max_list=1000, max_str=300))
    return {"items": items, "n": len(totals)}


def _downsample(ts: list[int], posts: list[int], fl: list[int], cl: list[int], bin_s: int,
                most: int) -> tuple[list[int], list[int], list[int], list[int], int]:
    """Merge bins onto a regular grid of at most ``most`` points (empty bins become zeros)."""
    if not ts:
        return ts, posts, fl, cl, bin_s
    span = ts[-1] - ts[0] + bin_s
    step = bin_s
    while span / step > most:
        step *= 2
    t0 = ts[0]
    k = math.ceil(span / step)
    P, F, C = [0] * k, [0] * k, [0] * k
    for t, p, f, c in zip(ts, posts, fl, cl, strict=True):
        j = min(k - 1, (t - t0) // step)
        P[j] += p
        F[j] += f
        C[j] += c
    return [t0 + j * step for j in range(k)], P, F, C, step
