"""``detect``: from a dataset to verdicts with evidence — coordination, forensics, score, dossiers.

Stages (each timed in ``summary.json``):

1. **coordinate** — every signal, significance, fusion, Leiden clusters (:mod:`unmask.coordinate`);
2. **forensics** — automation and the profile bot score for every account; time zone, shifts and
   creation bursts for every cluster with at least ``forensics.min_cluster_size`` members;
3. **verdict** — per-account features, the monotone score, verdicts and reasons
   (:mod:`unmask.verdict`), cluster verdicts;
4. **write** — the result directory documented in ``docs/results.md``: tables, dossiers,
   campaigns, summary and the effective ``config.toml``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from unmask import __version__
from unmask.coordinate import coordinate
from unmask.dataset import Dataset
from unmask.engine import connect
from unmask.forensics import automation, bursts, persona, profile_score, shifts, timezone
from unmask.forensics._common import _jsonable, post_hours
from unmask.network.fusion import fuse
from unmask.schema import SCHEMA_VERSION
from unmask.signals import SIGNALS
from unmask.verdict.config import dump_config, load_config
from unmask.verdict.features import FEATURES, account_features
from unmask.verdict.model import load_model, score_accounts

__all__ = ["DetectResult", "detect"]


@dataclass
class DetectResult:
    """Where the result went and its headline counts."""

    out_dir: Path
    threshold: float
    accounts: int
    flagged: int
    clusters: int
    verdicts: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)


def _slug(s: str) -> str:
    """A file name for an id that may hold any character: readable prefix + hash (no collisions)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", s)[:48] + "-" + hashlib.sha1(s.encode()).hexdigest()[:10]


def _dataset_stamp(ds: Dataset) -> list[Any]:
    """What identifies the dataset's content: its inputs' hashes and counts, from the manifest."""
    manifest = json.loads((ds.path / "manifest.json").read_text(encoding="utf-8"))
    return [str(ds.path.resolve())] + [[i.get("sha256"), i.get("path"), i.get("ingested")]
                                       for i in manifest.get("inputs", [])]


def _p(path: Path) -> str:
    return "'" + path.as_posix().replace("'", "''") + "'"


def detect(
    dataset: str | os.PathLike[str] | Dataset,
    out_dir: str | os.PathLike[str],
    *,
    config: str | os.PathLike[str] | dict[str, Any] | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    progress: Callable[[str], None] | None = None,
    reuse: bool = True,
) -> DetectResult:
    """Run coordination, forensics and the verdict on ``dataset``; write the result to ``out_dir``.

    ``config``: a TOML file or dict overriding :data:`unmask.verdict.config.DEFAULTS`.
    ``progress``: called with the name of each stage as it starts. ``reuse``: keep the coordination
    stage's output already in ``out_dir`` when it was made from the same dataset (same inputs) with the
    same ``[coordinate]`` parameters — re-judging with another threshold or model then takes seconds.
    """
    cfg = load_config(config)
    ds = dataset if isinstance(dataset, Dataset) else Dataset.open(dataset)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    own = con is None
    # DuckDB's own limit (80 % of RAM) unless UNMASK_MEMORY_LIMIT says otherwise: sync_activity's
    # pair aggregation does not spill, and at 1.4 M simulated posts it ran out of memory at 4 GB
    con = con or connect()
    ds.register(con)
    say = progress or (lambda _s: None)
    timings: dict[str, float] = {}

    say("coordinate")
    t0 = time.perf_counter()
    cc = dict(cfg["coordinate"])
    cc["signals"] = cc["signals"] or None
    cc["time_window"] = cc["time_window"] or None
    cc["engine"] = cc["engine"] or None
    cc["spark_master"] = cc["spark_master"] or None
    # the stage is reused only for the same data, parameters, signal defaults and unmask version
    stamp = json.dumps({"dataset": _dataset_stamp(ds), "coordinate": cfg["coordinate"], "version": __version__,
                        "signal_defaults": {n: s.defaults for n, s in SIGNALS.items()}}, sort_keys=True, default=str)
    done = out / "coordinate.done.json"
    if not (reuse and done.exists() and done.read_text(encoding="utf-8") == stamp):
        done.unlink(missing_ok=True)
        coordinate(ds, out, con=con, **cc)
        done.write_text(stamp, encoding="utf-8")
    timings["coordinate"] = round(time.perf_counter() - t0, 3)
    con.execute(f"CREATE OR REPLACE TEMP TABLE d_edges AS SELECT * FROM read_parquet({_p(out / 'edges.parquet')})")
    clusters = pq.read_table(out / "clusters.parquet")
    con.register("d_clusters_arrow", clusters)
    con.execute("CREATE OR REPLACE TEMP TABLE d_members AS SELECT cluster_id, unnest(members) AS account_id "
                "FROM d_clusters_arrow")

    say("forensics")
    t0 = time.perf_counter()
    cfx, plots = _forensics(con, clusters, out, cfg["forensics"], timings)
    timings["forensics"] = round(time.perf_counter() - t0, 3)

    say("verdict")
    t0 = time.perf_counter()
    account_features(con)
    model = load_model()
    thr = score_accounts(con, threshold=cfg["verdict"]["threshold"], time_window=cc["time_window"], model=model,
                         signal_params=cc.get("signal_params"))
    timings["verdict.score"] = round(time.perf_counter() - t0, 3)
    _personas(con, out)
    timings["verdict"] = round(time.perf_counter() - t0, 3)

    say("write")
    t0 = time.perf_counter()
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[f"write.{name}"] = round(now - clock[0], 3)
        clock[0] = now

    _write_accounts(con, out)
    lap("accounts")
    n_clusters = _write_clusters(con, out)
    lap("clusters")
    fuse(con, "d_edges", "d_fused")
    con.execute(
        f"""COPY (SELECT f.account_a, f.account_b, f.weight, f.signals, f.n_shared, q.best_q
                  FROM d_fused f JOIN (SELECT account_a, account_b, min(q_value) AS best_q FROM d_edges
                                       GROUP BY 1, 2) q USING (account_a, account_b)
                  ORDER BY 1, 2) TO {_p(out / 'fused.parquet')} (FORMAT parquet)"""
    )
    lap("fused")
    _write_campaigns(con, out, int(cfg["campaigns"]["top"]))
    lap("campaigns")
    _write_dossiers(con, out, cfg["verdict"], plots, cfx)
    lap("dossiers")
    verdicts = dict(con.execute("SELECT verdict, count(*) FROM d_scored GROUP BY 1 ORDER BY 1").fetchall())
    n_acc, n_flag = con.execute("SELECT count(*), count(*) FILTER (WHERE flagged) FROM d_scored").fetchall()[0]
    timings["write"] = round(time.perf_counter() - t0, 3)
    dump_config(cfg, out / "config.toml")
    _write_summary(con, ds, out, cfg, model, thr, verdicts, n_acc, n_flag, n_clusters, timings)
    if own:
        con.close()
    return DetectResult(out, thr, int(n_acc), int(n_flag), n_clusters, verdicts, timings)


