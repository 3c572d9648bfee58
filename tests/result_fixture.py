"""A small RESULT directory written by hand to the contract of docs/results.md.

Its strings are hostile on purpose -- XML-breaking ``<>&"'``, control characters (NUL, BEL, ESC
sequences), a right-to-left override, emoji, a lone surrogate replaced by U+FFFD, rich markup and
CSV formulas -- so every export and the terminal view can be checked against them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["ACCOUNTS", "HANDLES", "IDS", "make_result"]

#: A lone surrogate as a broken decoder would leave it, replaced the way ingest does (U+FFFD).
BROKEN = "bad\udcffbyte".encode("utf-8", "surrogatepass").decode("utf-8", "replace")

T0 = datetime(2024, 3, 5, 10, 0, 0, tzinfo=UTC)

#: account_id, platform, handle, display_name, score, flagged, verdict, cluster_id, n_posts, location
ACCOUNTS: list[tuple] = [
    ("acc_alice_0001", "twitter", "AliceOps", "Alice <b>Ops</b>", 0.97, True, "coordinated_inauthentic", 0, 40,
     "Tehran"),
    ("acc_bobxx_0002", "twitter", "bob<script>&\"'x", "[bold red]Bob[/] =cmd|' /C calc'!A0", 0.93, True,
     "coordinated_inauthentic", 0, 35, "Tehran"),
    ("acc_carol_0003", "twitter", "carol\u202eevil", "carol\u202e\u2066rtl", 0.91, True,
     "coordinated_inauthentic", 0, 30, "=2+3"),
    ("acc_davex_0004", "twitter", "dave\x00\x07\x1b[31mred", "Dave\x1b]0;pwned\x07\x0b\x0c", 0.40, False,
     "coordinated_organic", 1, 12, None),
    ("acc_emoji_0005", "twitter", "emoji😀fan", "😀🇺🇸 fan", 0.35, False, "coordinated_organic", 1, 9, "Texas"),
    ("acc_surro_0006", "twitter", BROKEN, BROKEN, 0.30, False, "coordinated_organic", 1, 8, None),
    ("acc_frank_0007", "twitter", "Frank_Organic", "Frank", 0.02, False, "no_finding", None, 20, "Berlin"),
    ("acc_twin1_0008", "twitter", "TwinHandle", "twin one", 0.01, False, "no_finding", None, 3, None),
    ("acc_twin2_0009", "bluesky", "twinhandle", "twin two", 0.01, False, "no_finding", None, 2, None),
    ("acc_ghost_0010", "twitter", None, None, 0.0, False, "no_finding", None, 1, None),
    # an id that is XML-hostile and a path-traversal attempt where it becomes a file name
    ("acc_evil/../../<x>&\"'", "bluesky", "evil.bsky.social", "Evil", 0.2, False, "coordinated_organic", 1, 5, None),
]
IDS = [a[0] for a in ACCOUNTS]
HANDLES = [a[2] for a in ACCOUNTS if a[2]]
_BY_ID = {a[0]: a for a in ACCOUNTS}

#: (signal, a, b, n_shared, q) -- a < b
EDGES = [
    ("co_repost", "acc_alice_0001", "acc_bobxx_0002", 37, 1e-9),
    ("co_text_near", "acc_alice_0001", "acc_bobxx_0002", 12, 1e-6),
    ("co_repost", "acc_alice_0001", "acc_carol_0003", 20, 1e-7),
    ("co_repost", "acc_bobxx_0002", "acc_carol_0003", 18, 1e-5),
    ("co_hashtag_sequence", "acc_davex_0004", "acc_emoji_0005", 5, 1e-3),
    ("co_hashtag_sequence", "acc_emoji_0005", "acc_surro_0006", 4, 2e-3),
    ("co_link", "acc_evil/../../<x>&\"'", "acc_surro_0006", 3, 5e-3),
]


def _h(acc: str) -> str | None:
    return _BY_ID[acc][2]


def _evidence(a: str, b: str, n: int) -> list[dict]:
    out = []
    for i in range(min(n, 3)):
        at = T0 + timedelta(minutes=i)
        out.append({"object": f"https://x.com/{_h(a) or a}/status/{1000 + i}" if i == 0 else f"post_{i}",
                    "at_a": at, "at_b": at + timedelta(seconds=14)})
    return out


def _write(path: Path, rows: list[dict], schema: pa.Schema) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)


ACCOUNTS_SCHEMA = pa.schema([
    ("account_id", pa.string()), ("platform", pa.string()), ("handle", pa.string()),
    ("display_name", pa.string()), ("score", pa.float64()), ("flagged", pa.bool_()), ("verdict", pa.string()),
    ("cluster_id", pa.int64()), ("reasons", pa.list_(pa.string())), ("n_posts", pa.int64()),
    ("n_partners", pa.int64()), ("best_q", pa.float64()), ("signals", pa.list_(pa.string())),
    ("coordination", pa.float64()), ("inauthenticity", pa.float64()), ("automation", pa.float64()),
    ("bot_score", pa.float64()), ("operator_offset", pa.float64()), ("created_at", pa.timestamp("us", "UTC")),
    ("location", pa.string()),
])
EVIDENCE = pa.list_(pa.struct([("object", pa.string()), ("at_a", pa.timestamp("us", "UTC")),
                               ("at_b", pa.timestamp("us", "UTC"))]))
EDGES_SCHEMA = pa.schema([
    ("signal", pa.string()), ("account_a", pa.string()), ("account_b", pa.string()), ("weight", pa.int64()),
    ("n_shared", pa.int64()), ("n_objects", pa.int64()), ("median_dt_s", pa.float64()),
    ("first_at", pa.timestamp("us", "UTC")), ("last_at", pa.timestamp("us", "UTC")), ("p_value", pa.float64()),
    ("q_value", pa.float64()), ("symmetry", pa.float64()), ("expected", pa.float64()), ("evidence", EVIDENCE),
])
FUSED_SCHEMA = pa.schema([
    ("account_a", pa.string()), ("account_b", pa.string()), ("weight", pa.float64()),
    ("signals", pa.list_(pa.string())), ("n_shared", pa.int64()), ("best_q", pa.float64()),
])
CLUSTERS_SCHEMA = pa.schema([
    ("cluster_id", pa.int64()), ("size", pa.int64()), ("verdict", pa.string()), ("score", pa.float64()),
    ("n_flagged", pa.int64()), ("reasons", pa.list_(pa.string())),
    ("signal_shares", pa.list_(pa.struct([("signal", pa.string()), ("share", pa.float64())]))),
    ("density", pa.float64()), ("median_dt_s", pa.float64()), ("first_at", pa.timestamp("us", "UTC")),
    ("last_at", pa.timestamp("us", "UTC")), ("span_s", pa.float64()),
    ("top_objects", pa.list_(pa.struct([("object", pa.string()), ("n", pa.int64())]))),
    ("members", pa.list_(pa.string())), ("operator_offset", pa.float64()), ("offset_low", pa.float64()),
    ("offset_high", pa.float64()), ("human_rhythm", pa.bool_()), ("weekend", pa.string()),
    ("claimed_locations", pa.list_(pa.struct([("location", pa.string()), ("n", pa.int64())]))),
    ("shifts", pa.list_(pa.struct([("start_hour_utc", pa.int64()), ("end_hour_utc", pa.int64()),
                                   ("accounts", pa.int64())]))),
    ("burst_p", pa.float64()),
    ("bursts", pa.list_(pa.struct([("start", pa.timestamp("us", "UTC")), ("end", pa.timestamp("us", "UTC")),
                                   ("accounts", pa.int64())]))),
    ("automated_share", pa.float64()),
])


def make_result(root: str | Path) -> Path:
    """Write the hostile RESULT directory into ``root`` and return it."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    partners: dict[str, set[str]] = {}
    sigs: dict[str, set[str]] = {}
    for s, a, b, _, _ in EDGES:
        partners.setdefault(a, set()).add(b)
        partners.setdefault(b, set()).add(a)
        sigs.setdefault(a, set()).add(s)
        sigs.setdefault(b, set()).add(s)
    offsets = {0: 3.5, 1: None}
    accounts = []
    for acc, plat, handle, name, score, flagged, verdict, cid, n_posts, loc in ACCOUNTS:
        mates = sorted(partners.get(acc, ()))
        reasons = ([f"reposted 37 of the same posts within 60 s with @{_h(m) or m} (q < 1e-6)" for m in mates[:1]]
                   + (["activity fits UTC+3.5 office shifts; profile claims Tehran"] if cid == 0 else []))
        accounts.append({
            "account_id": acc, "platform": plat, "handle": handle, "display_name": name, "score": score,
            "flagged": flagged, "verdict": verdict, "cluster_id": cid, "reasons": reasons, "n_posts": n_posts,
            "n_partners": len(mates), "best_q": min((q for _, a, b, _, q in EDGES if acc in (a, b)), default=None),
            "signals": sorted(sigs.get(acc, ())), "coordination": score, "inauthenticity": score / 2,
            "automation": 0.1 if cid == 0 else None, "bot_score": 0.8 if flagged else 0.1,
            "operator_offset": offsets.get(cid) if cid is not None else None,
            "created_at": T0 - timedelta(days=30), "location": loc,
        })
    _write(root / "accounts.parquet", accounts, ACCOUNTS_SCHEMA)
    edges = [{"signal": s, "account_a": a, "account_b": b, "weight": n, "n_shared": n, "n_objects": n + 1,
              "median_dt_s": 14.0, "first_at": T0, "last_at": T0 + timedelta(hours=2), "p_value": q / 10,
              "q_value": q, "symmetry": 0.9, "expected": 0.01, "evidence": _evidence(a, b, n)}
             for s, a, b, n, q in EDGES]
    _write(root / "edges.parquet", edges, EDGES_SCHEMA)
    fused: dict[tuple[str, str], dict] = {}
    for s, a, b, n, q in EDGES:
        f = fused.setdefault((a, b), {"account_a": a, "account_b": b, "weight": 0.0, "signals": [],
                                      "n_shared": 0, "best_q": 1.0})
        f["weight"] += min(30.0, -__import__("math").log10(q))
        f["signals"].append(s)
        f["n_shared"] += n
        f["best_q"] = min(f["best_q"], q)
    _write(root / "fused.parquet", list(fused.values()), FUSED_SCHEMA)
    clusters = []
    for cid, verdict in ((0, "coordinated_inauthentic"), (1, "coordinated_organic")):
        members = [a[0] for a in ACCOUNTS if a[7] == cid]
        clusters.append({
            "cluster_id": cid, "size": len(members), "verdict": verdict, "score": 0.95 if cid == 0 else 0.3,
            "n_flagged": sum(_BY_ID[m][5] for m in members),
            "reasons": [f"{len(members)} accounts led by @{_h(members[0])} repost in lockstep"],
            "signal_shares": [{"signal": "co_repost", "share": 0.8}], "density": 1.0, "median_dt_s": 14.0,
            "first_at": T0, "last_at": T0 + timedelta(days=3), "span_s": 3 * 86400.0,
            "top_objects": [{"object": "#<script>alert(1)</script>", "n": 9}], "members": members,
            "operator_offset": offsets[cid], "offset_low": 3.0 if cid == 0 else None,
            "offset_high": 4.0 if cid == 0 else None, "human_rhythm": cid == 1, "weekend": "Fri-Sat" if cid == 0 else None,
            "claimed_locations": [{"location": "Tehran", "n": 2}],
            "shifts": [{"start_hour_utc": 5, "end_hour_utc": 13, "accounts": 3}] if cid == 0 else [],
            "burst_p": 1e-4 if cid == 0 else None,
            "bursts": [{"start": T0 - timedelta(days=31), "end": T0 - timedelta(days=29), "accounts": 3}]
            if cid == 0 else [],
            "automated_share": 0.0,
        })
    _write(root / "clusters.parquet", clusters, CLUSTERS_SCHEMA)
    _write(root / "campaigns.parquet", [
        {"kind": "hashtag", "object": "#<b>tag</b>", "bin_start": T0, "bin_s": 86400, "posts": 10,
         "posts_flagged": 7, "posts_clustered": 9, "first_flagged_at": None, "first_organic_at": None},
        {"kind": "hashtag", "object": "#<b>tag</b>", "bin_start": None, "bin_s": 86400, "posts": 10,
         "posts_flagged": 7, "posts_clustered": 9, "first_flagged_at": T0, "first_organic_at": T0 + timedelta(hours=5)},
    ], pa.schema([("kind", pa.string()), ("object", pa.string()), ("bin_start", pa.timestamp("us", "UTC")),
                  ("bin_s", pa.int64()), ("posts", pa.int64()), ("posts_flagged", pa.int64()),
                  ("posts_clustered", pa.int64()), ("first_flagged_at", pa.timestamp("us", "UTC")),
                  ("first_organic_at", pa.timestamp("us", "UTC"))]))
    # dossiers: every flagged or clustered account, every cluster
    index = []
    ev = root / "evidence"
    (ev / "accounts").mkdir(parents=True, exist_ok=True)
    (ev / "clusters").mkdir(parents=True, exist_ok=True)
    for row in accounts:
        if not (row["flagged"] or row["cluster_id"] is not None):
            continue
        acc = row["account_id"]
        doss = _account_dossier(row, edges)
        rel = "evidence/accounts/" + "".join(c if c.isalnum() or c == "_" else "_" for c in acc) + ".json"
        (root / rel).write_text(json.dumps(doss, indent=1, ensure_ascii=False), encoding="utf-8")
        index.append({"kind": "account", "id": acc, "path": rel})
    for c in clusters:
        doss = {"cluster_id": c["cluster_id"], "verdict": c["verdict"], "score": c["score"], "reasons": c["reasons"],
                "size": c["size"],
                "members": [{"account_id": m, "handle": _h(m), "score": _BY_ID[m][4], "verdict": _BY_ID[m][6]}
                            for m in c["members"]],
                "signals": {"co_repost": {"edges": 3, "median_q": 1e-7, "top_objects": ["post_1"]}},
                "forensics": {"timezone": {"offset": c["operator_offset"], "claimed": ["Tehran"]}},
                "plots": {"hour_weekday": [[0] * 24 for _ in range(7)], "creation": [{"day": "2024-02-04", "accounts": 3}],
                          "shifts": [{"hour_utc": 5, "accounts": 3}]},
                "sample_posts": [{"post_id": "9001", "account_id": c["members"][0], "created_at": T0.isoformat(),
                                  "kind": "post", "text": f"hello from @{_h(c['members'][0])}"}]}
        rel = f"evidence/clusters/{c['cluster_id']}.json"
        (root / rel).write_text(json.dumps(doss, indent=1, ensure_ascii=False), encoding="utf-8")
        index.append({"kind": "cluster", "id": str(c["cluster_id"]), "path": rel})
    _write(ev / "index.parquet", index, pa.schema([("kind", pa.string()), ("id", pa.string()), ("path", pa.string())]))
    # one cluster's forensics, written the way Finding.write does
    fx = root / "forensics" / "cluster_0"
    _write(fx / "timezone.parquet", [{"account_id": a, "offset": 3.5} for a in IDS[:3]],
           pa.schema([("account_id", pa.string()), ("offset", pa.float64())]))
    _write(fx / "timezone_hour_weekday.parquet", [{"weekday": 0, "hour": h, "n": h} for h in range(24)],
           pa.schema([("weekday", pa.int64()), ("hour", pa.int64()), ("n", pa.int64())]))
    (fx / "timezone.json").write_text(json.dumps({"offset": 3.5, "accounts": IDS[:3]}), encoding="utf-8")
    summary = {"tool": "unmask", "tool_version": "0.1.0", "dataset": "/data/x", "threshold": 0.8,
               "accounts": len(accounts), "flagged": sum(a["flagged"] for a in accounts), "clusters": 2,
               "top_accounts": IDS[:2], "timings_s": {"detect": 1.0}}
    (root / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    (root / "config.toml").write_text("threshold = 0.8\n", encoding="utf-8")
    return root


def _account_dossier(row: dict, edges: list[dict]) -> dict:
    acc = row["account_id"]
    partners: dict[str, dict] = {}
    for e in edges:
        if acc not in (e["account_a"], e["account_b"]):
            continue
        other = e["account_b"] if e["account_a"] == acc else e["account_a"]
        p = partners.setdefault(other, {"account_id": other, "handle": _h(other), "weight": 0.0, "signals": []})
        p["weight"] += e["n_shared"]
        p["signals"].append({
            "signal": e["signal"], "n_shared": e["n_shared"], "q_value": e["q_value"], "median_dt_s": e["median_dt_s"],
            "evidence": [{"object": x["object"], "at_a": x["at_a"].isoformat().replace("+00:00", "Z"),
                          "at_b": x["at_b"].isoformat().replace("+00:00", "Z"), "dt_s": 14.0} for x in e["evidence"]],
        })
    handle = row["handle"]
    return {
        "account_id": acc, "handle": handle, "platform": row["platform"], "score": row["score"],
        "flagged": row["flagged"], "verdict": row["verdict"], "cluster_id": row["cluster_id"], "reasons": row["reasons"],
        "features": {"n_posts": row["n_posts"], "automation": row["automation"], "bot_score": row["bot_score"]},
        "profile": {"display_name": row["display_name"], "description": f"I am {handle} \x1b[2J<img src=x onerror=alert(1)>",
                    "location": row["location"], "created_at": row["created_at"].isoformat(), "followers": 3,
                    "following": 10},
        "partners": sorted(partners.values(), key=lambda p: -p["weight"]),
        "sample_posts": [
            {"post_id": f"{acc}_p1", "created_at": T0.isoformat(), "kind": "repost",
             "text": f"RT @{(_h(sorted(partners)[0]) if partners else handle) or 'nobody'}: [red]buy[/red] now \u202edlrow"},
            {"post_id": f"{acc}_p2", "created_at": (T0 + timedelta(hours=1)).isoformat(), "kind": "post",
             "text": f"line one\nline two \x1b[31m @{handle} =HYPERLINK(\"http://evil\")"},
        ],
    }
