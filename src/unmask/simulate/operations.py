"""Generators of each population's posts: sources, regular humans, look-alikes and operations.

Each function takes the :class:`~unmask.simulate.world.World` (which holds the seeded generator
and the account attributes) and returns or yields :class:`~unmask.simulate.world.Chunk` objects.
Sources of every parameter are in ``docs/simulation.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from unmask.simulate.world import (
    DAY,
    HOUR,
    MIN,
    POST,
    QUOTE,
    REGIONS,
    REPLY,
    REPOST,
    Chunk,
    _iso,
    _lognormal_delay_ms,
    _ms,
    _weekday,
    concat,
)

if TYPE_CHECKING:
    from unmask.simulate.world import Catalogue, World

EMOJI = ["", "", "🔥", "👇", "‼️", "🇺🇸", "💯", "😡", "🙏", "👉"]
FILLERS = ["honestly", "folks", "wake up", "think about it", "mark my words", "just saying",
           "let that sink in", "no joke", "read this", "end of story"]
TEMPLATE_WORDS = {
    "adj": ["corrupt", "weak", "failed", "dangerous", "shameful", "broken", "rigged", "fake", "lying", "reckless"],
    "noun": ["government", "media", "elites", "officials", "establishment", "politicians", "regime", "system"],
    "verb": ["lies", "betrays us", "hides the truth", "steals from you", "ignores the people", "covers it up"],
    "call": ["Share this", "Spread the word", "Do not stay silent", "Retweet if you agree", "Wake up people"],
}
TEMPLATES = ["The {adj} {noun} {verb} again. {call}!", "{call}: the {noun} {verb} and nobody cares.",
             "Why does the {adj} {noun} keep saying this? It {verb}. {call}.",
             "Every day the {noun} {verb}. Enough of this {adj} nonsense. {call}",
             "They told you the {noun} was honest. The {adj} truth: it {verb}. {call}!"]


def _fill(rng: np.random.Generator, n: int, template: int | np.ndarray, edits: int) -> list[str]:
    """Templated texts: slots filled at random, then ``edits`` random word substitutions/drops."""
    tpl = np.broadcast_to(np.asarray(template), (n,))
    keys = list(TEMPLATE_WORDS)
    picks = {k: rng.integers(0, len(TEMPLATE_WORDS[k]), n) for k in keys}
    out = []
    for i in range(n):
        s = TEMPLATES[int(tpl[i]) % len(TEMPLATES)].format(**{k: TEMPLATE_WORDS[k][picks[k][i]] for k in keys})
        if edits:
            w = s.split()
            for _ in range(edits):
                j = int(rng.integers(0, len(w)))
                r = rng.random()
                if r < 0.4 and len(w) > 4:
                    del w[j]
                elif r < 0.8:
                    w[j] = FILLERS[int(rng.integers(0, len(FILLERS)))]
                else:
                    w.insert(j, EMOJI[int(rng.integers(2, len(EMOJI)))])
            s = " ".join(w)
        out.append(s)
    return out


def _tag_rows(tag_ids: list[int] | np.ndarray, n: int, k: int = 4) -> np.ndarray:
    out = np.full((n, k), -1, np.int32)
    t = np.asarray(tag_ids, np.int32)[:k]
    out[:, : len(t)] = t
    return out


def sources(w: World) -> Chunk:
    """Original posts of influencers, news outlets and activist leaders (the repostable pool)."""
    acc = np.concatenate([w.range["influencer"], w.range["news_outlet"],
                          np.asarray(w.ops["activist"]["leaders"], np.int64)])
    n = w.rng.poisson(w.rate[acc] * w.p.days)
    a = np.repeat(acc, n)
    t = w.human_times(a)
    outlet = np.isin(a, w.range["news_outlet"])
    ch = w.new_chunk(a, t, mean_words=20.0, url_share=0.25)
    ch.url = np.where(outlet, (w.rng.integers(2, 12, len(a)) << 32) + w.rng.integers(0, 2**31, len(a)), ch.url)
    leaders = np.isin(a, w.ops["activist"]["leaders"])
    ct = w.ops["activist"].setdefault("community_hashtags",
                                      [int(x) for x in w.rng.choice(len(w.tags), 3, replace=False)])
    ch.tags[leaders, 0] = w.rng.choice(ct, int(leaders.sum()))
    return ch


def breaking_news(w: World) -> Chunk:
    """Breaking-news posts by outlets: a flash and two updates per event (swarm targets)."""
    rng, p = w.rng, w.p
    parts = []
    events = []
    for e in range(p.swarm_events):
        t = w.t0 + int(rng.uniform(0.5, p.days - 1.5) * DAY)
        outlets = rng.choice(w.range["news_outlet"], 3, replace=False)
        tag = int(w.trend_tag[e % len(w.trend_tag)])
        times = np.array([t, t + int(rng.uniform(10, 40) * MIN), t + int(rng.uniform(40, 120) * MIN)])
        times = times[: p.swarm_posts_per_event]
        a = outlets[: len(times)]
        ch = w.new_chunk(a, times, tags=_tag_rows([tag], len(times)), mean_words=12.0, url_share=1.0)
        ch.text = [f"BREAKING: {x}" for x in ch.text]
        ch.operator = (e * 10 + np.arange(len(times))).astype(np.int32)
        parts.append(ch)
        events.append({"event": e, "time": _iso(t), "outlets": [int(x) for x in a], "hashtag": w.tags[tag]})
    w.ops["news_swarm"] = {"events": events, "pool_size": p.swarm_pool,
                           "participation": p.swarm_participation,
                           "delay_median_min": p.swarm_delay_median_min}
    ch = concat(parts)
    w._news_chunk = ch
    return ch


def _styled(rng: np.random.Generator, base: list[str], styles: list[dict], op: np.ndarray) -> list[str]:
    out = []
    for s, o in zip(base, op.tolist(), strict=True):
        st = styles[o]
        x = s.lower() if st["case"] == "lower" else s.upper() if st["case"] == "upper" else s.capitalize()
        if st["filler"]:
            x = f"{st['filler']}, {x}" if st["filler_pos"] == "start" else f"{x} ... {st['filler']}"
        x = x + st["punct"]
        if st["emoji"]:
            x = f"{x} {st['emoji']}"
        out.append(x)
    return out


def personas(w: World) -> Chunk:
    """High-profile persona accounts written around the clock by the farm's operators on duty."""
    rng, p = w.rng, w.p
    farm = w.ops["shift_farm"]
    n_ops = p.farm_operators
    styles = []
    for _ in range(n_ops):
        styles.append({
            "case": ["normal", "lower", "normal", "upper"][int(rng.integers(0, 4))],
            "punct": ["!", "!!", ".", "...", "!!!", "?!"][int(rng.integers(0, 6))],
            "emoji": EMOJI[int(rng.integers(0, len(EMOJI)))],
            "filler": FILLERS[int(rng.integers(0, len(FILLERS)))] if rng.random() < 0.7 else "",
            "filler_pos": "start" if rng.random() < 0.5 else "end",
        })
    farm["operator_styles"] = styles
    shift_of = np.arange(n_ops) % 3
    writers = {}
    parts = []
    off = farm["utc_offset_h"]
    hol = {(_ms(h) - w.t0) // DAY for h in farm["holiday_closures"]}
    for _k, acc in enumerate(w.range["persona"].tolist()):
        wr = [rng.choice(np.nonzero(shift_of == s)[0], min(p.persona_writers_per_shift, int((shift_of == s).sum())),
                         replace=False) for s in range(3)]
        writers[str(acc)] = [[int(x) for x in ws] for ws in wr]
        n = rng.poisson(p.persona_posts_per_hour * 24 * p.days)
        t = np.sort(w.t0 + (rng.random(n) * p.days * DAY).astype(np.int64))
        local_h = ((t - w.t0) / HOUR + off) % 24
        local_day = ((t - w.t0) + int(off * HOUR)) // DAY
        wd = (local_day + _weekday(w.t0)) % 7
        keep = ~np.isin(local_day, list(hol)) & ~(np.isin(wd, farm["weekend_weekdays"]) & (rng.random(n) < 0.4))
        t, local_h = t[keep], local_h[keep]
        shift = (((local_h - 7) % 24) // 8).astype(int)
        op = np.empty(len(t), np.int32)
        for s in range(3):
            m = shift == s
            op[m] = rng.choice(wr[s], int(m.sum()))
        a = np.full(len(t), acc, np.int64)
        ch = w.new_chunk(a, t, mean_words=11.0, tag_mean=0.8, url_share=0.2)
        ch.text = _styled(rng, ch.text, styles, op)
        ch.operator = op
        parts.append(ch)
    w.ops["persona"] = {"writers_by_shift": writers, "posts_per_hour": p.persona_posts_per_hour}
    ch = concat(parts)
    w._persona_chunk = ch
    return ch


def regular(w: World, acc: np.ndarray, cat: Catalogue) -> Chunk:
    """Everyday activity of human accounts: rhythm, heavy-tailed volume, engagement with others."""
    rng, p = w.rng, w.p
    n = rng.poisson(w.rate[acc] * p.days)
    a = np.repeat(acc, n)
    t = w.human_times(a)
    ch = w.new_chunk(a, t)
    ks = np.array(p.kind_shares)
    pr = np.clip(ks[1] + w.kind_bias[a], 0.02, 0.95)
    rest = (1 - pr) / (ks[0] + ks[2] + ks[3])
    u = rng.random(len(a))
    kinds = np.where(u < pr, REPOST, np.where(u < pr + rest * ks[2], REPLY,
                                               np.where(u < pr + rest * (ks[2] + ks[3]), QUOTE, POST)))
    eng = kinds > 0
    tg = np.full(len(a), -1, np.int64)
    tg[eng] = w._targets(cat, t[eng])
    kinds = np.where(tg < 0, POST, kinds).astype(np.int8)
    w.engagement(ch, cat, kinds, tg)
    return ch


def swarms(w: World, cat: Catalogue) -> Iterator[Chunk]:
    """Breaking-news swarms: thousands of organic accounts repost the same posts within hours."""
    rng, p = w.rng, w.p
    nc = w._news_chunk
    pool = w.range["news_swarm"]
    parts = []
    for e in range(p.swarm_events):
        part = pool[rng.random(len(pool)) < p.swarm_participation]
        for j, prob in enumerate((0.95, 0.6, 0.4)[: p.swarm_posts_per_event]):
            row = int(np.nonzero(nc.operator == e * 10 + j)[0][0])
            ci = cat.by_id[int(nc.post_id[row])]
            a = part[rng.random(len(part)) < prob]
            t = nc.t_ms[row] + _lognormal_delay_ms(rng, len(a), p.swarm_delay_median_min, 1.3) + rng.integers(1000, 60_000, len(a))
            ch = w.new_chunk(a, t, tag_mean=0.2, url_share=0.0)
            u = rng.random(len(a))
            kinds = np.where(u < 0.88, REPOST, np.where(u < 0.96, QUOTE, REPLY)).astype(np.int8)
            w.engagement(ch, cat, kinds, np.full(len(a), ci, np.int64))
            parts.append(ch)
    yield concat(parts)


def activists(w: World, cat: Catalogue) -> Iterator[Chunk]:
    """An activist community: fast reposts of leaders, daily shared hashtags, live events together."""
    rng, p = w.rng, w.p
    leaders = np.asarray(w.ops["activist"]["leaders"], np.int64)
    members = w.range["activist"][len(leaders):]
    ct = w.ops["activist"]["community_hashtags"]
    # live events: leaders post live, members post and repost during a two-hour window
    ev = []
    lead_parts, mem_parts = [], []
    for _e in range(p.activist_events):
        start = w.t0 + int(rng.uniform(0.5, p.days - 0.5) * DAY)
        tag = int(rng.integers(0, len(w.tags)))
        ev.append({"start": _iso(start), "hours": 2, "hashtag": w.tags[tag]})
        lt = start + np.sort(rng.integers(0, 2 * HOUR, 6 * len(leaders)))
        la = rng.choice(leaders, len(lt))
        lead_parts.append(w.new_chunk(la, lt, tags=_tag_rows([tag, ct[0]], len(lt)), url_share=0.1))
        go = members[rng.random(len(members)) < 0.6]
        k = rng.poisson(2, len(go)) + 1
        ma = np.repeat(go, k)
        mt = start + rng.integers(0, 2 * HOUR, len(ma))
        order = rng.permutation(3)[:2]
        mem_parts.append(w.new_chunk(ma, mt, tags=_tag_rows([tag, ct[order[0]]], len(ma)), url_share=0.05))
    w.ops["activist"]["events"] = ev
    live = concat(lead_parts)
    yield live  # ids assigned: members can now repost the live posts
    # daily community hashtags
    d = np.arange(p.days)
    use = rng.random((len(members), p.days)) < 0.4
    mi, di = np.nonzero(use)
    a = members[mi]
    t = w.human_times(a)
    t = w.t0 + di * DAY + (t - w.t0) % DAY
    tags = np.full((len(a), 4), -1, np.int32)
    perm = np.argsort(rng.random((len(a), 3)), axis=1)
    tags[:, :2] = np.asarray(ct, np.int32)[perm[:, :2]]
    daily = w.new_chunk(a, t, tags=tags, url_share=0.1)
    del d
    # fast reposts of leader posts (catalogue) and of live posts
    lp = np.nonzero(np.isin(cat.acct, leaders))[0]
    rep_parts = []
    for src_idx, src_t, src_id, src_acct, src_text, src_tags, src_url in (
        (lp, cat.t_ms[lp], cat.post_id[lp], cat.acct[lp], [cat.text[i] for i in lp.tolist()], cat.tags[lp], cat.url[lp]),
        (np.arange(len(live)), live.t_ms, live.post_id, live.acct, live.text, live.tags, live.url),
    ):
        prob = 0.05 if src_idx is lp else 0.35
        mm = rng.random((len(src_t), len(members))) < prob
        pi, mi = np.nonzero(mm)
        a = members[mi]
        t = src_t[pi] + _lognormal_delay_ms(rng, len(a), 6.0, 1.0) + rng.integers(0, 30_000, len(a))
        # asleep? then the repost waits for the morning (07:00 local + delay)
        local_h = ((t - w.t0) / HOUR + w.offset_h[a] + w.chrono_h[a]) % 24
        night = (local_h >= 1) & (local_h < 7)
        t = np.where(night, t + ((7 - local_h) * HOUR).astype(np.int64) + _lognormal_delay_ms(rng, len(a), 20, 1.0), t)
        ch = w.new_chunk(a, t, url_share=0.0)
        ch.kind[:] = REPOST
        ch.ref_id[:] = src_id[pi]
        ch.ref_acct[:] = src_acct[pi]
        ch.ref_t_ms[:] = src_t[pi]
        ch.text = [f"RT @{w.handles[x]}: {src_text[i]}" for x, i in zip(src_acct[pi].tolist(), pi.tolist(), strict=True)]
        ch.tags = src_tags[pi]
        ch.url = src_url[pi]
        rep_parts.append(ch)
    yield concat([*mem_parts, daily, *rep_parts])


def fan_chants(w: World, cat: Catalogue) -> Iterator[Chunk]:
    """Fans pasting the same chant within a minute of each goal of a live match."""
    rng, p = w.rng, w.p
    fans = w.range["fan_chant"]
    reg = int(rng.integers(0, len(REGIONS)))
    w.region[fans] = np.where(rng.random(len(fans)) < 0.8, reg, w.region[fans])
    w.offset_h[fans] = np.array([r[1] for r in REGIONS])[w.region[fans]]
    teams = ["Rovers", "United", "Athletic", "Lions", "Tigers", "Eagles"]
    matches, parts = [], []
    for _m in range(p.matches):
        day = int(rng.integers(0, p.days))
        kick = w.t0 + day * DAY + int((20 - REGIONS[reg][1]) * HOUR)
        goals = np.sort(kick + (rng.uniform(5, 110, int(rng.integers(2, 5))) * MIN).astype(np.int64))
        team = teams[int(rng.integers(0, len(teams)))]
        tag = int(rng.integers(0, len(w.tags)))
        chant = f"GOOOAL!!! VAMOS {team.upper()} ⚽⚽⚽ we are the {team}, nobody beats the {team}!"
        matches.append({"kickoff": _iso(int(kick)), "goals": [_iso(int(g)) for g in goals], "chant": chant,
                        "hashtag": w.tags[tag], "region": REGIONS[reg][0]})
        for g in goals.tolist():
            a = fans[rng.random(len(fans)) < 0.5]
            t = g + (rng.lognormal(np.log(0.7), 0.9, len(a)) * MIN).astype(np.int64)
            parts.append(w.new_chunk(a, t, texts=[chant] * len(a), tags=_tag_rows([tag], len(a)),
                                     url=np.full(len(a), -1, np.int64)))
    w.ops["fan_chant"] = {"matches": matches}
    yield concat(parts)


def benign_automation(w: World, cat: Catalogue) -> Iterator[Chunk]:
    """News aggregators and scheduled accounts: a headline every N minutes, some sharing a feed."""
    rng, p = w.rng, w.p
    bots = w.range["benign_automation"]
    n_feeds = max(1, len(bots) // 3)
    feed = rng.integers(0, n_feeds, len(bots))
    period = rng.choice([30, 60, 120, 240], len(bots))
    phase = rng.integers(0, 30 * MIN, len(bots))
    feed_dom = rng.integers(20, min(len(w.domains), 400), n_feeds)
    k = (p.days * DAY - phase) // (period * MIN)
    a_i = np.repeat(np.arange(len(bots)), k)
    tick = np.concatenate([np.arange(x) for x in k.tolist()])
    t = w.t0 + phase[a_i] + tick * period[a_i] * MIN + rng.integers(500, 5_000, len(a_i))
    # the feed's headline of that hour: bots reading the same feed post identical text and URL
    slot = (t - w.t0) // HOUR
    key = feed[a_i] * 100_000 + slot
    uniq, inv = np.unique(key, return_inverse=True)
    heads = w._texts(len(uniq), 10.0)
    texts = [heads[i] for i in inv.tolist()]
    url = (feed_dom[feed[a_i]].astype(np.int64) << 32) + (uniq[inv] % (1 << 31))
    ch = w.new_chunk(bots[a_i], t, texts=texts, url=url, tags=np.full((len(a_i), 4), -1, np.int32))
    w.ops["benign_automation"] = {"accounts": [int(x) for x in bots], "period_min": [int(x) for x in period],
                                  "feed": [int(x) for x in feed]}
    yield ch


def shift_farm(w: World, cat: Catalogue) -> Iterator[Chunk]:
    """The shift farm: three 8-hour shifts amplifying daily task lists and posting templated text."""
    rng, p = w.rng, w.p
    farm = w.ops["shift_farm"]
    acc = w.range["shift_farm"]
    op_of = w.operator[acc]
    off_ms = int(farm["utc_offset_h"] * HOUR)
    hol = {(_ms(h) - w.t0) // DAY for h in farm["holiday_closures"]}
    campaign_tags = rng.choice(len(w.tags), 12, replace=False)
    farm["campaign_hashtags"] = [w.tags[int(x)] for x in campaign_tags]
    persona_ids = np.isin(cat.acct, w.range["persona"])
    popular = np.nonzero(np.isin(cat.acct, np.concatenate([w.range["influencer"], w.range["news_outlet"]])))[0]
    tasks, parts = [], []
    for d in range(p.days):
        if d in hol:
            continue
        day_start = w.t0 + d * DAY - off_ms  # local midnight in UTC
        weekend = (d + _weekday(w.t0)) % 7 in farm["weekend_weekdays"]
        working = rng.random(p.farm_operators) < (farm["weekend_staffing"] if weekend else 1.0)
        tags = campaign_tags[rng.choice(12, 4, replace=False)]
        lo, hi = np.searchsorted(cat.t_ms, [day_start - 6 * HOUR, day_start + DAY])
        cand = np.arange(lo, hi)
        pers = cand[persona_ids[cand]]
        pop = cand[np.isin(cand, popular)]
        nt = p.farm_targets_per_day
        pick_p = pers[np.argsort(-cat.w[pers])[: nt - 3]] if len(pers) else pers
        pick_o = pop[np.argsort(-cat.w[pop])[:3]] if len(pop) else pop
        targets = np.sort(np.concatenate([pick_p, pick_o]))
        tasks.append({"date": _iso(day_start + off_ms)[:10], "hashtags": [w.tags[int(x)] for x in tags],
                      "target_post_ids": [str(int(cat.post_id[i])) for i in targets]})
        for s, start_h in enumerate(farm["shift_start_local_h"]):
            ws = day_start + int(start_h * HOUR)
            we = ws + 8 * HOUR
            if start_h + 8 > 24 and d + 1 in hol:
                continue  # a night shift running into a holiday is not staffed either
            on = working & (np.arange(p.farm_operators) % 3 == s)
            accs = acc[on[op_of]]
            if not len(accs):
                continue
            # amplification: each account reposts targets published before the shift ends
            tt = targets[cat.t_ms[targets] < we]
            if len(tt):
                m = rng.random((len(tt), len(accs))) < p.farm_share_prob
                ti, ai = np.nonzero(m)
                st = np.maximum(cat.t_ms[tt[ti]], ws)
                t = st + _lognormal_delay_ms(rng, len(ti), p.farm_delay_median_min, p.farm_delay_sigma) \
                    + rng.integers(0, 30_000, len(ti))
                ok = t < we
                ch = w.new_chunk(accs[ai[ok]], t[ok], url_share=0.0)
                w.engagement(ch, cat, np.full(int(ok.sum()), REPOST, np.int8), tt[ti[ok]])
                parts.append(ch)
            # templated originals with the day's hashtags
            k = rng.poisson(p.farm_originals_per_day, len(accs))
            a = np.repeat(accs, k)
            t = ws + rng.integers(0, 8 * HOUR, len(a))
            texts = _fill(rng, len(a), rng.integers(0, len(TEMPLATES), len(a)), p.farm_text_edits)
            trows = np.full((len(a), 4), -1, np.int32)
            if p.shuffle_hashtags:
                perm = np.argsort(rng.random((len(a), 4)), axis=1)
                kk = rng.integers(1, 4, len(a))
                trows[:, :3] = tags[perm[:, :3]]
                trows[np.arange(4)[None, :] >= kk[:, None]] = -1
            else:
                trows[:, :3] = tags[:3]
            parts.append(w.new_chunk(a, t, texts=texts, tags=trows, url_share=0.1))
    farm["task_lists"] = tasks
    yield concat(parts)


def botnet(w: World, cat: Catalogue) -> Iterator[Chunk]:
    """A botnet: near-periodic posting around the clock and second-level reposting of each other."""
    rng, p = w.rng, w.p
    bots = w.range["botnet"]
    period = rng.uniform(*p.bot_period_min, len(bots)) * MIN
    phase = rng.random(len(bots)) * period
    k = ((p.days * DAY - phase) // period).astype(np.int64)
    bi = np.repeat(np.arange(len(bots)), k)
    tick = np.concatenate([np.arange(x) for x in k.tolist()])
    t = (w.t0 + phase[bi] + tick * period[bi] + rng.normal(0, p.bot_jitter_s, len(bi)) * 1000).astype(np.int64)
    tags_set = rng.choice(len(w.tags), 5, replace=False)
    trows = np.full((len(bi), 4), -1, np.int32)
    trows[:, 0] = tags_set[rng.integers(0, 5, len(bi))]
    trows[:, 1] = np.where(rng.random(len(bi)) < 0.5, tags_set[rng.integers(0, 5, len(bi))], -1)
    trows[:, 1] = np.where(trows[:, 1] == trows[:, 0], -1, trows[:, 1])
    doms = rng.integers(400, len(w.domains), 3)
    url = (doms[rng.integers(0, 3, len(bi))].astype(np.int64) << 32) + rng.integers(0, 2**31, len(bi))
    texts = _fill(rng, len(bi), rng.integers(0, len(TEMPLATES), len(bi)), 2)
    orig = w.new_chunk(bots[bi], t, texts=texts, tags=trows, url=url)
    w.ops["botnet"].update({"period_min": [float(x / MIN) for x in period], "jitter_s": p.bot_jitter_s,
                            "repost_delay_s": list(p.bot_repost_delay_s),
                            "hashtags": [w.tags[int(x)] for x in tags_set],
                            "domains": [w.domains[int(x)] for x in doms]})
    yield orig
    r = rng.poisson(p.bot_reposts_per_post, len(orig))
    oi = np.repeat(np.arange(len(orig)), r)
    a = bots[rng.integers(0, len(bots), len(oi))]
    keep = a != orig.acct[oi]
    oi, a = oi[keep], a[keep]
    lo, hi = p.bot_repost_delay_s
    delay = (rng.uniform(lo, hi, len(oi)) * 1000).astype(np.int64)
    ch = w.new_chunk(a, orig.t_ms[oi] + delay, url_share=0.0)
    ch.kind[:] = REPOST
    ch.ref_id[:] = orig.post_id[oi]
    ch.ref_acct[:] = orig.acct[oi]
    ch.ref_t_ms[:] = orig.t_ms[oi]
    ch.text = [f"RT @{w.handles[x]}: {orig.text[i]}" for x, i in zip(orig.acct[oi].tolist(), oi.tolist(), strict=True)]
    ch.tags = orig.tags[oi]
    ch.url = orig.url[oi]
    yield ch


def sleepers(w: World, cat: Catalogue) -> Iterator[Chunk]:
    """A sleeper cell: aged low-volume accounts that wake on campaign days with near-duplicate text."""
    rng, p = w.rng, w.p
    acc = w.range["sleeper_cell"]
    days = np.sort(rng.choice(np.arange(1, p.days - 1), p.sleeper_campaign_days, replace=False))
    camps, parts = [], []
    for d in days.tolist():
        start = w.t0 + d * DAY + int(rng.uniform(6, 18) * HOUR)
        tags = rng.choice(len(w.tags), 3, replace=False).astype(np.int32)
        tpl = int(rng.integers(0, len(TEMPLATES)))
        k = rng.poisson(2, len(acc)) + 1
        a = np.repeat(acc, k)
        t = start + (rng.random(len(a)) * p.sleeper_window_h * HOUR).astype(np.int64)
        texts = _fill(rng, len(a), tpl, p.sleeper_text_edits)
        trows = np.full((len(a), 4), -1, np.int32)
        if p.shuffle_hashtags:
            trows[:, :3] = tags[np.argsort(rng.random((len(a), 3)), axis=1)]
        else:
            trows[:, :3] = tags
        parts.append(w.new_chunk(a, t, texts=texts, tags=trows, url_share=0.0))
        camps.append({"start": _iso(start), "window_h": p.sleeper_window_h, "template": TEMPLATES[tpl],
                      "hashtags": [w.tags[int(x)] for x in tags], "text_edits": p.sleeper_text_edits})
    w.ops["sleeper_cell"] = {"campaigns": camps}
    yield concat(parts)