def _forensics(con: duckdb.DuckDBPyConnection, clusters: pa.Table, out: Path, fcfg: dict[str, Any],
               timings: dict[str, float]) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    """Account-wide automation + profile score; group analyses per large-enough cluster.

    Registers ``d_auto``, ``d_prof``, ``d_cfx``, ``d_cburst``, ``d_cpattern``, ``d_tzacc``; returns the per-cluster
    headline and the plot data for the dossiers. Seconds of each part go to ``timings`` (``forensics.*``).
    """
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[f"forensics.{name}"] = round(now - clock[0], 3)
        clock[0] = now

    coordinated = [r[0] for r in con.execute(
        "SELECT DISTINCT account_a FROM d_edges WHERE signal <> 'sync_activity' UNION "
        "SELECT DISTINCT account_b FROM d_edges WHERE signal <> 'sync_activity'").fetchall()]
    au = automation(con, None, coordinated=coordinated)
    con.register("d_auto_arrow", au.table)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE d_auto AS SELECT *, "
        "(greatest(0, 1 - least(coalesce(gap_cv, 1), 1)) + coalesce(hours_covered, 0) / 24.0 "
        " + coalesce(share_reactions_10s, 0)) / 3 AS automation FROM d_auto_arrow"
    )
    lap("automation")
    ps = profile_score(con, None)
    con.register("d_prof_arrow", ps.table)
    con.execute("CREATE OR REPLACE TEMP TABLE d_prof AS SELECT * FROM d_prof_arrow")
    au.write(out / "forensics" / "accounts")
    ps.write(out / "forensics" / "accounts")

    lap("profile_score")
    rows = clusters.select(["cluster_id", "size"]).to_pylist()
    rows.sort(key=lambda r: (-r["size"], r["cluster_id"]))
    chosen = [r["cluster_id"] for r in rows if r["size"] >= int(fcfg["min_cluster_size"])][: int(fcfg["max_clusters"])]
    members = {int(c): list(m) for c, m in zip(clusters.column("cluster_id").to_pylist(),
                                               clusters.column("members").to_pylist(), strict=True)}
    client_share = dict(con.execute(
        "SELECT cluster_id, max(n) * 1.0 / sum(n) FROM (SELECT m.cluster_id, p.client, count(*) AS n FROM posts p "
        "JOIN d_members m ON m.account_id = p.account_id WHERE p.client IS NOT NULL GROUP BY 1, 2) GROUP BY 1"
    ).fetchall())
    cfx: dict[int, dict[str, Any]] = {}
    plots: dict[int, dict[str, Any]] = {}
    burst_rows: list[dict[str, Any]] = []
    pattern_rows: list[dict[str, Any]] = []
    tz_rows: list[pa.Table] = []
    # the time-of-day analyses count posts per account and hour: one table of those for every cluster
    with post_hours(con):
        for cid in chosen:
            acc = members[int(cid)]
            tz = timezone(con, acc)
            off = tz.summary.get("offset")
            sh = shifts(con, acc, offset=int(off or 0))
            bu = bursts(con, acc)
            cdir = out / "forensics" / f"cluster_{cid}"
            for f in (tz, sh, bu):
                f.write(cdir)
            verdict = str(tz.summary.get("verdict", ""))
            rhythm = str(tz.summary.get("rhythm") or verdict)
            ci = tz.summary.get("offset_ci") or [None, None]
            burst_p = bu.summary.get("p_value")
            is_burst = bool(bu.summary.get("burst")) and burst_p is not None and burst_p <= 0.01
            handovers = sh.summary.get("handovers") or []
            claimed = (tz.table.group_by("claimed_place").aggregate([("account_id", "count")]).to_pylist()
                       if tz.table.num_rows and "claimed_place" in tz.table.column_names else [])
            claimed = sorted(({"location": r["claimed_place"], "n": int(r["account_id_count"])} for r in claimed
                              if r["claimed_place"]), key=lambda r: (-r["n"], r["location"]))[:5]
            cfx[int(cid)] = {
                "cluster_id": int(cid),
                "operator_offset": float(off) if off is not None and verdict != "too few posts" else None,
                "offset_low": float(ci[0]) if ci[0] is not None else None,
                "offset_high": float(ci[1]) if ci[1] is not None else None,
                "rhythm": rhythm,
                # a person's day (night trough) vs. round-the-clock activity (shifts, automation, many zones)
                "human_rhythm": True if rhythm == "human daily rhythm" else (
                    False if rhythm.startswith(("not human", "round-the-clock")) else None),
                "human": rhythm == "human daily rhythm",
                "not_human": rhythm.startswith("not human") or verdict.startswith("not human"),
                "weekend": str(tz.summary.get("weekend")) if tz.summary.get("weekend") is not None else None,
                "claimed_locations": claimed,
                "shifts": bool(handovers) and int(sh.summary.get("shifts") or 0) >= 2,
                "shift_table": [{"start_hour_utc": s.get("start_utc"), "end_hour_utc": s.get("end_utc"),
                                 "accounts": int(s.get("accounts") or 0)} for s in sh.summary.get("shift_table") or []],
                "burst_p": float(burst_p) if burst_p is not None else None,
                "bursts": [{"start": w.get("start"), "end": w.get("end"), "accounts": int(w.get("accounts") or 0)}
                           for w in bu.summary.get("burst_windows") or []] if is_burst else [],
                "client_share": client_share.get(int(cid)),
                "summaries": {"timezone": tz.summary, "shifts": sh.summary, "bursts": bu.summary},
            }
            plots[int(cid)] = {
                "hour_weekday": tz.plots.get("hour_weekday"),
                "creation": bu.plots.get("creation_histogram"),
                "shifts": sh.plots.get("hour_shift"),
            }
            if is_burst:
                burst_rows += [{"account_id": r["account_id"], "in_burst": True}
                               for r in bu.table.select(["account_id", "in_burst_window"]).to_pylist() if r["in_burst_window"]]
            # profile patterns count only where the cluster has them far more than the background
            pats = bu.summary.get("profile_patterns") or {}
            sig_pats = [k for k in ("handle_name_8_digits", "default_image")
                        if (pats.get(k) or {}).get("p") is not None and pats[k]["p"] <= 0.001
                        and pats[k]["group_share"] > pats[k]["background_share"]]
            cfx[int(cid)]["profile_patterns"] = sig_pats
            if sig_pats and bu.table.num_rows:
                for r in bu.table.select(["account_id", *sig_pats]).to_pylist():
                    pattern_rows.append({"account_id": r["account_id"],
                                         "handle_pattern": bool(r.get("handle_name_8_digits")),
                                         "default_image": bool(r.get("default_image"))})
            if tz.table.num_rows and "mismatch" in tz.table.column_names:
                tz_rows.append(tz.table.select(["account_id", "claimed_offset", "mismatch"]))
    cf_tab = pa.Table.from_pylist(
        [{k: (c["shift_table"] if c["shifts"] else []) if k == "shifts" else
          c["shifts"] if k == "shift_found" else c.get(k) for k in _CFX_SCHEMA.names} for c in cfx.values()],
        schema=_CFX_SCHEMA)
    con.register("d_cfx_arrow", cf_tab)
    con.execute("CREATE OR REPLACE TEMP TABLE d_cfx AS SELECT * FROM d_cfx_arrow")
    con.register("d_cburst_arrow", pa.table({
        "account_id": pa.array([r["account_id"] for r in burst_rows], pa.string()),
        "in_burst": pa.array([True] * len(burst_rows), pa.bool_())}))
    con.execute("CREATE OR REPLACE TEMP TABLE d_cburst AS SELECT DISTINCT account_id, true AS in_burst FROM d_cburst_arrow")
    con.register("d_cpattern_arrow", pa.table({
        "account_id": pa.array([r["account_id"] for r in pattern_rows], pa.string()),
        "handle_pattern": pa.array([r["handle_pattern"] for r in pattern_rows], pa.bool_()),
        "default_image": pa.array([r["default_image"] for r in pattern_rows], pa.bool_())}))
    con.execute("CREATE OR REPLACE TEMP TABLE d_cpattern AS SELECT account_id, bool_or(handle_pattern) AS handle_pattern, "
                "bool_or(default_image) AS default_image FROM d_cpattern_arrow GROUP BY 1")
    tz_all = pa.concat_tables(tz_rows) if tz_rows else pa.table({
        "account_id": pa.array([], pa.string()), "claimed_offset": pa.array([], pa.float64()),
        "mismatch": pa.array([], pa.bool_())})
    con.register("d_tzacc_arrow", tz_all)
    con.execute("CREATE OR REPLACE TEMP TABLE d_tzacc AS SELECT account_id, any_value(claimed_offset) AS claimed_offset, "
                "bool_or(coalesce(mismatch, false)) AS mismatch FROM d_tzacc_arrow GROUP BY 1")
    lap("clusters")
    return cfx, plots


