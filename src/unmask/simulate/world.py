"""The simulated population and its planted operations, generated in vectorised chunks.

Everything here is driven by one :class:`numpy.random.Generator` seeded explicitly, and every
loop runs over sorted integer ranges, so a seed fixes the world byte for byte. The generator
never imports detection code (``unmask.signals``/``network``/``forensics``/``verdict``): the
world must not be shaped to what detectors happen to catch. Every choice is documented with its
source in ``docs/simulation.md``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

__all__ = ["GROUPS", "KINDS", "Chunk", "Params", "World", "params_for"]

#: Truth groups: label 0 (organic and organic look-alikes) and label 1 (planted operations).
GROUPS: dict[str, int] = {
    "organic": 0,
    "influencer": 0,
    "news_outlet": 0,
    "news_swarm": 0,
    "activist": 0,
    "fan_chant": 0,
    "benign_automation": 0,
    "hyperactive": 0,
    "shift_farm": 1,
    "persona": 1,
    "botnet": 1,
    "sleeper_cell": 1,
}
GROUP_NAMES = list(GROUPS)
G = {g: i for i, g in enumerate(GROUP_NAMES)}
KINDS = ("post", "repost", "reply", "quote")
POST, REPOST, REPLY, QUOTE = 0, 1, 2, 3

TWITTER_EPOCH_MS = 1288834974657
DAY = 86_400_000
HOUR = 3_600_000
MIN = 60_000

# --- calibration tables (sources in docs/simulation.md) --------------------------------------

#: Share of posts by local hour (Golder & Macy 2011, Science 333:1878, fig. 1 shape: trough
#: 3-5 h, rise through the morning, evening peak 20-22 h).
DIURNAL = np.array(
    [3.0, 2.0, 1.3, 0.9, 0.7, 0.9, 1.6, 2.8, 3.8, 4.4, 4.7, 4.9,
     5.2, 5.1, 5.0, 5.0, 5.1, 5.3, 5.5, 5.8, 6.2, 6.4, 5.8, 4.5]
)
DIURNAL = DIURNAL / DIURNAL.sum()

#: name, UTC offset (h, standard time, DST ignored), weekend weekdays (Mon=0), lang, share,
#: holidays in 2024 (ISO dates) -- public calendars of each country.
REGIONS: list[tuple[str, float, tuple[int, ...], str, float, tuple[str, ...]]] = [
    ("us_east", -5.0, (5, 6), "en", 0.20, ("2024-05-27",)),
    ("us_west", -8.0, (5, 6), "en", 0.10, ("2024-05-27",)),
    ("uk", 0.0, (5, 6), "en", 0.10, ("2024-03-29", "2024-04-01", "2024-05-06")),
    ("germany", 1.0, (5, 6), "de", 0.07, ("2024-03-29", "2024-04-01", "2024-05-01", "2024-05-09")),
    ("nigeria", 1.0, (5, 6), "en", 0.05, ("2024-03-29", "2024-04-01", "2024-04-10", "2024-05-01")),
    ("russia", 3.0, (5, 6), "ru", 0.06, ("2024-03-08", "2024-05-01", "2024-05-09")),
    ("iran", 3.5, (4,), "fa", 0.05, ("2024-03-20", "2024-03-21", "2024-03-22", "2024-03-23",
                                     "2024-04-01", "2024-04-02", "2024-04-10")),
    ("india", 5.5, (6,), "en", 0.14, ("2024-03-25", "2024-03-29", "2024-04-11")),
    ("brazil", -3.0, (5, 6), "pt", 0.09, ("2024-03-29", "2024-04-21", "2024-05-01")),
    ("japan", 9.0, (5, 6), "ja", 0.08, ("2024-03-20", "2024-04-29", "2024-05-03", "2024-05-06")),
    ("indonesia", 7.0, (5, 6), "id", 0.06, ("2024-03-29", "2024-04-10", "2024-04-11", "2024-05-01")),
]
REGION_SHARE = np.array([r[4] for r in REGIONS])
REGION_SHARE = REGION_SHARE / REGION_SHARE.sum()

#: Farm cities (name, offset, weekend, holidays): one is drawn per seed.
FARM_CITIES: list[tuple[str, float, tuple[int, ...], tuple[str, ...]]] = [
    ("Saint Petersburg", 3.0, (5, 6), ("2024-03-08", "2024-05-01", "2024-05-09")),
    ("Tehran", 3.5, (4,), ("2024-03-20", "2024-03-21", "2024-04-01", "2024-04-10")),
    ("Lagos", 1.0, (5, 6), ("2024-03-29", "2024-04-01", "2024-04-10", "2024-05-01")),
    ("Manila", 8.0, (5, 6), ("2024-03-28", "2024-03-29", "2024-04-09", "2024-05-01")),
]

#: (client, share) of organic posting clients (vendor splits reported for 2015-2019 Twitter).
CLIENTS = [("Twitter for iPhone", 0.38), ("Twitter for Android", 0.36), ("Twitter Web App", 0.17),
           ("Twitter for iPad", 0.04), ("TweetDeck", 0.03), ("Tweetbot for iΟS", 0.02)]
AUTOMATION_CLIENTS = ["dlvr.it", "IFTTT", "Buffer", "WordPress.com", "twitterfeed", "Hootsuite Inc."]
BOT_CLIENT = "PostMaster Pro"

FIRST = ["james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda", "david", "elizabeth", "william", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "chris", "karen", "daniel", "lisa", "matthew", "nancy", "anthony", "betty", "mark", "sandra", "paul", "ashley", "steven", "emily", "andrew", "donna", "joshua", "michelle", "kevin", "carol", "brian", "amanda", "george", "melissa", "timothy", "deborah", "ahmed", "fatima", "ali", "zahra", "reza", "maryam", "arjun", "priya", "rahul", "ananya", "olumide", "chioma", "tunde", "ngozi", "yuki", "haruto", "sakura", "ren", "lukas", "anna", "jonas", "lea", "igor", "olga", "dmitri", "natasha", "lucas", "julia", "gabriel", "beatriz", "rafael", "camila", "budi", "siti", "agus", "dewi"]
LAST = ["smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez", "hernandez", "lopez", "wilson", "anderson", "thomas", "taylor", "moore", "jackson", "martin", "lee", "thompson", "white", "harris", "clark", "lewis", "robinson", "walker", "young", "allen", "king", "wright", "scott", "green", "baker", "adams", "nelson", "hill", "campbell", "mitchell", "roberts", "carter", "phillips", "evans", "turner", "torres", "parker", "collins", "edwards", "stewart", "karimi", "hosseini", "sharma", "patel", "okafor", "adeyemi", "tanaka", "suzuki", "muller", "schmidt", "ivanov", "petrova", "silva", "santos", "souza", "wijaya"]
WORDS = ["the", "be", "to", "of", "and", "a", "in", "that", "have", "it", "for", "not", "on", "with", "he", "as", "you", "do", "at", "this", "but", "his", "by", "from", "they", "we", "say", "her", "she", "or", "an", "will", "my", "one", "all", "would", "there", "their", "what", "so", "up", "out", "if", "about", "who", "get", "which", "go", "me", "when", "make", "can", "like", "time", "no", "just", "him", "know", "take", "people", "into", "year", "your", "good", "some", "could", "them", "see", "other", "than", "then", "now", "look", "only", "come", "its", "over", "think", "also", "back", "after", "use", "two", "how", "our", "work", "first", "well", "way", "even", "new", "want", "because", "any", "these", "give", "day", "most", "us", "is", "are", "was", "were", "been", "has", "had", "did", "said", "news", "today", "vote", "city", "game", "team", "love", "life", "world", "right", "week", "state", "school", "police", "money", "music", "watch", "read", "free", "best", "live", "home", "great", "big", "real", "story", "night", "family", "friends", "tonight", "morning", "thanks", "happy", "sad", "crazy", "wow", "lol", "omg", "please", "help", "share", "never", "always", "still", "really", "need", "must", "should", "government", "president", "election", "market", "price", "video", "photo", "movie", "show", "season", "win", "lost", "against", "support", "change", "power", "water", "food", "health", "war", "peace", "border", "people's", "truth", "lies", "media", "report", "breaking", "update", "latest", "official", "local", "country", "national", "public", "future", "history"]
DOMAINS_TOP = ["youtube.com", "instagram.com", "nytimes.com", "bbc.co.uk", "theguardian.com",
               "cnn.com", "washingtonpost.com", "reuters.com", "foxnews.com", "spotify.com",
               "facebook.com", "twitch.tv", "medium.com", "wikipedia.org", "apnews.com",
               "tiktok.com", "reddit.com", "github.com", "bloomberg.com", "aljazeera.com"]
TLDS = ["com", "org", "net", "co.uk", "de", "in", "com.br", "ru", "ir", "jp", "ng", "id", "info", "news"]


@dataclass
class Params:
    """Every size and rate of one world; written to ``truth/operations.json``."""

    profile: str = "default"
    seed: int = 0
    scale: float = 1.0
    start: str = "2024-03-04"
    days: int = 60
    n_organic: int = 56_000
    rate_log_mu: float = -2.75          # organic posts/day ~ LogNormal(mu, sigma)
    rate_log_sigma: float = 1.6
    kind_shares: tuple[float, float, float, float] = (0.37, 0.43, 0.15, 0.05)
    influencer_share: float = 0.006
    hashtags_vocab: int = 20_000
    domains_vocab: int = 3_000
    n_trends: int = 40
    # look-alikes
    n_outlets: int = 30
    swarm_pool: int = 5_000
    swarm_events: int = 6
    swarm_posts_per_event: int = 3
    swarm_participation: float = 0.55
    swarm_delay_median_min: float = 12.0
    activists: int = 300
    activist_leaders: int = 5
    activist_events: int = 4
    fans: int = 800
    matches: int = 3
    benign_bots: int = 40
    hyperactive: int = 30
    # operations
    farm_operators: int = 30
    farm_accounts_per_operator: tuple[int, int] = (5, 10)
    farm_targets_per_day: int = 8
    farm_share_prob: float = 0.8
    farm_delay_median_min: float = 4.0
    farm_delay_sigma: float = 0.8
    farm_originals_per_day: float = 4.0
    farm_text_edits: int = 1
    shuffle_hashtags: bool = False
    personas: int = 4
    persona_writers_per_shift: int = 3
    persona_posts_per_hour: float = 1.5
    botnet: int = 80
    bot_period_min: tuple[float, float] = (180.0, 480.0)
    bot_jitter_s: float = 20.0
    bot_repost_delay_s: tuple[float, float] = (1.0, 15.0)
    bot_reposts_per_post: float = 2.0
    sleepers: int = 50
    sleeper_campaign_days: int = 3
    sleeper_window_h: float = 3.0
    sleeper_text_edits: int = 1
    chunk_accounts: int = 20_000
    extra: dict[str, Any] = field(default_factory=dict)


def params_for(profile: str, *, seed: int = 0, scale: float = 1.0) -> Params:
    """The parameters of a named profile (``small``, ``default``, ``stealth``) at ``scale``."""
    if profile not in ("small", "default", "stealth"):
        raise ValueError(f"unknown profile {profile!r}; expected small, default or stealth")
    p = Params(profile=profile, seed=seed, scale=scale)
    s = max(scale, 0.01)
    p.n_organic = round(p.n_organic * s)
    p.swarm_pool = round(p.swarm_pool * s)
    p.hyperactive = round(p.hyperactive * s)
    p.n_outlets = max(5, round(p.n_outlets * min(s, 3)))
    if profile == "small":
        p.start, p.days = "2024-03-18", 10
        p.n_organic = round(6_000 * s)
        p.swarm_pool, p.swarm_events, p.swarm_participation = round(1_800 * s), 2, 0.8
        p.activists, p.fans, p.matches, p.benign_bots, p.hyperactive = 120, 300, 1, 10, 5
        p.n_outlets, p.farm_operators, p.personas, p.botnet, p.sleepers = 8, 12, 2, 30, 20
        p.activist_events, p.sleeper_campaign_days = 2, 2
        p.hashtags_vocab, p.domains_vocab, p.n_trends = 3_000, 500, 8
    if profile == "stealth":
        p.farm_share_prob = 0.3
        p.farm_delay_median_min, p.farm_delay_sigma = 45.0, 1.3
        p.farm_text_edits = 4
        p.shuffle_hashtags = True
        p.bot_jitter_s = 600.0
        p.bot_repost_delay_s = (60.0, 3_600.0)
        p.bot_reposts_per_post = 1.0
        p.sleeper_window_h = 10.0
        p.sleeper_text_edits = 4
    return p


@dataclass
class Chunk:
    """Posts generated together, as parallel arrays (one row per post)."""

    acct: np.ndarray            # int64 account index
    t_ms: np.ndarray            # int64 epoch ms
    kind: np.ndarray            # int8, index into KINDS
    text: list[str]
    tags: np.ndarray            # int32 (n, K) hashtag ids, -1 = none
    url: np.ndarray             # int64 url id (-1 none): domain id * 2**32 + path
    ref_id: np.ndarray          # int64 referenced post id (-1)
    ref_acct: np.ndarray        # int64 referenced account index (-1)
    ref_t_ms: np.ndarray        # int64 referenced post time (-1)
    mention: np.ndarray         # int64 mentioned account index (-1)
    post_id: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    operator: np.ndarray | None = None   # persona posts: operator index

    def __len__(self) -> int:
        return len(self.acct)


def _lognormal_delay_ms(rng: np.random.Generator, n: int, median_min: float, sigma: float) -> np.ndarray:
    return (rng.lognormal(np.log(median_min), sigma, n) * MIN).astype(np.int64)


class World:
    """A seeded world: accounts with their truth, and an iterator of post chunks."""

    def __init__(self, params: Params) -> None:
        self.p = params
        self.rng = np.random.default_rng(np.random.SeedSequence(params.seed))
        self.t0 = int(_dt.datetime.fromisoformat(params.start + "T00:00:00+00:00").timestamp() * 1000)
        self.t1 = self.t0 + params.days * DAY
        self._seq = 0
        self.ops: dict[str, Any] = {}
        self._build_vocab()
        self._build_accounts()
        self.n_posts = np.zeros(self.n_accounts, np.int64)
        self.first_ms = np.full(self.n_accounts, np.iinfo(np.int64).max, np.int64)
        self.last_ms = np.full(self.n_accounts, np.iinfo(np.int64).min, np.int64)
        self.persona_posts: list[tuple[np.ndarray, np.ndarray]] = []

    # -- vocabularies -----------------------------------------------------------------------

    def _build_vocab(self) -> None:
        rng, p = self.rng, self.p
        syll = ["ka", "lo", "mi", "ran", "te", "vo", "shi", "na", "bel", "dor", "zu", "ex", "qui",
                "mar", "sol", "tin", "ur", "pra", "den", "fo"]
        sa = np.array(syll)
        parts = sa[rng.integers(0, len(syll), size=(p.hashtags_vocab, 3))]
        n_parts = rng.integers(2, 4, p.hashtags_vocab)
        tags = ["".join(row[:k]) + (str(i) if i % 7 == 0 else "") for i, (row, k) in enumerate(zip(parts, n_parts, strict=True))]
        # keep tags unique and deterministic: suffix the index where a collision would happen
        seen: dict[str, int] = {}
        for i, t in enumerate(tags):
            if t in seen:
                tags[i] = f"{t}{i}"
            seen[tags[i]] = i
        self.tags = tags
        ranks = np.arange(1, p.hashtags_vocab + 1, dtype=float)
        w = ranks ** -1.1  # Zipf exponent ~1 for hashtag popularity (Cunha et al. 2011)
        self.tag_cw = np.cumsum(w / w.sum())
        # dated trends: (tag id, peak day, width days)
        self.trend_tag = rng.choice(p.hashtags_vocab, p.n_trends, replace=False).astype(np.int32)
        self.trend_day = rng.uniform(0, p.days, p.n_trends)
        self.trend_width = rng.uniform(0.5, 3.0, p.n_trends)
        dom_parts = sa[rng.integers(0, len(syll), size=(p.domains_vocab, 3))]
        tl = np.array(TLDS)[rng.integers(0, len(TLDS), p.domains_vocab)]
        doms = list(DOMAINS_TOP) + ["".join(r) + f"{i}." + t for i, (r, t) in enumerate(zip(dom_parts, tl, strict=True))]
        self.domains = doms[: p.domains_vocab]
        ranks = np.arange(1, len(self.domains) + 1, dtype=float)
        w = ranks ** -1.0  # domain popularity ~ Zipf (Adamic & Huberman 2002)
        self.dom_cw = np.cumsum(w / w.sum())
        self.words = np.array(WORDS, dtype=object)
        wr = np.arange(1, len(WORDS) + 1, dtype=float) ** -0.9
        self.word_cw = np.cumsum(wr / wr.sum())

    # -- accounts ---------------------------------------------------------------------------

    def _build_accounts(self) -> None:
        rng, p = self.rng, self.p
        sizes: list[tuple[str, int]] = []
        n_infl = max(5, int(p.n_organic * p.influencer_share))
        n_plain = max(0, p.n_organic - n_infl - p.swarm_pool - p.activists - p.fans - p.hyperactive)
        acct_per_op = rng.integers(p.farm_accounts_per_operator[0], p.farm_accounts_per_operator[1] + 1,
                                   p.farm_operators)
        n_farm = int(acct_per_op.sum())
        sizes = [("organic", n_plain), ("influencer", n_infl), ("news_outlet", p.n_outlets),
                 ("news_swarm", p.swarm_pool), ("activist", p.activists), ("fan_chant", p.fans),
                 ("benign_automation", p.benign_bots), ("hyperactive", p.hyperactive),
                 ("shift_farm", n_farm), ("persona", p.personas), ("botnet", p.botnet),
                 ("sleeper_cell", p.sleepers)]
        self.group = np.concatenate([np.full(n, G[g], np.int8) for g, n in sizes])
        n = self.n_accounts = len(self.group)
        self.range = {}
        off = 0
        for g, k in sizes:
            self.range[g] = np.arange(off, off + k)
            off += k
        self.label = np.array([GROUPS[GROUP_NAMES[g]] for g in range(len(GROUP_NAMES))], np.int8)[self.group]
        self.region = rng.choice(len(REGIONS), n, p=REGION_SHARE).astype(np.int16)
        self.offset_h = np.array([r[1] for r in REGIONS])[self.region]
        self.chrono_h = rng.normal(0.0, 1.2, n)  # individual chronotype shift (Roenneberg 2007)
        self.rate = rng.lognormal(p.rate_log_mu, p.rate_log_sigma, n)
        # account age: log-uniform 30 days .. 15 years before the start
        age_d = np.exp(rng.uniform(np.log(30), np.log(15 * 365), n))
        self.created_ms = (self.t0 - age_d * DAY).astype(np.int64)
        self.followers = np.minimum(rng.lognormal(np.log(180), 1.7, n), 5e7).astype(np.int64)
        self.following = np.minimum(rng.lognormal(np.log(250), 1.1, n), 5e5).astype(np.int64)
        cw = np.cumsum([c[1] for c in CLIENTS])
        self.client = np.searchsorted(cw / cw[-1], rng.random(n)).astype(np.int16)  # index into clients
        self.clients: list[str] = [c[0] for c in CLIENTS] + AUTOMATION_CLIENTS + [BOT_CLIENT]
        self.verified = rng.random(n) < 0.002
        self.default_profile = rng.random(n) < 0.08
        self.default_image = rng.random(n) < 0.03
        self.has_description = rng.random(n) < 0.7
        self.operator = np.full(n, -1, np.int32)
        self.operation = np.array([""] * n, dtype=object)
        self.first_name = rng.integers(0, len(FIRST), n)
        self.last_name = rng.integers(0, len(LAST), n)
        self.handle_style = rng.integers(0, 5, n)
        self.handle_num = rng.integers(0, 10_000, n)
        self.default_handle = np.zeros(n, bool)
        self.kind_bias = np.zeros(n)  # added to repost probability

        def sel(g: str) -> np.ndarray:
            return self.range[g]

        # influencers and outlets: many followers, frequent posting, older
        for g, (lo, hi) in (("influencer", (2e4, 3e6)), ("news_outlet", (1e5, 5e7))):
            ix = sel(g)
            self.followers[ix] = np.exp(rng.uniform(np.log(lo), np.log(hi), len(ix))).astype(np.int64)
            self.rate[ix] = rng.uniform(2, 8, len(ix)) if g == "influencer" else rng.uniform(15, 40, len(ix))
            self.verified[ix] = rng.random(len(ix)) < (0.3 if g == "influencer" else 0.9)
            self.default_profile[ix] = False
            self.has_description[ix] = True
            self.kind_bias[ix] = -0.3
        ix = sel("news_outlet")
        self.client[ix] = np.searchsorted(np.cumsum([0.0, 0.0, 0.5, 0.0, 0.5, 0.0]), rng.random(len(ix)))
        ix = sel("hyperactive")
        self.rate[ix] = rng.uniform(30, 100, len(ix))
        self.kind_bias[ix] = 0.25
        # activists: mostly one country (the community's), diaspora elsewhere
        ix = sel("activist")
        home = int(rng.integers(0, len(REGIONS)))
        self.region[ix] = np.where(rng.random(len(ix)) < 0.7, home, self.region[ix])
        self.offset_h[ix] = np.array([r[1] for r in REGIONS])[self.region[ix]]
        self.rate[ix] = np.maximum(self.rate[ix], rng.lognormal(np.log(1.5), 0.6, len(ix)))
        leaders = ix[: p.activist_leaders]
        self.followers[leaders] = rng.integers(20_000, 200_000, len(leaders))
        self.rate[leaders] = rng.uniform(4, 10, len(leaders))
        self.ops["activist"] = {"home_region": REGIONS[home][0], "leaders": leaders.tolist()}
        # benign automation
        ix = sel("benign_automation")
        self.client[ix] = len(CLIENTS) + rng.integers(0, len(AUTOMATION_CLIENTS), len(ix))
        self.has_description[ix] = True
        # --- operations
        city = int(rng.integers(0, len(FARM_CITIES)))
        cname, coff, cweekend, cholidays = FARM_CITIES[city]
        ix = sel("shift_farm")
        self.operator[ix] = np.repeat(np.arange(p.farm_operators), acct_per_op)
        n_bursts = 3
        burst_start = self.t0 - rng.uniform(90, 540, n_bursts) * DAY
        burst_len = rng.uniform(1, 4, n_bursts) * DAY
        b = rng.integers(0, n_bursts, len(ix))
        local_day = np.floor((burst_start[b] + rng.random(len(ix)) * burst_len[b]) / DAY) * DAY
        self.created_ms[ix] = (local_day + rng.uniform(9, 18, len(ix)) * HOUR - coff * HOUR).astype(np.int64)
        self.default_handle[ix] = True
        self.default_image[ix] = rng.random(len(ix)) < 0.5
        self.followers[ix] = rng.lognormal(np.log(60), 1.0, len(ix)).astype(np.int64)
        self.offset_h[ix] = coff
        shifts = [7.0, 15.0, 23.0]
        self.ops["shift_farm"] = {
            "city": cname, "utc_offset_h": coff, "weekend_weekdays": list(cweekend),
            "holiday_closures": list(cholidays), "shift_start_local_h": shifts, "shift_length_h": 8,
            "operators": p.farm_operators,
            "operator_shift": [int(o % 3) for o in range(p.farm_operators)],
            "creation_bursts": [{"start": _iso(int(s)), "end": _iso(int(s + length))}
                                for s, length in zip(burst_start, burst_len, strict=True)],
            "weekend_staffing": 0.4,
        }
        ix = sel("persona")
        self.created_ms[ix] = (self.t0 - rng.uniform(3 * 365, 8 * 365, len(ix)) * DAY).astype(np.int64)
        self.followers[ix] = rng.integers(20_000, 250_000, len(ix))
        self.offset_h[ix] = coff
        self.has_description[ix] = True
        self.default_profile[ix] = False
        self.default_image[ix] = False
        ix = sel("botnet")
        week0 = self.t0 - rng.uniform(30, 120) * DAY
        self.created_ms[ix] = (week0 + rng.random(len(ix)) * 7 * DAY).astype(np.int64)
        self.client[ix] = len(self.clients) - 1
        self.has_description[ix] = False
        self.default_profile[ix] = True
        self.default_image[ix] = True
        self.followers[ix] = rng.integers(0, 6, len(ix))
        self.following[ix] = rng.integers(0, 40, len(ix))
        self.default_handle[ix] = True
        self.ops["botnet"] = {"creation_week_start": _iso(int(week0)), "client": BOT_CLIENT}
        ix = sel("sleeper_cell")
        self.created_ms[ix] = (self.t0 - rng.uniform(3 * 365, 9 * 365, len(ix)) * DAY).astype(np.int64)
        self.rate[ix] = rng.uniform(0.05, 0.3, len(ix))
        for g in ("shift_farm", "persona", "botnet", "sleeper_cell"):
            self.operation[sel(g)] = g
        # ids: snowflake from creation time for accounts after the snowflake epoch
        idx = np.arange(n, dtype=np.int64)
        snow = ((self.created_ms - TWITTER_EPOCH_MS) << 22) | (idx & 0x3FFFFF)
        self.account_num = np.where(self.created_ms > TWITTER_EPOCH_MS, snow, 100_000 + idx * 7 + 3)
        self.handles = self._handles()

    def _handles(self) -> list[str]:
        out = []
        for i in range(self.n_accounts):
            f, la = FIRST[self.first_name[i]], LAST[self.last_name[i]]
            k = int(self.handle_num[i])
            if self.default_handle[i]:
                h = f"{f.capitalize()}{la.capitalize()}"[:7] + f"{(k * 7919 + i) % 10**8:08d}"
            else:
                s = self.handle_style[i]
                h = (f"{f}_{la}" if s == 0 else f"{f}{la}{k % 100}" if s == 1 else f"{f[0]}{la}"
                     if s == 2 else f"the{f}{k % 1000}" if s == 3 else f"{la}.{f}"[:15])
                h = h.replace(".", "_")
            out.append(f"{h[:15]}_{i}" if len(h) > 15 else h)
        # uniqueness: the index suffix above is only needed for truncation; enforce it anyway
        seen: set[str] = set()
        for i, h in enumerate(out):
            if h in seen:
                out[i] = f"{h[:9]}{i}"
            seen.add(out[i])
        return out

    # -- primitives -------------------------------------------------------------------------

    def ids(self, t_ms: np.ndarray) -> np.ndarray:
        """Snowflake-style post ids: time-ordered and unique (time bits | global sequence)."""
        seq = np.arange(self._seq, self._seq + len(t_ms), dtype=np.int64)
        self._seq += len(t_ms)
        return ((t_ms.astype(np.int64) - TWITTER_EPOCH_MS) << 22) | (seq & 0x3FFFFF)

    def url_str(self, u: int) -> str:
        """The URL of url id ``u`` (domain id in the high bits, path number in the low)."""
        d, path = divmod(int(u), 1 << 32)
        return f"https://{self.domains[d]}/{path % 97}/{path:x}"

    def _sample_tags(self, n: int, t_ms: np.ndarray, mean: float = 0.35, k_max: int = 4) -> np.ndarray:
        rng = self.rng
        count = np.minimum(rng.poisson(mean, n), k_max)
        tags = np.searchsorted(self.tag_cw, rng.random((n, k_max))).astype(np.int32)
        tags = np.minimum(tags, len(self.tags) - 1)
        # trends: a post on a day near a trend's peak uses it with a probability that decays
        day = (t_ms - self.t0) / DAY
        k = rng.integers(0, len(self.trend_tag), n)
        z = (day - self.trend_day[k]) / self.trend_width[k]
        use = rng.random(n) < 0.35 * np.exp(-0.5 * z * z)
        tags[:, 0] = np.where(use, self.trend_tag[k], tags[:, 0])
        count = np.where(use, np.maximum(count, 1), count)
        tags[np.arange(k_max)[None, :] >= count[:, None]] = -1
        return tags

    def _sample_urls(self, n: int, share: float = 0.18) -> np.ndarray:
        rng = self.rng
        has = rng.random(n) < share
        d = np.searchsorted(self.dom_cw, rng.random(n)).astype(np.int64)
        path = rng.integers(0, 2**31, n)
        return np.where(has, d * (1 << 32) + path, -1)

    def _texts(self, n: int, mean_words: float = 22.0) -> list[str]:
        rng = self.rng
        lens = np.clip(rng.gamma(2.2, mean_words / 2.2, n).astype(np.int64), 1, 50)
        w = self.words[np.searchsorted(self.word_cw, rng.random(int(lens.sum())))]
        ends = np.cumsum(lens)
        starts = ends - lens
        wl = w.tolist()
        return [" ".join(wl[a:b]) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]

    def human_times(self, acct: np.ndarray, day_weights: bool = True) -> np.ndarray:
        """Times in UTC ms for posts of ``acct``: local diurnal rhythm, weekend and holiday dips."""
        rng, p = self.rng, self.p
        n = len(acct)
        reg = self.region[acct]
        day = np.empty(n, np.int64)
        for r in range(len(REGIONS)):
            m = reg == r
            if not m.any():
                continue
            w = np.ones(p.days)
            wd = (np.arange(p.days) + _weekday(self.t0)) % 7
            w[np.isin(wd, REGIONS[r][2])] = 0.85  # weekend: lower volume (Hu et al. 2012)
            for h in REGIONS[r][5]:
                di = (_ms(h) - self.t0) // DAY
                if 0 <= di < p.days:
                    w[di] = 0.75
            cw = np.cumsum(w / w.sum())
            day[m] = np.minimum(np.searchsorted(cw, rng.random(int(m.sum()))), p.days - 1)
        hour = rng.choice(24, n, p=DIURNAL)
        local = day * DAY + ((hour + rng.random(n) + self.chrono_h[acct]) * HOUR).astype(np.int64)
        t = self.t0 + local - (self.offset_h[acct] * HOUR).astype(np.int64)
        return np.clip(t, self.t0, self.t1 - 1)

    def _targets(self, cat: Catalogue, t_ms: np.ndarray, median_min: float = 45.0,
                 sigma: float = 2.0) -> np.ndarray:
        """Pick a catalogue post for each engagement at ``t_ms``: human delay, popularity-weighted."""
        rng = self.rng
        d = _lognormal_delay_ms(rng, len(t_ms), median_min, sigma)
        hi_t = t_ms - d
        lo_t = hi_t - 2 * HOUR
        lo = np.searchsorted(cat.t_ms, lo_t, "left")
        hi = np.searchsorted(cat.t_ms, hi_t, "right")
        cw = cat.cw
        base = np.where(lo > 0, cw[np.maximum(lo - 1, 0)], 0.0)
        top = np.where(hi > 0, cw[np.maximum(hi - 1, 0)], 0.0)
        u = base + rng.random(len(t_ms)) * (top - base)
        idx = np.searchsorted(cw, u, "right")
        ok = hi > lo
        idx = np.where(ok, np.minimum(idx, hi - 1), -1)
        idx = np.where(ok & (idx < lo), lo, idx)
        return idx

    def engagement(self, ch: Chunk, cat: Catalogue, kinds: np.ndarray, targets: np.ndarray) -> None:
        """Fill the reference columns and texts of reposts, replies and quotes in ``ch``."""
        sel = np.nonzero(kinds > 0)[0]
        tg = targets[sel]
        ch.ref_id[sel] = cat.post_id[tg]
        ch.ref_acct[sel] = cat.acct[tg]
        ch.ref_t_ms[sel] = cat.t_ms[tg]
        ch.kind[sel] = kinds[sel]
        rep = sel[kinds[sel] == REPOST]
        for i in rep.tolist():
            ch.text[i] = f"RT @{self.handles[ch.ref_acct[i]]}: {cat.text[targets[i]]}"
        ch.tags[rep] = cat.tags[targets[rep]]
        ch.url[rep] = cat.url[targets[rep]]
        rp = sel[kinds[sel] == REPLY]
        for i in rp.tolist():
            ch.text[i] = f"@{self.handles[ch.ref_acct[i]]} {ch.text[i]}"
        ch.mention[rp] = ch.ref_acct[rp]

    def new_chunk(self, acct: np.ndarray, t_ms: np.ndarray, *, texts: list[str] | None = None,
                  tags: np.ndarray | None = None, url: np.ndarray | None = None,
                  mean_words: float = 22.0, tag_mean: float = 0.35, url_share: float = 0.18) -> Chunk:
        """An all-original chunk for ``acct`` at ``t_ms`` (random text, tags and links unless given)."""
        n = len(acct)
        neg = np.full(n, -1, np.int64)
        return Chunk(
            acct=acct.astype(np.int64), t_ms=t_ms.astype(np.int64), kind=np.zeros(n, np.int8),
            text=texts if texts is not None else self._texts(n, mean_words),
            tags=tags if tags is not None else self._sample_tags(n, t_ms, tag_mean),
            url=url if url is not None else self._sample_urls(n, url_share),
            ref_id=neg.copy(), ref_acct=neg.copy(), ref_t_ms=neg.copy(), mention=neg.copy(),
        )

    def finish(self, ch: Chunk) -> Chunk:
        """Sort by time (in place), write hashtags and links into the text, assign ids and stats."""
        keep = (ch.t_ms >= self.t0) & (ch.t_ms < self.t1)
        o = np.nonzero(keep)[0]
        o = o[np.lexsort((ch.acct[o], ch.t_ms[o]))]
        s = _take(ch, o)
        for f in ("acct", "t_ms", "kind", "text", "tags", "url", "ref_id", "ref_acct", "ref_t_ms",
                  "mention", "operator"):
            setattr(ch, f, getattr(s, f))
        tags, url, text, kind = ch.tags.tolist(), ch.url.tolist(), ch.text, ch.kind.tolist()
        for i in range(len(text)):
            if kind[i] == REPOST:
                continue
            extra = [f"#{self.tags[t]}" for t in tags[i] if t >= 0 and f"#{self.tags[t]}" not in text[i]]
            if url[i] >= 0:
                extra.append(self.url_str(url[i]))
            if extra:
                text[i] = text[i] + " " + " ".join(extra)
        ch.post_id = self.ids(ch.t_ms)
        np.add.at(self.n_posts, ch.acct, 1)
        np.minimum.at(self.first_ms, ch.acct, ch.t_ms)
        np.maximum.at(self.last_ms, ch.acct, ch.t_ms)
        return ch

    # -- the world --------------------------------------------------------------------------

    def chunks(self) -> Iterator[Chunk]:
        """Every post of the world, chunk by chunk (memory bounded by ``chunk_accounts``)."""
        from unmask.simulate import operations as ops  # local: the two modules share helpers

        cat = Catalogue.empty(self)
        # 1. sources: influencers, outlets (with breaking news), activist leaders, personas
        src = [ops.sources(self), ops.breaking_news(self), ops.personas(self)]
        for ch in src:
            ch = self.finish(ch)
            cat.add(self, ch)
            yield ch
        cat.freeze()
        # 2. regular human activity of everyone human-looking, in account chunks
        humans = np.concatenate([self.range[g] for g in ("organic", "news_swarm", "activist", "fan_chant",
                                                         "hyperactive", "sleeper_cell")])
        humans = humans[~np.isin(humans, self.ops["activist"]["leaders"])]
        for a in range(0, len(humans), self.p.chunk_accounts):
            yield self.finish(ops.regular(self, humans[a:a + self.p.chunk_accounts], cat))
        # 3. look-alike events and operations (generators: a chunk's ids exist once it is yielded)
        for make in (ops.swarms, ops.activists, ops.fan_chants, ops.benign_automation,
                     ops.shift_farm, ops.botnet, ops.sleepers):
            for ch in make(self, cat):
                if len(ch):
                    yield self.finish(ch)

    def truth_params(self) -> dict[str, Any]:
        """The operations' parameters for ``truth/operations.json``."""
        d = asdict(self.p)
        return {"params": d, "operations": self.ops, "kinds": list(KINDS),
                "start": _iso(self.t0), "end": _iso(self.t1)}


