"""``unmask explain``: finding the account, the dossier on screen, hostile strings kept inert."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from result_fixture import make_result
from unmask.cli import cli
from unmask.cli.explain import render, visible
from unmask.export import Result


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_result(tmp_path_factory.mktemp("res") / "result")


def _run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(cli, ["explain", *args])
    return r.exit_code, r.output


@pytest.mark.parametrize("query", ["acc_alice_0001", "ACC_ALICE_0001", "AliceOps", "aliceops", "@ALICEOPS"])
def test_found_by_id_or_handle(result: Path, query: str) -> None:
    code, out = _run(str(result), query)
    assert code == 0, out
    assert "acc_alice_0001" in out and "coordinated_inauthentic" in out and "FLAGGED" in out
    assert "reposted 37 of the same posts" in out  # reasons
    assert "Tehran" in out  # profile
    assert "co_repost" in out and "1.0e-09" in out  # partner signals and q
    assert "2024-03-05 10:00:00 → 10:00:14" in out and "14 s" in out  # evidence times and Δt
    assert "Sample posts" in out


def test_ambiguous_handle_lists_candidates(result: Path) -> None:
    code, out = _run(str(result), "TWINHANDLE")
    assert code == 2
    assert "matches 2 accounts" in out and "acc_twin1_0008" in out and "acc_twin2_0009" in out


def test_unknown_account(result: Path) -> None:
    code, out = _run(str(result), "nobody_here")
    assert code == 2 and "no account nobody_here" in out


def test_not_a_result(tmp_path: Path) -> None:
    code, out = _run(str(tmp_path), "x")
    assert code == 1 and "not a result directory" in out


def test_json(result: Path) -> None:
    code, out = _run(str(result), "bob<script>&\"'x", "--json")
    assert code == 0
    assert out.isascii()
    d = json.loads(out)
    assert d["account_id"] == "acc_bobxx_0002" and d["handle"] == "bob<script>&\"'x"
    assert d == Result(result).dossier("account", "acc_bobxx_0002")


def test_account_without_dossier(result: Path) -> None:
    code, out = _run(str(result), "frank_organic")
    assert code == 0 and "no_finding" in out and "no dossier in the result" in out


def test_hostile_strings_are_shown_not_interpreted(result: Path) -> None:
    for query in ("acc_bobxx_0002", "acc_davex_0004", "acc_carol_0003"):
        code, out = _run(str(result), query)
        assert code == 0
        for bad in ("\x1b", "\x07", "\x00", "\u202e", "\u2066", "\x0b"):
            assert bad not in out, (query, repr(bad))
    _, out = _run(str(result), "acc_bobxx_0002")
    assert "[bold red]Bob[/]" in out and "[red]buy[/red]" in out  # rich markup printed literally
    assert "\\u202edlrow" in out and "\\x1b[2J" in out  # shown as visible escapes
    _, out = _run(str(result), "acc_davex_0004")
    assert "dave\\x00\\x07\\x1b[31mred" in out and "\\x1b]0;pwned\\x07" in out


def test_on_a_colour_terminal_only_rich_styles_reach_it(result: Path) -> None:
    res = Result(result)
    con = Console(force_terminal=True, color_system="truecolor", width=120, record=True)
    for acc in ("acc_bobxx_0002", "acc_davex_0004", "acc_carol_0003"):
        with con.capture() as cap:
            con.print(render(res.dossier("account", acc)))
        raw = cap.get()
        # every escape sequence is a style (SGR) set by rich itself; no title, no screen clear, no bell
        assert re.sub(r"\x1b\[[0-9;]*m", "", raw).count("\x1b") == 0
        assert "\x07" not in raw and "\u202e" not in raw


def test_visible() -> None:
    assert visible("a\x1bb\u202ec\nd😀").plain == "a\\x1bb\\u202ec\\x0ad😀"
    assert visible("[b]x[/b]").plain == "[b]x[/b]"
    assert visible(None).plain == "—"