def _personas(con: duckdb.DuckDBPyConnection, out: Path, *, min_posts: int = 300, limit: int = 10) -> None:
    """Accounts flagged because the flagged network amplifies them: test whether many hands write them."""
    rows = con.execute(
        f"SELECT account_id FROM d_scored WHERE flagged AND n_posts >= {int(min_posts)} AND "
        f"reasons[1] LIKE 'amplified by the flagged accounts%' ORDER BY n_posts DESC, account_id LIMIT {int(limit)}"
    ).fetchall()
    for (acc,) in rows:
        f = persona(con, acc)
        f.analysis = f"persona_{_slug(acc)}"
        f.write(out / "forensics" / "personas")
        sm = f.summary
        if sm.get("single_author_rejected"):
            text = (f"written by about {sm.get('authors')} hands: a single author is rejected "
                    f"(p = {float(sm.get('p_single_author', 1.0)):.2g})")
            con.execute("UPDATE d_scored SET reasons = reasons[1:1] || [?] || reasons[2:] WHERE account_id = ?", [text, acc])


#: Spare sample candidates per cluster, for posts without text (the samples are of posts with text).
_SPARE_SAMPLES = 8

#: One row per analysed cluster: the flags the features read and the headline clusters.parquet shows.
_CFX_SCHEMA = pa.schema([
    ("cluster_id", pa.int64()), ("operator_offset", pa.float64()), ("offset_low", pa.float64()),
    ("offset_high", pa.float64()), ("human_rhythm", pa.bool_()), ("rhythm", pa.string()),
    ("not_human", pa.bool_()), ("human", pa.bool_()), ("shift_found", pa.bool_()),
    ("client_share", pa.float64()), ("weekend", pa.string()),
    ("claimed_locations", pa.list_(pa.struct([("location", pa.string()), ("n", pa.int64())]))),
    ("shifts", pa.list_(pa.struct([("start_hour_utc", pa.int64()), ("end_hour_utc", pa.int64()),
                                   ("accounts", pa.int64())]))),
    ("burst_p", pa.float64()),
    ("bursts", pa.list_(pa.struct([("start", pa.string()), ("end", pa.string()), ("accounts", pa.int64())]))),
])