class Catalogue:
    """Posts that others can repost, reply to or quote, sorted by time with popularity weights."""

    def __init__(self) -> None:
        self.parts: list[tuple] = []

    @classmethod
    def empty(cls, world: World) -> Catalogue:
        """A catalogue to :meth:`add` source chunks to."""
        return cls()

    def add(self, world: World, ch: Chunk) -> None:
        """Add the original posts of ``ch`` with weight ~ followers^0.8 x heavy-tailed virality."""
        m = ch.kind == POST
        virality = world.rng.lognormal(0, 1.2, int(m.sum()))
        w = np.maximum(world.followers[ch.acct[m]], 1) ** 0.8 * virality
        self.parts.append((ch.post_id[m], ch.t_ms[m], ch.acct[m], [t for t, k in zip(ch.text, m, strict=True) if k],
                           ch.tags[m], ch.url[m], w))

    def freeze(self) -> None:
        """Concatenate and time-sort (call once after the last :meth:`add`)."""
        pid, t, acct, text, tags, url, w = zip(*self.parts, strict=True)
        self.post_id = np.concatenate(pid)
        t = np.concatenate(t)
        o = np.argsort(t, kind="stable")
        self.post_id = self.post_id[o]
        self.t_ms = t[o]
        self.acct = np.concatenate(acct)[o]
        all_text = [x for part in text for x in part]
        self.text = [all_text[i] for i in o.tolist()]
        self.tags = np.concatenate(tags)[o]
        self.url = np.concatenate(url)[o]
        self.w = np.concatenate(w)[o]
        self.cw = np.cumsum(self.w)
        self.by_id = {int(x): i for i, x in enumerate(self.post_id.tolist())}
        self.parts = []


