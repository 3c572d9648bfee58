"""``unmask export``: every format read back, hostile strings, pseudonymisation leaks, CLI, end to end."""

from __future__ import annotations

import csv
import json
import os
import re
import sqlite3
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from result_fixture import ACCOUNTS, HANDLES, IDS, make_result
from unmask.cli import cli
from unmask.export import FORMATS, ExportError, export, parse_formats
from unmask.export._pseudo import Pseudonymizer
from unmask.export._text import csv_guard, xml_clean, xml_escape

SALT = "test-salt-0123456789"


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_result(tmp_path_factory.mktemp("res") / "result")


@pytest.fixture(scope="module")
def plain(result: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plain") / "out"
    export(result, out, "all")
    return out


@pytest.fixture(scope="module")
def pseudo(result: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pseudo") / "out"
    export(result, out, "all", pseudonymize=True, salt=SALT)
    return out


def _graph_nodes(result: Path) -> set[str]:
    fused = pq.read_table(result / "fused.parquet")
    acc = pq.read_table(result / "accounts.parquet").to_pylist()
    return (set(fused.column("account_a").to_pylist()) | set(fused.column("account_b").to_pylist())
            | {a["account_id"] for a in acc if a["flagged"] or a["cluster_id"] is not None})


def test_parse_formats() -> None:
    assert parse_formats("all") == list(FORMATS)
    assert parse_formats("sqlite, GEXF") == ["gexf", "sqlite"]
    with pytest.raises(ExportError, match="unknown format"):
        parse_formats("gexf,pdf")


def test_every_format_written(plain: Path) -> None:
    for rel in ("graph.gexf", "graph.graphml", "gephi/nodes.csv", "gephi/edges.csv", "csv/accounts.csv",
                "parquet/edges.parquet", "summary.json", "unmask.db", "metadata.json", "evidence/index.json",
                "forensics/cluster_0/timezone.json"):
        assert (plain / rel).is_file(), rel


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_graph_reads_back_in_networkx(result: Path, plain: Path, fmt: str) -> None:
    g = nx.read_gexf(plain / "graph.gexf") if fmt == "gexf" else nx.read_graphml(plain / "graph.graphml")
    assert set(g.nodes) == _graph_nodes(result)
    acc = {a["account_id"]: a for a in pq.read_table(result / "accounts.parquet").to_pylist()}
    fused = pq.read_table(result / "fused.parquet").to_pylist()
    assert g.number_of_edges() == len(fused)
    for n, d in g.nodes(data=True):
        a = acc[n]
        assert d["cluster"] == (a["cluster_id"] if a["cluster_id"] is not None else -1)
        assert d["verdict"] == a["verdict"] and d["flagged"] is a["flagged"]
        assert d["score"] == pytest.approx(a["score"])
        assert d["handle"] == xml_clean(a["handle"])
        assert d.get("operator_offset") == a["operator_offset"]
        assert d["degree"] == g.degree(n)
    for f in fused:
        e = g.get_edge_data(f["account_a"], f["account_b"])
        e = e[next(iter(e))] if fmt == "gexf" and isinstance(g, nx.MultiGraph) else e
        assert e["weight"] == pytest.approx(f["weight"])
        assert e["signals"] == ",".join(f["signals"]) and e["n_shared"] == f["n_shared"]
        assert e["best_q"] == pytest.approx(f["best_q"])


def test_graph_files_are_strict_xml_with_gephi_declarations(plain: Path) -> None:
    gexf = ET.parse(plain / "graph.gexf").getroot()
    ns = {"g": "http://gexf.net/1.3"}
    assert gexf.get("version") == "1.3"
    types = {a.get("title"): a.get("type") for a in gexf.iterfind(".//g:attributes/g:attribute", ns)}
    assert types == {"cluster": "integer", "verdict": "string", "score": "double", "flagged": "boolean",
                     "handle": "string", "operator_offset": "double", "degree": "integer", "signals": "string",
                     "n_shared": "long", "best_q": "double"}
    gm = ET.parse(plain / "graph.graphml").getroot()
    keys = {(k.get("for"), k.get("attr.name")): k.get("attr.type")
            for k in gm.iterfind("{http://graphml.graphdrawing.org/xmlns}key")}
    assert keys[("node", "label")] == "string" and keys[("edge", "weight")] == "double"
    assert keys[("node", "flagged")] == "boolean" and keys[("node", "cluster")] == "int"
    labels = {n.get("label") for n in gexf.iterfind(".//g:node", ns)}
    assert "bob<script>&\"'x" in labels and "carol\u202eevil" in labels and "emoji😀fan" in labels
    assert "dave\ufffd\ufffd\ufffd[31mred" in labels  # NUL, BEL, ESC are not XML 1.0: replaced
    assert b"\x00" not in (plain / "graph.gexf").read_bytes()


def test_xml_escape_rules() -> None:
    assert xml_escape("a<&>\"'\tb\n\x00\x1b\ufffe") == "a&lt;&amp;&gt;&quot;&apos;&#9;b&#10;\ufffd\ufffd\ufffd"
    # a value with tab/newline survives attribute-value normalisation
    el = ET.fromstring('<x a="' + xml_escape("one\ttwo\nthree") + '"/>')
    assert el.get("a") == "one\ttwo\nthree"


def test_gephi_csv(result: Path, plain: Path) -> None:
    with open(plain / "gephi" / "nodes.csv", encoding="utf-8", newline="") as fh:
        nodes = list(csv.DictReader(fh))
    with open(plain / "gephi" / "edges.csv", encoding="utf-8", newline="") as fh:
        edges = list(csv.DictReader(fh))
    assert list(nodes[0])[:2] == ["Id", "Label"] and {"cluster", "verdict", "score", "handle", "degree"} <= set(nodes[0])
    assert list(edges[0])[:4] == ["Source", "Target", "Weight", "Type"]
    assert {n["Id"] for n in nodes} == _graph_nodes(result)
    assert {e["Type"] for e in edges} == {"Undirected"}
    assert next(n for n in nodes if n["Id"] == "acc_davex_0004")["Label"] == "dave\ufffd\ufffd\ufffd[31mred"
    assert len(edges) == pq.read_metadata(result / "fused.parquet").num_rows


def test_csv_tables_json_lists_and_formula_guard(result: Path, plain: Path) -> None:
    names = {p.stem for p in (plain / "csv").glob("*.csv")}
    assert {"accounts", "clusters", "edges", "fused", "campaigns", "evidence_index", "forensics_timezone",
            "forensics_timezone_hour_weekday"} <= names
    with open(plain / "csv" / "accounts.csv", encoding="utf-8", newline="") as fh:
        rows = {r["account_id"]: r for r in csv.DictReader(fh)}
    assert json.loads(rows["acc_alice_0001"]["reasons"])[0].startswith("reposted 37")
    assert rows["acc_alice_0001"]["created_at"] == "2024-02-04T10:00:00.000000Z"
    assert rows["acc_carol_0003"]["location"] == "'=2+3"  # a spreadsheet would run =2+3
    with open(plain / "csv" / "edges.csv", encoding="utf-8", newline="") as fh:
        ev = json.loads(next(csv.DictReader(fh))["evidence"])
    assert set(ev[0]) == {"object", "at_a", "at_b"}
    assert csv_guard(pa.array(["=1", "+1", "-1", "@x", "ok", None])).to_pylist() == ["'=1", "'+1", "'-1", "'@x", "ok",
                                                                                     None]


def test_parquet_tables_equal_the_result(result: Path, plain: Path) -> None:
    for name, rel in (("accounts", "accounts.parquet"), ("edges", "edges.parquet"), ("clusters", "clusters.parquet")):
        assert pq.read_table(plain / "parquet" / f"{name}.parquet").equals(pq.read_table(result / rel))
    fx = pq.read_table(plain / "parquet" / "forensics_timezone.parquet")
    assert fx.column_names[0] == "cluster_id" and set(fx.column("cluster_id").to_pylist()) == {0}


def test_sqlite_for_datasette(result: Path, plain: Path) -> None:
    con = sqlite3.connect(plain / "unmask.db")
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"accounts", "clusters", "edges", "fused", "campaigns", "evidence_index", "dossiers", "summary",
            "forensics_timezone"} <= tables
    assert con.execute("SELECT count(*) FROM accounts").fetchone()[0] == len(ACCOUNTS)
    idx = {r[0] for r in con.execute("SELECT tbl_name || '.' || sql FROM sqlite_master WHERE type = 'index'")}
    assert any(i.startswith("accounts.") and "account_id" in i for i in idx)
    assert any(i.startswith("edges.") and "account_a" in i for i in idx)
    assert any(i.startswith("accounts.") and "cluster_id" in i for i in idx)
    members = json.loads(con.execute("SELECT members FROM clusters WHERE cluster_id = 0").fetchone()[0])
    assert members == IDS[:3]
    n = con.execute("SELECT count(*) FROM clusters, json_each(clusters.members)").fetchone()[0]
    assert n == 7
    assert con.execute("SELECT flagged FROM accounts WHERE account_id = 'acc_alice_0001'").fetchone()[0] == 1
    handle = con.execute("SELECT handle FROM accounts WHERE account_id = 'acc_davex_0004'").fetchone()[0]
    assert handle == "dave\x00\x07\x1b[31mred"  # stored as it is; SQLite text needs no cleaning
    doss = json.loads(con.execute("SELECT json FROM dossiers WHERE kind = 'account' AND id = 'acc_bobxx_0002'")
                      .fetchone()[0])
    assert doss["handle"] == "bob<script>&\"'x"
    meta = json.loads((plain / "metadata.json").read_text())
    assert "accounts" in meta["databases"]["unmask"]["tables"]
    assert meta["databases"]["unmask"]["tables"]["accounts"]["facets"][0] == "verdict"
    queries = meta["databases"]["unmask"]["queries"]
    assert set(queries) == {"flagged_accounts", "partners", "clusters"}
    flagged = con.execute(queries["flagged_accounts"]["sql"]).fetchall()
    assert [r[0] for r in flagged] == ["acc_alice_0001", "acc_bobxx_0002", "acc_carol_0003"]
    partners = con.execute(queries["partners"]["sql"], {"account_id": "acc_alice_0001"}).fetchall()
    assert {r[0] for r in partners} == {"acc_bobxx_0002", "acc_carol_0003"}
    assert con.execute(queries["clusters"]["sql"]).fetchone()[0] == 0


def test_json_summary_and_dossiers(result: Path, plain: Path) -> None:
    s = json.loads((plain / "summary.json").read_text())
    assert s["counts"]["accounts"] == len(ACCOUNTS) and s["counts"]["flagged"] == 3
    assert s["counts"]["clusters"] == 2 and s["result"]["threshold"] == 0.8
    assert s["export"]["pseudonymized"] is False
    index = json.loads((plain / "evidence" / "index.json").read_text())
    assert len(index) == len(pq.read_table(result / "evidence" / "index.parquet"))
    for x in index:
        d = json.loads((plain / x["path"]).read_text())
        assert str(d.get("account_id", d.get("cluster_id"))) == x["id"]


# -- pseudonymisation -----------------------------------------------------------------------------


def _texts(path: Path) -> list[str]:
    """Every way a string can sit in ``path``: decoded bytes, Parquet values, SQLite cells."""
    if path.suffix == ".parquet":
        return [json.dumps(pq.read_table(path).to_pylist(), ensure_ascii=False, default=str)]
    out = [path.read_bytes().decode("utf-8", "replace")]
    if path.suffix == ".db":
        con = sqlite3.connect(path)
        for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            out.append(json.dumps(con.execute(f'SELECT * FROM "{t}"').fetchall(), ensure_ascii=False, default=str))
        con.close()
    return out


def _forms(s: str) -> set[str]:
    return {s, xml_clean(s), xml_escape(s), json.dumps(s)[1:-1], json.dumps(s, ensure_ascii=False)[1:-1]}


def test_pseudonymized_output_leaks_no_id_or_handle(pseudo: Path) -> None:
    secrets = [(s, False) for s in IDS] + [(h, True) for h in HANDLES]
    secrets += [(a[3], False) for a in ACCOUNTS if a[3]]  # display names
    files = [p for p in pseudo.rglob("*") if p.is_file()]
    assert len(files) > 20
    for p in files:
        for text in _texts(p):
            low = text.lower()
            for s, fold in secrets:
                for f in _forms(s):
                    assert (f.lower() not in low) if fold else (f not in text), f"{s!r} found in {p}"
            assert SALT not in text


def test_pseudonyms_consistent_everywhere(pseudo: Path) -> None:
    pz = Pseudonymizer(SALT, [], [])
    alice, bob = pz.hash("id", "acc_alice_0001", "u_"), pz.hash("id", "acc_bobxx_0002", "u_")
    h_alice = pz.hash("handle", "aliceops", "h_")
    g = nx.read_gexf(pseudo / "graph.gexf")
    assert g.nodes[alice]["handle"] == h_alice and g.nodes[alice]["label"] == h_alice
    nx.read_graphml(pseudo / "graph.graphml")
    acc = pq.read_table(pseudo / "parquet" / "accounts.parquet").to_pylist()
    assert {a["account_id"] for a in acc} == {pz.hash("id", i, "u_") for i in IDS}
    assert next(a for a in acc if a["account_id"] == bob)["reasons"][0].endswith(f"with @{h_alice} (q < 1e-6)")
    members = pq.read_table(pseudo / "parquet" / "clusters.parquet").column("members").to_pylist()
    assert members[0][:2] == [alice, bob]
    doss = json.loads((pseudo / "evidence" / "accounts" / f"{bob}.json").read_text())
    assert doss["account_id"] == bob and doss["partners"][0]["account_id"] == alice
    assert doss["partners"][0]["handle"] == h_alice
    assert doss["sample_posts"][0]["text"].startswith(f"RT @{h_alice}:")
    assert doss["sample_posts"][0]["post_id"].startswith("p_")
    ev = doss["partners"][0]["signals"][0]["evidence"][0]["object"]
    assert ev == f"https://x.com/{h_alice}/status/1000"
    con = sqlite3.connect(pseudo / "unmask.db")
    assert con.execute("SELECT count(*) FROM fused WHERE account_a = ? OR account_b = ?", (alice, alice)).fetchone()[0] == 2
    summ = json.loads((pseudo / "summary.json").read_text())
    assert summ["result"]["top_accounts"] == [alice, bob] and summ["export"]["pseudonymized"] is True
    assert summ["result"]["dataset"] == pz.hash("path", "/data/x", "f_")


def test_same_salt_same_pseudonyms_random_salt_private(result: Path, pseudo: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    export(result, again, "gephi-csv,parquet", pseudonymize=True, salt=SALT)
    assert (again / "gephi" / "nodes.csv").read_bytes() == (pseudo / "gephi" / "nodes.csv").read_bytes()
    other = tmp_path / "other"
    rep = export(result, other, "gephi-csv", pseudonymize=True)
    assert rep.salt_file == tmp_path / "other.salt" and not rep.salt_file.is_relative_to(other)
    assert stat.S_IMODE(os.stat(rep.salt_file).st_mode) == 0o600
    salt = rep.salt_file.read_text().strip()
    assert len(salt) == 64
    assert (other / "gephi" / "nodes.csv").read_bytes() != (pseudo / "gephi" / "nodes.csv").read_bytes()
    assert all(salt not in p.read_text(encoding="utf-8") for p in other.rglob("*.csv"))
    with pytest.raises(ExportError, match="not empty"):
        export(result, other, "gexf", pseudonymize=True)


def test_pseudonymizer_text_rules() -> None:
    pz = Pseudonymizer("s", ["12345678", "did:plc:abc"], ["Alice", "bob", "x<y", "carol.bsky.social", "twitter"])
    a, b = pz.hash("handle", "alice", "h_"), pz.hash("handle", "bob", "h_")
    assert pz.text("@ALICE and @bob said bob") == f"@{a} and @{b} said bob"  # bare short words are kept
    assert pz.text("Alice, see https://x.com/alice/status/1") == f"{a}, see https://x.com/{a}/status/1"
    assert pz.text("user 12345678 and did:plc:abc") == (f"user {pz.hash('id', '12345678', 'u_')} and "
                                                       f"{pz.hash('id', 'did:plc:abc', 'u_')}")
    assert pz.text("hi @x<y!") == f"hi @{pz.hash('handle', 'x<y', 'h_')}!"
    assert pz.text("hi @carol.bsky.social.") == f"hi @{pz.hash('handle', 'carol.bsky.social', 'h_')}."
    assert pz.value("twitter", "platform") == "twitter" and pz.value("twitter", "handle") != "twitter"


# -- CLI and robustness ---------------------------------------------------------------------------


def test_cli_export(result: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["export", str(result), "-o", str(tmp_path / "o"), "--format", "gexf,sqlite", "--json"])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output)
    assert set(rep["formats"]) == {"gexf", "sqlite"} and rep["formats"]["gexf"]["bytes"] > 0
    r = CliRunner().invoke(cli, ["export", str(result), "-o", str(tmp_path / "p"), "--format", "pdf"])
    assert r.exit_code == 2 and "unknown format" in r.output
    r = CliRunner().invoke(cli, ["export", str(tmp_path), "-o", str(tmp_path / "q")])
    assert r.exit_code == 1 and "not a result directory" in r.output
    r = CliRunner().invoke(cli, ["export", str(result), "-o", str(tmp_path / "s"), "--pseudonymize", "--format", "csv"])
    assert r.exit_code == 0 and (tmp_path / "s.salt").is_file()
    r = CliRunner().invoke(cli, ["export", str(result), "-o", str(tmp_path / "t"), "--salt", "x"])
    assert r.exit_code == 2 and "--salt goes with --pseudonymize" in r.output
    env = {"UNMASK_SALT": SALT}
    r = CliRunner().invoke(cli, ["export", str(result), "-o", str(tmp_path / "u"), "--pseudonymize", "--format",
                                 "gephi-csv"], env=env)
    assert r.exit_code == 0 and not (tmp_path / "u.salt").exists()
    pz = Pseudonymizer(SALT, [], [])
    assert pz.hash("id", "acc_alice_0001", "u_") in (tmp_path / "u" / "gephi" / "nodes.csv").read_text()
    r = CliRunner().invoke(cli, ["export", str(result), "-o", str(tmp_path / "v"), "--format", "gexf"], env=env)
    assert r.exit_code == 0 and "acc_alice_0001" in (tmp_path / "v" / "graph.gexf").read_text()


def test_result_with_only_accounts_and_fused(result: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    bare.mkdir()
    for f in ("accounts.parquet", "fused.parquet"):
        (bare / f).write_bytes((result / f).read_bytes())
    rep = export(bare, tmp_path / "o", "all")
    assert "clusters.parquet" in rep.missing and "summary.json" in rep.missing
    assert nx.read_gexf(tmp_path / "o" / "graph.gexf").number_of_nodes() == len(_graph_nodes(result))
    assert {p.stem for p in (tmp_path / "o" / "csv").glob("*.csv")} == {"accounts", "fused"}


def test_empty_graph(result: Path, tmp_path: Path) -> None:
    bare = tmp_path / "empty"
    bare.mkdir()
    acc = pq.read_table(result / "accounts.parquet")
    pq.write_table(acc.filter(pa.compute.equal(acc.column("verdict"), "no_finding")), bare / "accounts.parquet")
    export(bare, tmp_path / "o", "gexf,graphml,gephi-csv,sqlite")
    assert nx.read_gexf(tmp_path / "o" / "graph.gexf").number_of_nodes() == 0
    assert nx.read_graphml(tmp_path / "o" / "graph.graphml").number_of_nodes() == 0


# -- end to end -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_end_to_end_simulated_world(tmp_path: Path) -> None:
    detect_mod = pytest.importorskip("unmask.detect")
    if not hasattr(detect_mod, "detect"):
        pytest.skip("unmask.detect.detect is not there yet")
    from unmask.simulate import simulate

    sim = simulate(tmp_path / "world", seed=0, scale=0.1, profile="small")
    res = tmp_path / "result"
    detect_mod.detect(sim.out_dir / "dataset", res)
    out = tmp_path / "export"
    rep = export(res, out, "all")
    assert not rep.missing, rep.missing
    acc = pq.read_table(res / "accounts.parquet")
    expected = _graph_nodes(res)
    byid = {a["account_id"]: a for a in acc.to_pylist()}
    for g in (nx.read_gexf(out / "graph.gexf"), nx.read_graphml(out / "graph.graphml")):
        assert set(g.nodes) == expected
        assert g.number_of_edges() == pq.read_metadata(res / "fused.parquet").num_rows
        for n, d in g.nodes(data=True):
            assert d["verdict"] == byid[n]["verdict"] and d["flagged"] is byid[n]["flagged"]
            assert d["cluster"] == (byid[n]["cluster_id"] if byid[n]["cluster_id"] is not None else -1)
    con = sqlite3.connect(out / "unmask.db")
    assert con.execute("SELECT count(*) FROM accounts").fetchone()[0] == acc.num_rows
    assert con.execute("SELECT count(*) FROM accounts WHERE flagged = 1").fetchone()[0] == \
        sum(a["flagged"] for a in byid.values())
    n_doss = con.execute("SELECT count(*) FROM dossiers WHERE kind = 'account'").fetchone()[0]
    assert n_doss >= sum(a["flagged"] for a in byid.values())
    top = max((a for a in byid.values() if a["flagged"]), key=lambda a: a["score"])
    r = CliRunner().invoke(cli, ["explain", str(res), top["handle"].upper()])
    assert r.exit_code == 0 and top["account_id"] in r.output and top["verdict"] in r.output, r.output
    r = CliRunner().invoke(cli, ["explain", str(res), top["account_id"], "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["account_id"] == top["account_id"]
    ps = tmp_path / "export_p"
    export(res, ps, "all", pseudonymize=True, salt=SALT)
    g = nx.read_gexf(ps / "graph.gexf")
    assert len(g) == len(expected) and not (set(g.nodes) & expected)
    ids = set(acc.column("account_id").to_pylist())
    handles = {h.lower() for h in acc.column("handle").to_pylist() if h}
    names = {n for n in acc.column("display_name").to_pylist() if n and len(n) >= 6}
    for p in ps.rglob("*"):
        if p.is_file() and p.suffix in (".gexf", ".graphml", ".csv", ".json"):
            text = p.read_text(encoding="utf-8")
            tokens = set(re.findall(r"\w+", text))
            leaked = (tokens & ids) | {t for t in tokens if t.lower() in handles} | {n for n in names if n in text}
            assert not leaked, (p, sorted(leaked)[:5])


# -- any string at all ----------------------------------------------------------------------------


class _Graph:
    """The part of :class:`unmask.export.Source` the graph writers read."""

    def __init__(self, handles: list[str]) -> None:
        n = len(handles)
        ids = [f"{i}:{h}" for i, h in enumerate(handles)]
        self.graph = (
            pa.table({"id": ids, "label": handles, "cluster": [0] * n, "verdict": ["no_finding"] * n,
                      "score": [0.5] * n, "flagged": [False] * n, "handle": handles,
                      "operator_offset": pa.array([None] * n, pa.float64()), "degree": [1] * n}),
            pa.table({"source": ids[:1], "target": ids[-1:], "weight": [1.0], "signals": [handles[0]],
                      "n_shared": [1], "best_q": [None]}, schema=pa.schema([
                          ("source", pa.string()), ("target", pa.string()), ("weight", pa.float64()),
                          ("signals", pa.string()), ("n_shared", pa.int64()), ("best_q", pa.float64())])),
        )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(), min_size=1, max_size=5))
def test_any_handle_gives_valid_graph_files(tmp_path: Path, handles: list[str]) -> None:
    from unmask.export import gexf, graphml

    src = _Graph(handles)
    gexf.write(src, tmp_path)
    graphml.write(src, tmp_path)
    for g in (nx.read_gexf(tmp_path / "graph.gexf"), nx.read_graphml(tmp_path / "graph.graphml")):
        got = {n: d["handle"] for n, d in g.nodes(data=True)}
        assert got == {xml_clean(f"{i}:{h}"): xml_clean(h) for i, h in enumerate(handles)}
