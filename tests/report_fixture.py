"""A result directory per docs/results.md, made up for the report tests, with hostile strings.

``build_result(out)`` writes every file the report reads (summary.json, config.toml, accounts,
clusters, fused, campaigns, evidence dossiers). With ``hostile=True`` the handles, display names,
descriptions, locations, reasons, posts, hashtags and even some account ids carry XSS payloads that
set ``window.__pwned`` or call ``alert`` if they ever run, ``javascript:`` URLs, ``</script>``
breakouts, right-to-left overrides, replacement characters and (in the JSON dossiers) lone
surrogates. ``n_accounts`` scales it up to the 100 k-account size check.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["HOSTILE", "build_result"]

#: Payloads: any that runs sets window.__pwned, calls alert, or requests another host.
HOSTILE: list[str] = [
    "<script>window.__pwned='script'</script>",
    '"><img src=x onerror="window.__pwned=\'img\'">',
    "javascript:window.__pwned='js-url'",
    "</script><script>window.__pwned='breakout'</script>",
    "<svg/onload=alert('svg')>",
    "'\"><iframe src=\"javascript:alert('iframe')\"></iframe>",
    "<a href=\"javascript:window.__pwned='href'\">click me</a>",
    '<img src="http://127.0.0.1:9/leak.png">',
    "<style>body{display:none!important}</style>",
    "\u202eevil\u202c reversed \u202egnp.exe",
    "broken \ufffd\ufffd replacement",
    "line\u2028separator\u2029paragraph",
    "&lt;script&gt;alert('pre-escaped')&lt;/script&gt; &amp;",
    "<!-- <script> -->",
    "${window.__pwned='template'}{{constructor.constructor('window.__pwned=1')()}}",
    "data:text/html,<script>window.__pwned='data'</script>",
    "\x00nul\x07bell\x1b[31m",
]
#: Only in JSON dossiers (Parquet strings must be valid UTF-8): a lone surrogate.
LONE_SURROGATE = "lone \ud800 surrogate"

VERDICTS = ["coordinated_inauthentic", "coordinated_organic", "automated_benign", "automated_coordinated",
            "no_finding"]
SIGNALS = ["co_repost", "co_link", "co_text", "fast_repost", "co_hashtag_sequence", "sync_activity", "co_reply"]
T0 = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def build_result(out: str | Path, *, n_accounts: int = 240, n_clusters: int = 5, hostile: bool = True,
                 seed: int = 0, posts_per_account: int = 30, cluster_share: float = 0.3) -> Path:
    """Write a result directory to ``out`` and return its path."""
    out = Path(out)
    (out / "evidence" / "accounts").mkdir(parents=True, exist_ok=True)
    (out / "evidence" / "clusters").mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    h = HOSTILE if hostile else ["plain text"]

    def hx(i: int) -> str:
        return h[i % len(h)]

    # --- clusters: sizes shrink geometrically; verdicts cycle so every kind appears ---------------
    base = n_accounts * cluster_share / sum(1.6 ** -c for c in range(n_clusters))
    sizes = [max(4, int(base / (1.6 ** c))) for c in range(n_clusters)]
    while sum(sizes) > n_accounts * 0.6:
        sizes = [max(4, s // 2) for s in sizes]
    cl_verdicts = ["coordinated_inauthentic", "coordinated_organic", "automated_coordinated",
                   "coordinated_inauthentic", "automated_benign"]
    ids = [f"u{i:06d}" for i in range(n_accounts)]
    if hostile:  # some account ids themselves are hostile (they are the platform's strings)
        for k in range(min(3, n_accounts)):
            ids[k] = f"{hx(k + 1)}#{k}"
    members: dict[int, list[str]] = {}
    pos = 0
    cluster_of: dict[str, int] = {}
    for c, s in enumerate(sizes):
        members[c] = ids[pos:pos + s]
        for a in members[c]:
            cluster_of[a] = c
        pos += s

    # --- accounts --------------------------------------------------------------------------------
    rows: dict[str, list[Any]] = {k: [] for k in (
        "account_id", "platform", "handle", "display_name", "score", "flagged", "verdict", "cluster_id",
        "reasons", "n_posts", "n_partners", "best_q", "signals", "coordination", "inauthenticity",
        "automation", "bot_score", "operator_offset", "created_at", "location")}
    acc: dict[str, dict[str, Any]] = {}
    for i, a in enumerate(ids):
        c = cluster_of.get(a)
        cv = cl_verdicts[c % len(cl_verdicts)] if c is not None else None
        if cv in ("coordinated_inauthentic", "automated_coordinated"):
            score = 0.8 + 0.2 * rng.random()
            verdict = cv
        elif cv is not None:
            score = 0.2 + 0.4 * rng.random()
            verdict = cv
        else:
            score = 0.3 * rng.random() ** 3
            verdict = "automated_benign" if i % 97 == 5 else "no_finding"
        flagged = verdict in ("coordinated_inauthentic", "automated_coordinated")
        sig = sorted(rng.sample(SIGNALS, 2)) if c is not None else []
        reasons = []
        if c is not None:
            reasons = [f"reposted {rng.randint(5, 60)} of the same posts within 60 s with "
                       f"{rng.randint(2, 12)} cluster members (q < 1e-6)",
                       "activity fits UTC+3 office shifts; profile claims " + (hx(i) if i % 3 == 0 else "Tehran")]
        elif verdict == "automated_benign":
            reasons = ["posts every 15 min round the clock from one client (a scheduler)"]
        handle = (hx(i) if hostile and i % 4 == 0 else f"user_{i}")
        r = {
            "account_id": a, "platform": "twitter", "handle": handle,
            "display_name": hx(i + 3) if hostile and i % 5 == 0 else f"Name {i}",
            "score": round(score, 4), "flagged": flagged, "verdict": verdict, "cluster_id": c,
            "reasons": reasons, "n_posts": rng.randint(1, posts_per_account * 3),
            "n_partners": rng.randint(1, 40) if c is not None else 0,
            "best_q": 10 ** -rng.uniform(2, 12) if c is not None else None, "signals": sig,
            "coordination": round(score, 3), "inauthenticity": round(rng.random(), 3),
            "automation": round(rng.random(), 3) if i % 2 else None, "bot_score": round(rng.random(), 3),
            "operator_offset": 3.0 if c is not None else None,
            "created_at": T0 - dt.timedelta(days=rng.randint(1, 2000)),
            "location": hx(i + 7) if hostile and i % 6 == 0 else ("Tehran" if c is not None else None),
        }
        acc[a] = r
        for k in rows:
            rows[k].append(r[k])
    pq.write_table(pa.table({
        **{k: rows[k] for k in rows if k not in ("created_at", "cluster_id", "reasons", "signals")},
        "cluster_id": pa.array(rows["cluster_id"], pa.int64()),
        "reasons": pa.array(rows["reasons"], pa.list_(pa.string())),
        "signals": pa.array(rows["signals"], pa.list_(pa.string())),
        "created_at": pa.array(rows["created_at"], pa.timestamp("us", tz="UTC")),
    }), out / "accounts.parquet")

    # --- fused graph: dense-ish inside clusters, a few organic pairs outside -----------------------
    fa, fb, fw, fs, fn, fq = [], [], [], [], [], []

    def edge(a: str, b: str) -> None:
        a, b = min(a, b), max(a, b)
        fa.append(a)
        fb.append(b)
        fw.append(round(rng.uniform(1, 30), 2))
        fs.append(sorted(rng.sample(SIGNALS, rng.randint(1, 3))))
        fn.append(rng.randint(2, 80))
        fq.append(10 ** -rng.uniform(2, 12))

    for _c, ms in members.items():
        k = min(len(ms) - 1, 6)
        for j, a in enumerate(ms):
            for b in rng.sample(ms[:j] + ms[j + 1:], k):
                if a < b:
                    edge(a, b)
    free = ids[pos:]
    for _ in range(min(len(free) // 4, 2000)):
        a, b = rng.sample(free, 2)
        edge(a, b)
    pq.write_table(pa.table({
        "account_a": fa, "account_b": fb, "weight": fw,
        "signals": pa.array(fs, pa.list_(pa.string())), "n_shared": fn, "best_q": fq,
    }), out / "fused.parquet")

    # --- clusters.parquet and cluster dossiers ----------------------------------------------------
    crow: dict[str, list[Any]] = {k: [] for k in (
        "cluster_id", "size", "verdict", "score", "n_flagged", "reasons", "signal_shares", "density",
        "median_dt_s", "first_at", "last_at", "span_s", "top_objects", "members", "operator_offset",
        "offset_low", "offset_high", "human_rhythm", "weekend", "claimed_locations", "shifts", "burst_p",
        "bursts", "automated_share")}
    index = [("cluster", str(c), f"evidence/clusters/cluster_{c}.json") for c in members]
    for c, ms in members.items():
        cv = cl_verdicts[c % len(cl_verdicts)]
        first = T0 + dt.timedelta(days=rng.randint(0, 5))
        last = first + dt.timedelta(days=rng.randint(5, 25))
        shares = sorted(({"signal": s, "share": rng.random()} for s in rng.sample(SIGNALS, 3)),
                        key=lambda d: -d["share"])
        tot = sum(d["share"] for d in shares)
        for d in shares:
            d["share"] = round(d["share"] / tot, 3)
        offset = [3.0, -5.0, 8.0, 3.0, None][c % 5]
        reasons = [f"{len(ms)} accounts repost the same posts within a median 22 s (q < 1e-9)",
                   "posting follows office hours in UTC+3 (Mon–Fri, 09–18), two shifts",
                   f"{len(ms) // 2} accounts created within 3 days (burst p = 0.0001)"]
        if hostile:
            reasons.append(hx(c))
        flagged_n = sum(acc[a]["flagged"] for a in ms)
        row = {
            "cluster_id": c, "size": len(ms), "verdict": cv,
            "score": round(max(acc[a]["score"] for a in ms), 3), "n_flagged": flagged_n, "reasons": reasons,
            "signal_shares": shares, "density": round(rng.uniform(0.1, 0.9), 3), "median_dt_s": 22.0,
            "first_at": first, "last_at": last, "span_s": (last - first).total_seconds(),
            "top_objects": [{"object": hx(c + k) if hostile else f"#tag{k}", "n": 100 - k} for k in range(5)],
            "members": ms, "operator_offset": offset,
            "offset_low": None if offset is None else offset - 1, "offset_high": None if offset is None else offset + 1,
            "human_rhythm": None if offset is None else cv != "automated_coordinated",
            "weekend": "Fri-Sat" if c % 2 else "Sat-Sun",
            "claimed_locations": [{"location": hx(c + 2) if hostile else "Tehran", "n": 12}, {"location": "Moscow", "n": 3}],
            "shifts": [{"start_hour_utc": 6, "end_hour_utc": 14, "accounts": len(ms) // 2},
                       {"start_hour_utc": 14, "end_hour_utc": 22, "accounts": len(ms) - len(ms) // 2}],
            "burst_p": 1e-4, "bursts": [{"start": T0 - dt.timedelta(days=400), "end": T0 - dt.timedelta(days=397),
                                         "accounts": len(ms) // 2}],
            "automated_share": round(rng.random(), 3),
        }
        for k in crow:
            crow[k].append(row[k])
        # dossier with plots
        o = offset or 0
        hw = [[0] * 24 for _ in range(7)]
        for d in range(7):
            for hr in range(24):
                local = (hr + o) % 24
                work = 9 <= local < 18 and d < 5
                hw[d][hr] = int((40 if work else 2) * (0.5 + rng.random()) * (len(ms) / 10 + 1))
        creation = []
        for k in range(60):
            day = (T0 - dt.timedelta(days=420 - k * 3)).date().isoformat()
            creation.append({"day": day, "accounts": rng.randint(0, 3) + (len(ms) // 2 if k == 7 else 0)})
        shifts_plot = [{"hour_utc": hr, "accounts": int(len(ms) * max(0.0, math.sin((hr - 5) / 16 * math.pi)))}
                       for hr in range(24)]
        top = sorted(ms, key=lambda a: -acc[a]["score"])[:50]
        dossier = {
            "cluster_id": c, "verdict": cv, "score": row["score"], "reasons": reasons + ([LONE_SURROGATE] if hostile else []),
            "size": len(ms),
            "members": [{"account_id": a, "handle": acc[a]["handle"], "score": acc[a]["score"],
                         "verdict": acc[a]["verdict"]} for a in top],
            "signals": [{"signal": s["signal"], "edges": rng.randint(10, 500), "median_q": 1e-7,
                         "top_objects": [hx(c + 1) if hostile else "https://example.org/a",
                                         "https://news.example.com/story?id=1"]} for s in shares],
            "forensics": {
                "timezone": {"offset": offset, "interval": [o - 1, o + 1], "verdict": "human",
                             "claimed_offset_mode": 3.5, "location_mismatch": False, "note": hx(c + 4)},
                "shifts": {"n_shifts": 2, "handover_hour_utc": 14, "accounts_assigned": len(ms)},
                "bursts": {"p_value": 1e-4, "bursts": [{"start": "2023-01-20", "accounts": len(ms) // 2}]},
                "automation": {"automated_share": row["automated_share"], "clients": {hx(c + 5): 40, "Twitter Web App": 60}},
                "profile_score": {"median": 0.71},
                "shared_hands": {"pairs": 3, "example": hx(c + 6)},
                **({"__proto__": {"polluted": "yes"}} if hostile else {}),
            },
            "plots": {"hour_weekday": hw, "creation": creation, "shifts": shifts_plot},
            "sample_posts": [{"post_id": f"p{c}_{k}", "created_at": _iso(first + dt.timedelta(minutes=k * 7)),
                              "kind": "post", "account_id": ms[k % len(ms)], "handle": acc[ms[k % len(ms)]]["handle"],
                              "text": hx(c + k) + f" — sample post {k} https://evil.example/{k}"}
                             for k in range(6)],
        }
        (out / "evidence" / "clusters" / f"cluster_{c}.json").write_text(json.dumps(dossier), encoding="utf-8")
    pq.write_table(pa.table({
        "cluster_id": pa.array(crow["cluster_id"], pa.int64()), "size": crow["size"], "verdict": crow["verdict"],
        "score": crow["score"], "n_flagged": crow["n_flagged"],
        "reasons": pa.array(crow["reasons"], pa.list_(pa.string())),
        "signal_shares": crow["signal_shares"], "density": crow["density"], "median_dt_s": crow["median_dt_s"],
        "first_at": pa.array(crow["first_at"], pa.timestamp("us", tz="UTC")),
        "last_at": pa.array(crow["last_at"], pa.timestamp("us", tz="UTC")), "span_s": crow["span_s"],
        "top_objects": crow["top_objects"], "members": pa.array(crow["members"], pa.list_(pa.string())),
        "operator_offset": pa.array(crow["operator_offset"], pa.float64()),
        "offset_low": pa.array(crow["offset_low"], pa.float64()),
        "offset_high": pa.array(crow["offset_high"], pa.float64()),
        "human_rhythm": pa.array(crow["human_rhythm"], pa.bool_()), "weekend": crow["weekend"],
        "claimed_locations": crow["claimed_locations"], "shifts": crow["shifts"], "burst_p": crow["burst_p"],
        "bursts": pa.array(crow["bursts"], pa.list_(pa.struct([("start", pa.timestamp("us", tz="UTC")),
                                                               ("end", pa.timestamp("us", tz="UTC")),
                                                               ("accounts", pa.int64())]))),
        "automated_share": crow["automated_share"],
    }), out / "clusters.parquet")

    # --- account dossiers (flagged or clustered) ---------------------------------------------------
    nbrs: dict[str, list[int]] = {}
    for e, (a, b) in enumerate(zip(fa, fb, strict=True)):
        nbrs.setdefault(a, []).append(e)
        nbrs.setdefault(b, []).append(e)
    for n, (a, r) in enumerate(acc.items()):
        if not (r["flagged"] or r["cluster_id"] is not None):
            continue
        partners = []
        for e in nbrs.get(a, [])[:8]:
            p = fb[e] if fa[e] == a else fa[e]
            partners.append({"account_id": p, "handle": acc[p]["handle"], "weight": fw[e], "signals": [
                {"signal": s, "n_shared": fn[e], "q_value": fq[e], "median_dt_s": 22.0,
                 "evidence": [{"object": hx(n + k) if hostile and k == 0 else f"https://t.example/{k}",
                               "at_a": _iso(T0 + dt.timedelta(minutes=k)),
                               "at_b": _iso(T0 + dt.timedelta(minutes=k, seconds=14)), "dt_s": 14.0}
                              for k in range(3)]} for s in fs[e]]})
        d = {"account_id": a, "handle": r["handle"], "platform": "twitter", "score": r["score"],
             "flagged": r["flagged"], "verdict": r["verdict"], "cluster_id": r["cluster_id"],
             "reasons": r["reasons"] + ([LONE_SURROGATE] if hostile and n % 2 == 0 else []),
             "features": {"n_posts": r["n_posts"], "automation": r["automation"], "bot_score": r["bot_score"],
                          "coordination": r["coordination"], "inauthenticity": r["inauthenticity"]},
             "profile": {"display_name": r["display_name"], "description": hx(n + 2) if hostile else "hello",
                         "location": r["location"], "created_at": _iso(r["created_at"]),
                         "followers": rng.randint(0, 500), "following": rng.randint(0, 900),
                         "url": hx(2) if hostile else "https://example.org",
                         **({"__proto__": {"polluted": "yes"}, "constructor": hx(n)} if hostile else {})},
             "partners": partners,
             "sample_posts": [{"post_id": f"{a}_{k}", "created_at": _iso(T0 + dt.timedelta(hours=k)),
                               "kind": "repost" if k % 2 else "post",
                               "text": (hx(n + k) if hostile else "a post") + " https://x.example/p"}
                              for k in range(4)]}
        p = f"evidence/accounts/a{n:06d}.json"
        (out / p).write_text(json.dumps(d), encoding="utf-8")
        index.append(("account", a, p))
    pq.write_table(pa.table({"kind": [k for k, _, _ in index], "id": [i for _, i, _ in index],
                             "path": [p for _, _, p in index]}), out / "evidence" / "index.parquet")

    # --- campaigns ---------------------------------------------------------------------------------
    objs = [("hashtag", "#election"), ("hashtag", hx(0) if hostile else "#vote"), ("domain", "news.example.com"),
            ("hashtag", "#weather"), ("domain", hx(2) if hostile else "blog.example.org"), ("hashtag", "#fans")]
    cr: dict[str, list[Any]] = {k: [] for k in ("kind", "object", "bin_start", "bin_s", "posts", "posts_flagged",
                                                "posts_clustered", "first_flagged_at", "first_organic_at")}

    def crow_add(**kw: Any) -> None:
        for k in cr:
            cr[k].append(kw.get(k))

    scale = max(1, n_accounts // 100)
    for j, (kind, obj) in enumerate(objs):
        start_f = 3 + j * 2 if j != 3 else None
        tot = totf = totc = 0
        for dday in range(30):
            base = int(scale * (20 + 10 * math.sin(dday / 4 + j)) * (1 + rng.random()))
            fl = 0 if start_f is None or dday < start_f else int(base * (0.8 if j % 2 == 0 else 0.2) * rng.random())
            clu = fl + int(base * 0.1 * rng.random())
            tot += base + fl
            totf += fl
            totc += clu
            crow_add(kind=kind, object=obj, bin_start=T0 + dt.timedelta(days=dday), bin_s=86400,
                     posts=base + fl, posts_flagged=fl, posts_clustered=clu)
        crow_add(kind=kind, object=obj, bin_start=None, bin_s=86400, posts=tot, posts_flagged=totf, posts_clustered=totc,
                 first_flagged_at=None if start_f is None else T0 + dt.timedelta(days=start_f, hours=3),
                 first_organic_at=T0 + dt.timedelta(days=1 if j % 2 else 9))
    ts = pa.timestamp("us", tz="UTC")
    pq.write_table(pa.table({
        "kind": cr["kind"], "object": cr["object"], "bin_start": pa.array(cr["bin_start"], ts),
        "bin_s": cr["bin_s"], "posts": cr["posts"], "posts_flagged": cr["posts_flagged"],
        "posts_clustered": cr["posts_clustered"], "first_flagged_at": pa.array(cr["first_flagged_at"], ts),
        "first_organic_at": pa.array(cr["first_organic_at"], ts),
    }), out / "campaigns.parquet")

    # --- summary.json, config.toml -----------------------------------------------------------------
    n_flagged = sum(r["flagged"] for r in acc.values())
    summary = {
        "tool": "unmask", "version": "0.1.0", "schema_version": 1, "created_at": "2026-11-23T14:00:00Z",
        "dataset": {"path": hx(5) if hostile else "/data/world", "posts": n_accounts * posts_per_account,
                    "accounts": n_accounts, "platforms": {"twitter": n_accounts},
                    "first_post_at": "2024-03-01T00:00:00Z", "last_post_at": "2024-03-30T23:59:00Z"},
        "threshold": 0.8,
        "found": {"flagged": n_flagged, "clusters": len(members),
                  "verdicts": {v: sum(r["verdict"] == v for r in acc.values()) for v in VERDICTS}},
        "parameters": {"window_s": 60, "fdr": 0.01, "min_cluster_size": 4, "note": hx(9) if hostile else "-"},
        "inputs": [{"path": hx(6) if hostile else "tweets.jsonl", "sha256": "ab" * 32, "format": "twarc2",
                    "records": n_accounts * posts_per_account, "bytes": 123456}],
        "versions": {"unmask": "0.1.0", "duckdb": "2.0.0", "python": "3.11.2"},
        "timings": {"signals_s": 3.2, "clusters_s": 0.4, "forensics_s": 5.1},
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    (out / "config.toml").write_text(
        "# effective configuration\n[signals]\nwindow_s = 60\n[significance]\nfdr = 0.01\n"
        f"[score]\nthreshold = 0.8\nlabel = {json.dumps(hx(3))}\n", encoding="utf-8")
    return out