def _take(ch: Chunk, o: np.ndarray) -> Chunk:
    tl = ch.text
    return Chunk(acct=ch.acct[o], t_ms=ch.t_ms[o], kind=ch.kind[o], text=[tl[i] for i in o.tolist()],
                 tags=ch.tags[o], url=ch.url[o], ref_id=ch.ref_id[o], ref_acct=ch.ref_acct[o],
                 ref_t_ms=ch.ref_t_ms[o], mention=ch.mention[o],
                 post_id=ch.post_id[o] if len(ch.post_id) == len(o) else ch.post_id,
                 operator=ch.operator[o] if ch.operator is not None else None)


def concat(chunks: list[Chunk]) -> Chunk:
    """One chunk from several (texts concatenated in order)."""
    chunks = [c for c in chunks if len(c)]
    if not chunks:
        e = np.zeros(0, np.int64)
        return Chunk(e, e.copy(), np.zeros(0, np.int8), [], np.zeros((0, 4), np.int32), e.copy(), e.copy(),
                     e.copy(), e.copy(), e.copy())
    ops = [c.operator if c.operator is not None else np.full(len(c), -1, np.int32) for c in chunks]
    return Chunk(
        acct=np.concatenate([c.acct for c in chunks]), t_ms=np.concatenate([c.t_ms for c in chunks]),
        kind=np.concatenate([c.kind for c in chunks]), text=[t for c in chunks for t in c.text],
        tags=np.concatenate([c.tags for c in chunks]), url=np.concatenate([c.url for c in chunks]),
        ref_id=np.concatenate([c.ref_id for c in chunks]), ref_acct=np.concatenate([c.ref_acct for c in chunks]),
        ref_t_ms=np.concatenate([c.ref_t_ms for c in chunks]), mention=np.concatenate([c.mention for c in chunks]),
        operator=np.concatenate(ops) if any(c.operator is not None for c in chunks) else None,
    )


def _ms(iso_date: str) -> int:
    return int(_dt.datetime.fromisoformat(iso_date + "T00:00:00+00:00").timestamp() * 1000)


def _iso(ms: int) -> str:
    return _dt.datetime.fromtimestamp(ms / 1000, _dt.UTC).isoformat(timespec="seconds")


def _weekday(ms: int) -> int:
    return _dt.datetime.fromtimestamp(ms / 1000, _dt.UTC).weekday()