_ACCOUNT_COLUMNS = (
    "account_id, platform, handle, display_name, score, flagged, verdict, cluster_id, reasons, n_posts, n_partners, "
    "best_q_any AS best_q, signals, "
    "least(1.0, greatest(0.0, coord_strength * 0.5 + coord_partners * 0.5)) AS coordination, "
    "p AS inauthenticity, automation, bot_score, operator_offset, created_at, location"
)


def _write_accounts(con: duckdb.DuckDBPyConnection, out: Path) -> None:
    feats = ", ".join(f.name for f in FEATURES)
    sel = f"SELECT {_ACCOUNT_COLUMNS}, coordinated, {feats} FROM d_scored ORDER BY score DESC, account_id"
    con.execute(f"CREATE OR REPLACE TEMP TABLE d_accounts_out AS {sel}")
    con.execute(f"COPY d_accounts_out TO {_p(out / 'accounts.parquet')} (FORMAT parquet)")
    con.execute(
        f"COPY (SELECT * REPLACE (to_json(reasons) AS reasons, to_json(signals) AS signals) FROM d_accounts_out) "
        f"TO {_p(out / 'accounts.csv')} (HEADER, DELIMITER ',')"
    )


def _write_clusters(con: duckdb.DuckDBPyConnection, out: Path) -> int:
    """clusters.parquet/csv: the coordination table + verdict (majority of members) + forensic headline."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE d_clusters_out AS
        WITH v AS (
          SELECT cluster_id, round(favg(score), 9) AS score, count(*) FILTER (WHERE flagged) AS n_flagged,
                 count(*) FILTER (WHERE verdict = 'automated_coordinated') AS n_auto_coord,
                 count(*) FILTER (WHERE verdict = 'automated_benign') AS n_benign,
                 avg(CASE WHEN automated THEN 1.0 ELSE 0.0 END) AS automated_share,
                 count(*) AS n
          FROM d_scored WHERE cluster_id IS NOT NULL GROUP BY 1)
        SELECT c.cluster_id, c.size,
               CASE WHEN v.n_flagged * 2 >= v.n AND v.n_auto_coord * 2 >= v.n_flagged THEN 'automated_coordinated'
                    WHEN v.n_flagged * 2 >= v.n THEN 'coordinated_inauthentic'
                    WHEN v.n_benign * 2 >= v.n THEN 'automated_benign'
                    ELSE 'coordinated_organic' END AS verdict,
               v.score, v.n_flagged,
               c.signal_shares, c.density, c.median_dt_s, c.first_at, c.last_at, c.span_s, c.top_objects, c.members,
               x.operator_offset, x.offset_low, x.offset_high, x.human_rhythm, x.rhythm, x.weekend,
               coalesce(x.claimed_locations, []) AS claimed_locations, coalesce(x.shifts, []) AS shifts,
               x.burst_p, coalesce(x.bursts, []) AS bursts, v.automated_share
        FROM d_clusters_arrow c JOIN v ON v.cluster_id = c.cluster_id
        LEFT JOIN d_cfx x ON x.cluster_id = c.cluster_id
        """
    )
    # reasons: the forensic headline in words, strongest first
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE d_clusters_out AS
        SELECT *, list_filter([
            printf('%d of %d members flagged (mean score %.2f)', n_flagged, size, score),
            CASE WHEN burst_p IS NOT NULL AND burst_p <= 0.01 THEN
                 printf('accounts created in bursts (%d windows, scan p = %.3f)', len(bursts), burst_p) END,
            CASE WHEN len(shifts) >= 2 THEN printf('works in %d shifts with sharp hand-overs', len(shifts)) END,
            CASE WHEN human_rhythm = false THEN printf('no personal daily rhythm: %s', rhythm) END,
            CASE WHEN operator_offset IS NOT NULL THEN
                 printf('operators'' clock fits UTC%+g (90%% interval %+g to %+g)', operator_offset, offset_low,
                        offset_high) END,
            CASE WHEN len(claimed_locations) > 0 THEN printf('profiles most often claim %s', claimed_locations[1].location) END,
            CASE WHEN automated_share >= 0.5 THEN printf('%.0f%% of members are automated', 100 * automated_share) END,
            printf('signals: %s', array_to_string(list_transform(signal_shares,
                   lambda s: printf('%s %.0f%%', s.signal, 100 * s.share)), ', '))
          ], lambda x: x IS NOT NULL) AS reasons
        FROM d_clusters_out ORDER BY cluster_id
        """
    )
    con.execute(f"COPY d_clusters_out TO {_p(out / 'clusters.parquet')} (FORMAT parquet)")
    con.execute(
        "COPY (SELECT * REPLACE (to_json(signal_shares) AS signal_shares, to_json(top_objects) AS top_objects, "
        "to_json(members) AS members, to_json(claimed_locations) AS claimed_locations, to_json(shifts) AS shifts, "
        f"to_json(bursts) AS bursts, to_json(reasons) AS reasons) FROM d_clusters_out) TO {_p(out / 'clusters.csv')} "
        "(HEADER, DELIMITER ',')"
    )
    return int(con.execute("SELECT count(*) FROM d_clusters_out").fetchall()[0][0])


def _write_campaigns(con: duckdb.DuckDBPyConnection, out: Path, top: int) -> None:
    """campaigns.parquet: daily volume of the top hashtags and domains, with the flagged share."""
    span = con.execute("SELECT epoch(max(created_at)) - epoch(min(created_at)) FROM posts").fetchall()[0][0] or 0
    bin_s = 3600 if span <= 4 * 86400 else 86400
    # counts per (object, bin, flagged, clustered) first (the posts' object rows are read once, not kept);
    # the top objects, the bins and the totals are sums of those integer counts
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE d_camp_bins AS
        WITH o AS (
          SELECT 'hashtag' AS kind, unnest(hashtags) AS object, account_id, created_at FROM posts
          UNION ALL
          SELECT 'domain', unnest(domains), account_id, created_at FROM posts)
        SELECT o.kind, o.object, floor(epoch(o.created_at) / {bin_s}) * {bin_s} AS b,
               coalesce(s.flagged, false) AS flagged, s.cluster_id IS NOT NULL AS clustered, count(*) AS n,
               min(o.created_at) AS first_at
        FROM o LEFT JOIN d_scored s ON s.account_id = o.account_id WHERE o.object IS NOT NULL GROUP BY ALL
        """
    )
    con.execute(
        f"""
        COPY (
          WITH topo AS (
            SELECT kind, object FROM (
              SELECT kind, object, row_number() OVER (PARTITION BY kind ORDER BY sum(n) DESC, object) AS r
              FROM d_camp_bins GROUP BY 1, 2) WHERE r <= {int(top)}),
          x AS (SELECT * FROM d_camp_bins JOIN topo USING (kind, object))
          SELECT kind, object, to_timestamp(b) AS bin_start, {bin_s} AS bin_s,
                 CAST(sum(n) AS BIGINT) AS posts, CAST(coalesce(sum(n) FILTER (WHERE flagged), 0) AS BIGINT) AS posts_flagged,
                 CAST(coalesce(sum(n) FILTER (WHERE clustered), 0) AS BIGINT) AS posts_clustered,
                 CAST(NULL AS TIMESTAMPTZ) AS first_flagged_at, CAST(NULL AS TIMESTAMPTZ) AS first_organic_at
          FROM x GROUP BY 1, 2, 3
          UNION ALL
          SELECT kind, object, NULL, {bin_s}, CAST(sum(n) AS BIGINT),
                 CAST(coalesce(sum(n) FILTER (WHERE flagged), 0) AS BIGINT),
                 CAST(coalesce(sum(n) FILTER (WHERE clustered), 0) AS BIGINT), min(first_at) FILTER (WHERE flagged),
                 min(first_at) FILTER (WHERE NOT flagged)
          FROM x GROUP BY 1, 2
          ORDER BY kind, object, bin_start NULLS FIRST
        ) TO {_p(out / 'campaigns.parquet')} (FORMAT parquet)
        """
    )


