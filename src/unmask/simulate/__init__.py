"""``unmask simulate``: a seeded world with organic look-alikes and planted operations.

A detector that is never measured against known truth is an opinion. This package writes a world
whose truth is known -- posts and accounts in a real format, and ``truth/`` tables kept apart::

    DIR/dataset/            canonical unmask dataset (--format parquet)
    DIR/input/              the same world in a raw format (--format io-archive|twarc2|jetstream)
    DIR/truth/accounts.parquet        account_id, platform, label, group, operation, operator_id, ...
    DIR/truth/operations.json         every parameter of the world and of each operation
    DIR/truth/persona_posts.parquet   post_id, account_id, operator_id of every persona post

It depends only on :mod:`unmask.schema` and :mod:`unmask.dataset`, never on detection code.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from unmask.simulate.world import GROUP_NAMES, REGIONS, Params, World, params_for
from unmask.simulate.writers import FORMATS, make_writer

__all__ = ["FORMATS", "PROFILES", "Params", "SimulationResult", "World", "params_for", "simulate"]

PROFILES = ("small", "default", "stealth")


@dataclass
class SimulationResult:
    """What :func:`simulate` wrote, with counts and timing."""

    out_dir: Path
    format: str
    data_paths: list[Path]
    truth_dir: Path
    posts: int
    accounts: int
    planted: int
    seconds: float
    groups: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """A JSON-able summary."""
        return {"out_dir": str(self.out_dir), "format": self.format, "data": [str(p) for p in self.data_paths],
                "truth": str(self.truth_dir), "posts": self.posts, "accounts": self.accounts,
                "planted": self.planted, "seconds": round(self.seconds, 2), "groups": self.groups}


def simulate(out_dir: str | os.PathLike[str], *, seed: int = 0, scale: float = 1.0,
             profile: str = "default", format: str = "parquet", params: Params | None = None) -> SimulationResult:
    """Generate a world into ``out_dir`` (data and ``truth/``), streaming chunk by chunk.

    ``params`` (from :func:`params_for`, then adjusted) overrides ``seed``/``scale``/``profile``.
    """
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    t_start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    world = World(params or params_for(profile, seed=seed, scale=scale))
    writer = make_writer(format, world, out)
    n = 0
    for ch in world.chunks():
        writer.write(ch)
        n += len(ch)
    data = writer.close()
    truth = out / "truth"
    truth.mkdir(exist_ok=True)
    ix = np.nonzero(world.n_posts > 0)[0]
    gnames = np.array(GROUP_NAMES, dtype=object)[world.group[ix]]
    shift = np.where(world.operator[ix] >= 0, world.operator[ix] % 3, -1)
    ts = pa.timestamp("us", tz="UTC")
    tab = pa.table({
        "account_id": pa.array(writer.account_ids(ix), pa.string()),
        "platform": pa.array([writer.platform] * len(ix), pa.string()),
        "label": pa.array(world.label[ix].astype(np.int8), pa.int8()),
        "group": pa.array(gnames, pa.string()),
        "operation": pa.array([x or None for x in world.operation[ix].tolist()], pa.string()),
        "operator_id": pa.array([int(x) if x >= 0 else None for x in world.operator[ix].tolist()], pa.int32()),
        "shift": pa.array([int(x) if x >= 0 else None for x in shift.tolist()], pa.int8()),
        "handle": pa.array([world.handles[i] for i in ix.tolist()], pa.string()),
        "region": pa.array([REGIONS[r][0] for r in world.region[ix].tolist()], pa.string()),
        "utc_offset_h": pa.array(world.offset_h[ix], pa.float64()),
        "chronotype_h": pa.array(world.chrono_h[ix], pa.float64()),
        "created_at": pa.array(world.created_ms[ix] * 1000, ts),
        "posts": pa.array(world.n_posts[ix], pa.int64()),
    })
    pq.write_table(tab, truth / "accounts.parquet", compression="zstd")
    pc = world._persona_chunk
    pq.write_table(pa.table({
        "post_id": pa.array(writer.post_ids(pc.post_id, pc.acct), pa.string()),
        "account_id": pa.array(writer.account_ids(pc.acct), pa.string()),
        "operator_id": pa.array(pc.operator.astype(np.int32), pa.int32()),
    }), truth / "persona_posts.parquet", compression="zstd")
    ops = world.truth_params()
    ops["format"] = format
    ops["platform"] = writer.platform
    _ids_to_platform(ops, writer, world)
    (truth / "operations.json").write_text(json.dumps(ops, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    groups = {g: int((gnames == g).sum()) for g in GROUP_NAMES}
    return SimulationResult(out, format, data, truth, n, len(ix), int(world.label[ix].sum()),
                            time.perf_counter() - t_start, groups)


def _ids_to_platform(ops: dict, writer: object, world: World) -> None:
    """Replace account indices inside operations.json with platform account ids."""
    def acc(ixs: list[int]) -> list[str]:
        return [str(x) for x in writer.account_ids(np.asarray(ixs, np.int64)).tolist()]  # type: ignore[attr-defined]

    o = ops["operations"]
    o["activist"]["leaders"] = acc(o["activist"]["leaders"])
    o["activist"]["community_hashtags"] = [world.tags[t] for t in o["activist"]["community_hashtags"]]
    for e in o.get("news_swarm", {}).get("events", []):
        e["outlets"] = acc(e["outlets"])
    if "benign_automation" in o:
        o["benign_automation"]["accounts"] = acc(o["benign_automation"]["accounts"])
    if "persona" in o:
        o["persona"]["writers_by_shift"] = {acc([int(k)])[0]: v for k, v in o["persona"]["writers_by_shift"].items()}
    farm = o["shift_farm"]
    accs = world.range["shift_farm"]
    farm["operator_accounts"] = {str(op): acc(accs[world.operator[accs] == op].tolist())
                                 for op in range(world.p.farm_operators)}
    if writer.platform != "twitter":  # type: ignore[attr-defined]
        for t in farm.get("task_lists", []):
            t["target_post_ids"] = [str(x) for x in t["target_post_ids"]]