def _table_rows(t: pa.Table | None) -> list[dict[str, Any]]:
    return [] if t is None else json.loads(json.dumps(t.to_pylist(), default=_jsonable))


def _write_dossiers(con: duckdb.DuckDBPyConnection, out: Path, vcfg: dict[str, Any],
                    plots: dict[int, dict[str, Any]], cfx: dict[int, dict[str, Any]]) -> None:
    """evidence/: a JSON dossier per flagged or clustered account and per cluster, and an index."""
    ev = out / "evidence"
    (ev / "accounts").mkdir(parents=True, exist_ok=True)
    (ev / "clusters").mkdir(parents=True, exist_ok=True)
    n_part, n_posts = int(vcfg["partners"]), int(vcfg["sample_posts"])
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE d_dossier_ids AS
        SELECT account_id FROM d_scored WHERE flagged OR cluster_id IS NOT NULL
        ORDER BY flagged DESC, score DESC, account_id LIMIT {int(vcfg['max_dossiers'])}
        """
    )
    # partners: rank (account, partner) pairs by weight first, then build the signal lists (with their
    # evidence) only for the kept pairs (an ordered list per pair over every edge cost seconds); lists are
    # put in order by sorting (q, signal) / rank keys, and the weight sums its signals in that order, so it
    # is the same to the last digit whatever the engine's row order
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE d_partner_top AS
        WITH e2 AS (
          SELECT account_a AS acc, account_b AS partner, signal, q_value FROM d_edges
          WHERE account_a IN (SELECT account_id FROM d_dossier_ids)
          UNION ALL
          SELECT account_b, account_a, signal, q_value FROM d_edges WHERE account_b IN (SELECT account_id FROM d_dossier_ids))
        SELECT acc, partner, weight, row_number() OVER (PARTITION BY acc ORDER BY weight DESC, partner) AS r
        FROM (SELECT acc, partner, list_sum(list_transform(list_sort(list(struct_pack(
                  q := q_value, s := signal, w := least(-log10(greatest(q_value, 1e-300)), 30)))), lambda x: x.w)) AS weight
              FROM e2 GROUP BY 1, 2)
        QUALIFY r <= {n_part}
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE d_partner_rows AS
        WITH e2 AS (
          SELECT t.acc, t.partner, e.signal, e.n_shared, e.q_value, e.median_dt_s, e.evidence
          FROM d_edges e JOIN d_partner_top t ON t.acc = e.account_a AND t.partner = e.account_b
          UNION ALL
          SELECT t.acc, t.partner, e.signal, e.n_shared, e.q_value, e.median_dt_s,
                 list_transform(e.evidence, lambda x: struct_pack(object := x.object, at_a := x.at_b, at_b := x.at_a))
          FROM d_edges e JOIN d_partner_top t ON t.acc = e.account_b AND t.partner = e.account_a),
        sig AS (
          SELECT acc, partner, list_transform(list_sort(list(struct_pack(q := q_value, s := signal, v := struct_pack(
                     signal := signal, n_shared := n_shared, q_value := q_value, median_dt_s := median_dt_s,
                     evidence := list_transform(evidence, lambda x: struct_pack(
                         object := x.object, at_a := x.at_a, at_b := x.at_b,
                         dt_s := abs(epoch(x.at_a) - epoch(x.at_b)))))))), lambda x: x.v) AS signals
          FROM e2 GROUP BY acc, partner)
        SELECT t.acc AS account_id,
               list_transform(list_sort(list(struct_pack(r := t.r, v := struct_pack(
                   account_id := t.partner, handle := s.handle, weight := t.weight, signals := g.signals)))),
                   lambda x: x.v) AS partners
        FROM d_partner_top t JOIN sig g USING (acc, partner) LEFT JOIN d_scored s ON s.account_id = t.partner
        GROUP BY t.acc
        """
    )
    # sample posts: pick the ids on the narrow columns first (the n-th newest time or n-th smallest hash as a
    # threshold, then an exact ranking of the few rows at or past it), then read the wide columns (text,
    # urls) in one scan for the account and the cluster dossiers together
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE d_post_keys AS
        SELECT account_id, post_id, created_at FROM posts
        WHERE account_id IN (SELECT account_id FROM d_dossier_ids UNION SELECT account_id FROM d_members)
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE d_sample_ids AS
        WITH c AS (SELECT p.account_id, p.post_id, p.created_at FROM d_post_keys p
                   JOIN d_dossier_ids d ON d.account_id = p.account_id),
        th AS (SELECT account_id, list_last(max(created_at, {n_posts})) AS t, count(created_at) AS k FROM c GROUP BY 1)
        SELECT c.account_id, c.post_id FROM c JOIN th ON th.account_id = c.account_id
        WHERE c.created_at >= th.t OR th.k < {n_posts}
        QUALIFY row_number() OVER (PARTITION BY c.account_id ORDER BY c.created_at DESC, c.post_id) <= {n_posts}
        """
    )
    # cluster samples: the first posts with text by hash; a few spare candidates cover posts without text
    n_cpost = max(n_posts * 2, 10)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE d_csample_ids AS
        WITH c AS (SELECT m.cluster_id, p.account_id, p.post_id, hash(p.post_id) AS h FROM d_post_keys p
                   JOIN d_members m ON m.account_id = p.account_id),
        th AS (SELECT cluster_id, count(*) AS n_cluster_posts, list_last(min(h, {n_cpost + _SPARE_SAMPLES})) AS t
               FROM c GROUP BY 1)
        SELECT c.cluster_id, c.account_id, c.post_id, th.n_cluster_posts,
               row_number() OVER (PARTITION BY c.cluster_id ORDER BY c.h, c.post_id) AS r
        FROM c JOIN th ON th.cluster_id = c.cluster_id AND c.h <= th.t
        QUALIFY r <= {n_cpost + _SPARE_SAMPLES}
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE d_sample_rows AS
        SELECT post_id, account_id, created_at, kind, text, reposted_post_id, urls, hashtags FROM posts
        WHERE post_id IN (SELECT post_id FROM d_sample_ids UNION ALL SELECT post_id FROM d_csample_ids)
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE d_sample_posts AS
        SELECT i.account_id, list(struct_pack(post_id := p.post_id, created_at := p.created_at, kind := p.kind,
                                              text := p.text, reposted_post_id := p.reposted_post_id, urls := p.urls,
                                              hashtags := p.hashtags) ORDER BY p.created_at, p.post_id) AS sample_posts
        FROM d_sample_ids i JOIN d_sample_rows p ON p.post_id = i.post_id AND p.account_id = i.account_id
        GROUP BY i.account_id
        """
    )
    feats = ", ".join(f"{f.name} := s.{f.name}" for f in FEATURES)
    # the JSON is built by the engine (to_json), Python only writes the files
    rel = con.sql(
        f"""
        SELECT d.account_id, to_json(struct_pack(account_id := s.account_id, handle := s.handle, platform := s.platform,
               score := s.score, flagged := s.flagged, verdict := s.verdict, cluster_id := s.cluster_id,
               reasons := s.reasons, features := features, profile := profile, partners := partners,
               sample_posts := sample_posts)) AS j
        FROM (SELECT s.account_id, s.handle, s.platform, s.score, s.flagged, s.verdict, s.cluster_id, s.reasons,
               struct_pack(n_posts := s.n_posts, n_partners := s.n_partners, best_q := s.best_q_any,
                           automation := s.automation, bot_score := s.bot_score, operator_offset := s.operator_offset,
                           repost_share := s.repost_share, coordinated := s.coordinated, {feats}) AS features,
               struct_pack(display_name := aa.a.display_name, description := aa.a.description, location := aa.a.location,
                           url := aa.a.url, created_at := aa.a.created_at, followers := aa.a.followers,
                           following := aa.a.following, posts_count := aa.a.posts_count, verified := aa.a.verified,
                           default_profile := aa.a.default_profile, default_image := aa.a.default_image) AS profile,
               coalesce(pr.partners, []) AS partners, coalesce(sp.sample_posts, []) AS sample_posts
        FROM d_scored s JOIN d_dossier_ids d ON d.account_id = s.account_id
        LEFT JOIN (SELECT account_id, arg_max(a, coalesce(last_seen, created_at)) AS a FROM accounts a
                   GROUP BY account_id) aa ON aa.account_id = s.account_id
        LEFT JOIN d_partner_rows pr ON pr.account_id = s.account_id
        LEFT JOIN d_sample_posts sp ON sp.account_id = s.account_id) d
        JOIN d_scored s ON s.account_id = d.account_id
        ORDER BY d.account_id
        """
    ).to_arrow_reader(1024)
    index: list[tuple[str, str, str]] = []
    for batch in rel:
        for acc, j in zip(batch.column(0).to_pylist(), batch.column(1).to_pylist(), strict=True):
            path = f"accounts/{_slug(acc)}.json"
            (ev / path).write_text(j, encoding="utf-8")
            index.append(("account", acc, path))
    # cluster dossiers
    cl = con.sql("SELECT * FROM d_clusters_out ORDER BY cluster_id").to_arrow_table().to_pylist()
    top_members = {}
    for cid, acc, handle, score, verdict, r in con.execute(
        "SELECT cluster_id, account_id, handle, score, verdict, r FROM (SELECT *, row_number() OVER "
        "(PARTITION BY cluster_id ORDER BY score DESC, account_id) AS r FROM d_scored WHERE cluster_id IS NOT NULL) "
        "WHERE r <= 200 ORDER BY cluster_id, r"
    ).fetchall():
        del r
        top_members.setdefault(cid, []).append({"account_id": acc, "handle": handle, "score": score, "verdict": verdict})
    sig = {}
    for cid, s, n, q in con.execute(
        "SELECT m.cluster_id, e.signal, count(*), median(e.q_value) FROM d_edges e "
        "JOIN d_members m ON m.account_id = e.account_a JOIN d_members m2 ON m2.account_id = e.account_b "
        "WHERE m.cluster_id = m2.cluster_id GROUP BY 1, 2 ORDER BY 1, 3 DESC"
    ).fetchall():
        sig.setdefault(cid, []).append({"signal": s, "edges": n, "median_q": q})
    samples = dict(con.execute(
        f"""SELECT cluster_id, list(struct_pack(account_id := account_id, post_id := post_id, created_at := created_at,
                                                kind := kind, text := text) ORDER BY created_at, post_id)
            FROM (SELECT i.cluster_id, p.*, row_number() OVER (PARTITION BY i.cluster_id ORDER BY i.r) AS k
                  FROM d_csample_ids i JOIN d_sample_rows p ON p.post_id = i.post_id AND p.account_id = i.account_id
                  WHERE p.text IS NOT NULL)
            WHERE k <= {n_cpost} GROUP BY 1"""
    ).fetchall())
    # a cluster whose spare candidates were not enough (many posts without text): the full query
    short = [cid for cid, n, k in con.execute(
        "SELECT i.cluster_id, any_value(i.n_cluster_posts), count(*) FILTER (WHERE p.text IS NOT NULL) "
        "FROM d_csample_ids i JOIN d_sample_rows p ON p.post_id = i.post_id AND p.account_id = i.account_id "
        "GROUP BY 1").fetchall() if k < n_cpost and n > n_cpost + _SPARE_SAMPLES]
    for cid in short:
        rows = con.execute(
            f"""SELECT list(struct_pack(account_id := account_id, post_id := post_id, created_at := created_at,
                                        kind := kind, text := text) ORDER BY created_at, post_id)
                FROM (SELECT p.*, row_number() OVER (ORDER BY hash(p.post_id), p.post_id) AS r
                      FROM posts p JOIN d_members m ON m.account_id = p.account_id
                      WHERE m.cluster_id = ? AND p.text IS NOT NULL)
                WHERE r <= {n_cpost}""", [cid]).fetchall()[0][0]
        samples.pop(cid, None)
        if rows is not None:
            samples[cid] = rows
    for c in cl:
        cid = int(c["cluster_id"])
        fx = cfx.get(cid, {})
        pl = plots.get(cid, {})
        d = {
            "cluster_id": cid, "verdict": c["verdict"], "score": c["score"], "reasons": c["reasons"],
            "size": c["size"], "n_flagged": c["n_flagged"], "members": top_members.get(cid, []),
            "signals": sig.get(cid, []), "top_objects": c["top_objects"],
            "forensics": fx.get("summaries", {}),
            "plots": {"hour_weekday": _table_rows(pl.get("hour_weekday")), "creation": _table_rows(pl.get("creation")),
                      "shifts": _table_rows(pl.get("shifts"))},
            "headline": {k: c[k] for k in ("operator_offset", "offset_low", "offset_high", "human_rhythm", "rhythm",
                                           "weekend",
                                           "claimed_locations", "shifts", "burst_p", "bursts", "automated_share",
                                           "density", "median_dt_s", "first_at", "last_at")},
            "sample_posts": samples.get(cid, []),
        }
        path = f"clusters/{cid}.json"
        (ev / path).write_text(json.dumps(d, default=_jsonable, ensure_ascii=False, indent=1), encoding="utf-8")
        index.append(("cluster", str(cid), path))
    pq.write_table(pa.table({"kind": [i[0] for i in index], "id": [i[1] for i in index], "path": [i[2] for i in index]}),
                   ev / "index.parquet")


def _write_summary(con: duckdb.DuckDBPyConnection, ds: Dataset, out: Path, cfg: dict[str, Any], model: dict[str, Any],
                   thr: float, verdicts: dict[str, int], n_acc: int, n_flag: int, n_clusters: int,
                   timings: dict[str, float]) -> None:
    first, last, n_posts, n_accounts = con.execute(
        "SELECT min(created_at), max(created_at), count(*), count(DISTINCT account_id) FROM posts").fetchall()[0]
    platforms = dict(con.execute("SELECT platform, count(*) FROM posts GROUP BY 1 ORDER BY 1").fetchall())
    cverd = dict(con.execute("SELECT verdict, count(*) FROM d_clusters_out GROUP BY 1 ORDER BY 1").fetchall())
    manifest = json.loads((ds.path / "manifest.json").read_text(encoding="utf-8"))
    coord = json.loads((out / "parameters.json").read_text(encoding="utf-8"))
    summary = {
        "tool": "unmask", "tool_version": __version__, "schema_version": SCHEMA_VERSION,
        "created_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "dataset": {"path": str(ds.path), "posts": n_posts, "accounts": n_accounts, "platforms": platforms,
                    "first_at": first, "last_at": last, "inputs": manifest.get("inputs", [])},
        "threshold": thr,
        "counts": {"accounts": n_acc, "flagged": n_flag, "verdicts": verdicts,
                   "clusters": n_clusters, "cluster_verdicts": cverd,
                   "edges": coord.get("n_edges"), "edges_per_signal": {k: v.get("kept_pairs") for k, v in
                                                                      coord.get("per_signal", {}).items()}},
        "model": {k: model[k] for k in ("intercept", "weights", "threshold") if k in model} | {
            "about": model.get("about"), "metrics": model.get("metrics")},
        "features": [{"name": f.name, "sign": f.sign, "description": f.description} for f in FEATURES],
        "parameters": cfg,
        "coordinate": {k: coord.get(k) for k in ("null_model", "fusion", "per_signal")},
        "timings_s": timings,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=_jsonable) + "\n", encoding="utf-8")
