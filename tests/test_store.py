"""The on-disk store: replace/remove/manifest, the writer lock, readers during a build, SIGKILL."""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph, NamedNode, Quad

from handmade import report_a, report_b, versioned
from kg.errors import StoreError
from kg.store import Store

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent


def _graph_quads(store: Store, graph: str) -> set:
    return set(store.db.quads_for_pattern(None, None, None, NamedNode(graph)))


def _fill(out: Path, *reports) -> Store:
    store = Store.open(out)
    with store.writer():
        for rep in reports:
            store.replace_report(*rep)
    return store


def test_store_replace_and_manifest(tmp_path):
    a, b = report_a(), report_b()
    store = _fill(tmp_path, a, b)
    assert store.sources() == {a[0], b[0]}
    assert store.manifest()[a[0]] == {"sha256": a[1], "graph": a[2]}
    assert len(store) == len(set(a[3])) + len(set(b[3]))
    assert set(store.quads()) == set(a[3]) | set(b[3])
    assert _graph_quads(store, a[2]) == set(a[3])
    store.close()
    # reopened, read-only: the same state
    with Store.open(tmp_path, read_only=True) as ro:
        assert ro.manifest() == {a[0]: {"sha256": a[1], "graph": a[2]},
                                 b[0]: {"sha256": b[1], "graph": b[2]}}
        assert ro.graphs() == sorted([a[2], b[2]])


def test_store_replace_changed_report_drops_old_graph(tmp_path):
    a, b = report_a(), report_b()
    store = _fill(tmp_path, a, b)
    a2 = report_a("修订")
    assert a2[2] != a[2]
    with store.writer():
        store.replace_report(*a2)
        assert store.manifest()[a[0]]["graph"] == a2[2]  # the writer sees its own change
    assert store.graphs() == sorted([a2[2], b[2]])
    assert _graph_quads(store, a2[2]) == set(a2[3])
    assert not _graph_quads(store, a[2])
    assert store.manifest()[a[0]] == {"sha256": a2[1], "graph": a2[2]}
    assert _graph_quads(store, b[2]) == set(b[3])


def test_store_replace_same_graph_new_quads(tmp_path):
    src, sha, g, quads = report_a()
    store = _fill(tmp_path, (src, sha, g, quads))
    fewer = quads[: len(quads) // 2]
    with store.writer():
        store.replace_report(src, sha + "@new-code", g, fewer)
    assert _graph_quads(store, g) == set(fewer)
    assert store.manifest()[src]["sha256"] == sha + "@new-code"


def test_store_replace_twice_in_one_writer(tmp_path):
    """The second change of a report in one build replaces the first, buffered or not."""
    store = Store.open(tmp_path)
    src, sha, g, quads = report_a()
    a2 = report_a("二")
    with store.writer():
        store.replace_report(src, sha, g, quads)
        store.replace_report(src, sha + "@2", g, quads[:10])          # same graph, still buffered
        store.replace_report(*report_b())
        store.replace_report(*a2)                                       # another graph
        store.remove_report(report_b()[0])
        assert len(store) == len(set(a2[3]))
    assert store.graphs() == [a2[2]]
    assert set(store.quads()) == set(a2[3])
    assert store.manifest() == {src: {"sha256": a2[1], "graph": a2[2]}}


def test_store_replace_report_from_nquads_bytes(tmp_path):
    import pyoxigraph as ox

    a, b = report_a(), report_b()
    store = Store.open(tmp_path)
    with store.writer():
        store.replace_report(a[0], a[1], a[2], ox.serialize(a[3], format=ox.RdfFormat.N_QUADS))
        store.replace_report(*b)
    assert set(store.quads()) == set(a[3]) | set(b[3])
    stray = ox.serialize(b[3][:3], format=ox.RdfFormat.N_QUADS)
    with pytest.raises(StoreError, match="not in the report's graph"):
        store.replace_report(a[0], a[1], a[2], stray)
    assert set(store.quads()) == set(a[3]) | set(b[3])


def test_store_remove_report(tmp_path):
    a, b = report_a(), report_b()
    store = _fill(tmp_path, a, b)
    with store.writer():
        store.remove_report(a[0])
    assert store.sources() == {b[0]}
    assert store.graphs() == [b[2]]
    assert set(store.quads()) == set(b[3])
    with pytest.raises(StoreError, match="not in the store: nowhere.txt"):
        store.remove_report("nowhere.txt")


def test_store_duplicate_content_shares_a_graph(tmp_path):
    src, sha, g, quads = report_b()
    store = _fill(tmp_path, (src, sha, g, quads), ("copy of 乙市.txt", sha, g, quads))
    assert store.graphs() == [g]
    with store.writer():
        store.remove_report(src)
    assert store.graphs() == [g], "the copy still needs the graph"
    with store.writer():
        store.remove_report("copy of 乙市.txt")
    assert store.graphs() == [] and len(store) == 0


def test_store_rejects_quads_of_another_graph(tmp_path):
    src, sha, g, quads = report_b()
    stray = Quad(quads[0].subject, quads[0].predicate, quads[0].object, NamedNode(g + "x"))
    store = Store.open(tmp_path)
    with pytest.raises(StoreError, match="not the report's graph"):
        with store.writer():
            store.replace_report(src, sha, g, quads + [stray])
    assert store.sources() == set()


def test_store_exception_in_writer_changes_nothing(tmp_path):
    a, b = report_a(), report_b()
    store = _fill(tmp_path, a)
    gens_before = sorted(os.listdir(tmp_path / "gens"))
    with pytest.raises(RuntimeError):
        with store.writer():
            store.replace_report(*b)
            store.remove_report(a[0])
            raise RuntimeError("build failed")
    assert store.sources() == {a[0]}
    assert sorted(os.listdir(tmp_path / "gens")) == gens_before
    with Store.open(tmp_path, read_only=True) as ro:
        assert set(ro.quads()) == set(a[3])


def test_store_changes_need_the_writer_or_take_it(tmp_path):
    store = Store.open(tmp_path)
    store.replace_report(*report_b())  # outside writer(): one change, committed at once
    assert Store.open(tmp_path, read_only=True).sources() == {"乙市.txt"}
    with pytest.raises(StoreError, match="read-only"):
        with Store.open(tmp_path, read_only=True).writer():
            pass


def test_store_read_only_without_store_says_what_to_do(tmp_path):
    with pytest.raises(StoreError, match="kg build"):
        Store.open(tmp_path / "nothing", read_only=True)


def test_store_keeps_two_generations(tmp_path):
    store = Store.open(tmp_path)
    for i in range(4):
        with store.writer():
            store.replace_report(*versioned("a.txt", i, 3))
    assert sorted(os.listdir(tmp_path / "gens")) == ["gen-000003", "gen-000004"]
    # each generation carries its manifest; OUT/current switches, OUT/store follows through it
    assert all((tmp_path / "gens" / g / "manifest.json").is_file() for g in ("gen-000003", "gen-000004"))
    assert os.readlink(tmp_path / "current") == os.path.join("gens", "gen-000004")
    assert os.readlink(tmp_path / "store") == "current/store"


def test_store_a_writer_that_changes_nothing_makes_no_generation(tmp_path):
    store = _fill(tmp_path, report_b())
    before = sorted(os.listdir(tmp_path / "gens"))
    with store.writer():
        pass
    assert sorted(os.listdir(tmp_path / "gens")) == before


def test_store_outputs_written_into_the_target_switch_with_the_store(tmp_path):
    """Files a writer puts into the new generation appear as OUT/NAME at the switch, and a later
    generation without them takes their links away: OUT shows one generation's outputs."""
    store = _fill(tmp_path, report_b())
    with store.writer():
        store.replace_report(*report_a())
        (store.target / "kg.ttl").write_text("one", encoding="utf-8")
        (store.target / "views").mkdir()
        (store.target / "views" / "a.html").write_text("a", encoding="utf-8")
        assert not (tmp_path / "kg.ttl").exists()  # not before the switch
    assert (tmp_path / "kg.ttl").read_text(encoding="utf-8") == "one"
    assert (tmp_path / "views" / "a.html").read_text(encoding="utf-8") == "a"
    with store.writer():
        store.carry(["kg.ttl"])
        store.remove_report("甲县.txt")
    assert (tmp_path / "kg.ttl").read_text(encoding="utf-8") == "one"
    assert not os.path.lexists(tmp_path / "views")


def test_store_replace_graph_for_analysis(tmp_path):
    a = report_a()
    store = _fill(tmp_path, a)
    g = "https://w3id.org/rectkg/graph/analysis"
    with store.writer():
        store.replace_graph(g, [q.triple for q in a[3][:5]])
    assert store.sources() == {a[0]}
    assert len(_graph_quads(store, g)) == 5
    with store.writer():
        store.replace_graph(g, [q.triple for q in a[3][:2]])
    assert len(_graph_quads(store, g)) == 2
    with pytest.raises(StoreError, match="report's graph"):
        store.replace_graph(a[2], [])


def test_store_load_nquads_rebuilds_manifest(tmp_path):
    from kg.export import export_to_path

    a, b = report_a(), report_b()
    store = _fill(tmp_path / "one", a, b)
    export_to_path(store, "nquads", tmp_path / "shard.nq")
    other = Store.open(tmp_path / "two")
    assert other.load_nquads(tmp_path / "shard.nq") == len(store)
    assert other.manifest() == store.manifest()
    assert set(other.quads()) == set(store.quads())


def test_store_holds_no_bookkeeping_triples(tmp_path):
    """The manifest is the generation's manifest.json: users' queries see only data."""
    a, b = report_a(), report_b()
    store = _fill(tmp_path, a, b)
    assert not list(store.db.quads_for_pattern(None, None, None, DefaultGraph()))
    n = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0].value
    assert int(n) == len(set(a[3]) | set(b[3])) == len(store)
    data = json.loads((tmp_path / "current" / "manifest.json").read_text(encoding="utf-8"))
    assert data["reports"] == store.manifest()


def test_store_remove_cli_rewrites_kg_ttl(tmp_path):
    from click.testing import CliRunner

    from kg.cli import cli
    from kg.export import write_turtle

    a, b = report_a(), report_b()
    store = _fill(tmp_path, a, b)
    write_turtle(store, tmp_path / "kg.ttl")
    store.close()
    assert "甲县.txt" in (tmp_path / "kg.ttl").read_text(encoding="utf-8")
    runner = CliRunner()
    got = runner.invoke(cli, ["remove", "甲县.txt", "--out", str(tmp_path)])
    assert got.exit_code == 0, got.output
    assert "removed 1 report(s)" in got.output
    with Store.open(tmp_path, read_only=True) as st:
        assert st.sources() == {"乙市.txt"}
    text = (tmp_path / "kg.ttl").read_text(encoding="utf-8")
    assert "甲县.txt" not in text and "乙市.txt" in text
    got = runner.invoke(cli, ["remove", "甲县.txt", "--out", str(tmp_path)])
    assert got.exit_code == 1
    assert "not in the store: 甲县.txt" in got.output and "kg query reports" in got.output


# ---------------------------------------------------------------------------- other processes
HOLDER = textwrap.dedent("""
    import sys
    sys.path[:0] = [{root!r}, {tests!r}]
    from pathlib import Path
    from handmade import report_a
    from kg.store import Store
    store = Store.open(Path(sys.argv[1]))
    with store.writer():
        store.replace_report(*report_a("held"))   # written, not yet switched
        print("locked", flush=True)
        sys.stdin.readline()                      # hold until told
    print("released", flush=True)
""").format(root=str(ROOT), tests=str(TESTS))


def _holder(out: Path) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, "-c", HOLDER, str(out)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "locked"
    return p


def test_store_second_writer_refused_with_pid(tmp_path):
    _fill(tmp_path, report_b()).close()
    holder = _holder(tmp_path)
    try:
        store = Store.open(tmp_path)
        with pytest.raises(StoreError) as err:
            with store.writer(wait=0):
                pass
        assert f"another build (pid {holder.pid}) is writing" in str(err.value)
        assert "wait" in str(err.value)
        # in the same process, a second Store object is refused as well
        with pytest.raises(StoreError, match="another build"):
            with Store.open(tmp_path).writer(wait=0.2):
                pass
    finally:
        holder.communicate("go\n", timeout=60)


def test_store_second_writer_waits_for_the_first(tmp_path):
    _fill(tmp_path, report_b()).close()
    holder = _holder(tmp_path)
    release = threading.Timer(0.5, lambda: (holder.stdin.write("go\n"), holder.stdin.flush()))
    release.start()
    try:
        store = Store.open(tmp_path)
        with store.writer(wait=60):
            # the first build's change is visible: we waited for its switch
            assert store.manifest()["甲县.txt"]["graph"] == report_a("held")[2]
            store.replace_report(*report_a())
        assert store.manifest()["甲县.txt"]["graph"] == report_a()[2]
    finally:
        release.join()
        holder.communicate(timeout=60)
    assert holder.returncode == 0


def test_store_reader_during_a_build_sees_the_last_committed_state(tmp_path):
    b = report_b()
    _fill(tmp_path, b).close()
    holder = _holder(tmp_path)
    try:
        reader = Store.open(tmp_path, read_only=True)
        assert reader.sources() == {b[0]}
        assert set(reader.quads()) == set(b[3])
        result = reader.query("SELECT (COUNT(*) AS ?n) WHERE { ?p a rk:Problem }")
        assert result.rows[0][0].value == "2"
        assert not reader.is_stale()
    finally:
        holder.communicate("go\n", timeout=60)
    assert reader.is_stale()
    # still answers from its generation, then sees the build after reopening
    assert reader.sources() == {b[0]}
    reader.reopen()
    assert reader.sources() == {b[0], "甲县.txt"}


CRASHER = textwrap.dedent("""
    import random, sys
    sys.path[:0] = [{root!r}, {tests!r}]
    from pathlib import Path
    from handmade import versioned
    from kg.store import Store
    out, seed, start = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    rnd = random.Random(seed)
    store = Store.open(out)
    version = start
    print("started", flush=True)
    while True:
        with store.writer():
            for _ in range(rnd.randint(1, 3)):
                version += 1
                source = f"r{{rnd.randint(0, 4)}}.txt"
                if rnd.random() < 0.15 and source in store.sources():
                    store.remove_report(source)
                else:
                    store.replace_report(*versioned(source, version, rnd.randint(1, 120)))
""").format(root=str(ROOT), tests=str(TESTS))


def _check_consistent(out: Path) -> dict[str, int]:
    """Every report graph is exactly one version's quads and the manifest matches the graphs.

    Returns the version of each report."""
    try:
        store = Store.open(out, read_only=True)
    except StoreError:
        assert not (out / "store").exists(), "a store link exists but cannot be opened"
        return {}
    content = NamedNode("https://w3id.org/rectkg/ontology#content")
    problem = NamedNode("https://w3id.org/rectkg/ontology#Problem")
    rdf_type = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    versions = {}
    with store:
        manifest = store.manifest()
        assert sorted(e["graph"] for e in manifest.values()) == store.graphs()
        assert not list(store.db.quads_for_pattern(None, None, None, DefaultGraph()))
        for source, entry in manifest.items():
            g = NamedNode(entry["graph"])
            got = _graph_quads(store, entry["graph"])
            texts = [q.object.value for q in store.db.quads_for_pattern(None, content, None, g)]
            assert len(texts) == 1, f"{source}: no single rk:content, the graph is not whole"
            version = int(texts[0].rsplit(" v", 1)[1])
            size = sum(1 for _ in store.db.quads_for_pattern(None, rdf_type, problem, g))
            _, sha, graph, quads = versioned(source, version, size)
            assert (entry["sha256"], entry["graph"]) == (sha, graph)
            assert got == set(quads), f"{source}: graph is not one whole version"
            versions[source] = version
        return versions


def _kill_rounds(out: Path, rounds: int, seed: int) -> list[bool]:
    rnd = random.Random(seed)
    start = 0
    states = []
    for round_ in range(rounds):
        p = subprocess.Popen([sys.executable, "-c", CRASHER, str(out), str(seed + round_),
                              str(start)], stdout=subprocess.PIPE, text=True)
        assert p.stdout.readline().strip() == "started"
        try:
            p.wait(timeout=rnd.uniform(0.2, 2.5))
        except subprocess.TimeoutExpired:
            pass
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=60)
        assert p.returncode == -signal.SIGKILL, "the writer must still be running when killed"
        versions = _check_consistent(out)
        # did this round's writer commit anything before it was killed?
        states.append(any(v > start for s, v in versions.items() if s != "after-kill.txt"))
        start += 100_000
        # the next writer cleans up after the killed one and works
        store = Store.open(out)
        with store.writer(wait=10):
            store.replace_report(*versioned("after-kill.txt", start + round_, 2))
        store.close()
        _check_consistent(out)
        gens = os.listdir(out / "gens")
        assert len(gens) <= 2, gens
    return states


def test_store_survives_sigkill_at_random_moments(tmp_path):
    states = _kill_rounds(tmp_path, 3, 7)
    assert any(states), "nothing committed: the kills came too early to test much"


@pytest.mark.slow
def test_store_survives_many_sigkills(tmp_path):
    states = _kill_rounds(tmp_path, 12, 20240607)
    assert sum(states) >= 6, states


def test_store_to_memory_holds_every_quad_and_answers_like_the_store(tmp_path, corpus_dir):
    from kg.pipeline import build_corpus

    out = tmp_path / "out"
    build_corpus([corpus_dir], out, write_views=False)
    q = ("SELECT ?source ?problem WHERE { ?p a rk:Problem ; rk:status rk:InProgress ; "
         "rdfs:label ?problem ; rk:reportedIn ?r . ?r dcterms:source ?source } ORDER BY ?source ?problem")
    with Store.open(out, read_only=True) as store:
        mem = store.to_memory()
        assert set(mem.db) == set(store.db)
        assert mem.manifest() == store.manifest()
        on_disk = store.query(q).rows
        assert len(on_disk) > 10 and mem.query(q).rows == on_disk  # the union, as kg query


def test_store_manifest_file_torn_is_recovered_from_the_graphs(tmp_path):
    a = report_a()
    store = _fill(tmp_path, a)
    want = store.manifest()
    store.close()
    (tmp_path / "current" / "manifest.json").write_text("{not json", encoding="utf-8")
    with Store.open(tmp_path, read_only=True) as again:
        got = again.manifest()
    assert set(got) == set(want) and got[a[0]]["graph"] == want[a[0]]["graph"]


def _pieces_of_corpus(tmp_path: Path) -> list[tuple]:
    """(name, stamp, graph, FileSlice, extra) of each report of data/corpus, its N-Quads in a file."""
    from kg.pipeline import process_file
    from kg.store import FileSlice

    items = []
    for i, f in enumerate(sorted((ROOT / "data" / "corpus").iterdir())):
        r = process_file(f)
        own = b"".join(line + b"\n" for line in r.nquads.split(b"\n")
                       if line.endswith(f" <{r.graph}> .".encode()))
        (tmp_path / f"{i}.nq").write_bytes(own)
        items.append((r.source, r.sha256, r.graph, FileSlice(tmp_path / f"{i}.nq"), {}))
    return items


@pytest.mark.parametrize("call_bytes", [1, 300_000])
def test_store_a_load_cut_into_calls_holds_what_one_call_holds(tmp_path, call_bytes):
    items = _pieces_of_corpus(tmp_path)
    one = _fill(tmp_path / "one")
    with one.writer():
        one.stream_reports(iter(items))
    cut = _fill(tmp_path / "cut")
    with cut.writer():
        cut.stream_reports(iter(items), call_bytes=call_bytes)   # 1: a call a report
    assert len(one) > 10_000
    assert set(cut.quads()) == set(one.quads())
    assert cut.manifest() == one.manifest()
    one.close()
    cut.close()


@pytest.mark.parametrize("streams", [2, 3])
def test_store_loads_side_by_side_hold_what_one_load_holds(tmp_path, streams):
    import threading
    import time

    items = _pieces_of_corpus(tmp_path)
    shared = b"<https://w3id.org/rectkg/id/org/x> <http://www.w3.org/2004/02/skos/core#prefLabel> " \
             b'"x"@zh <https://w3id.org/rectkg/graph/shared> .\n'
    one = _fill(tmp_path / "one")
    with one.writer():
        one.stream_reports(iter(items + [(None, None, "https://w3id.org/rectkg/graph/shared",
                                          shared, None)]))
    takers = set()

    def slowly():   # as the build's queue hands them out: each stream takes some
        for item in items + [(None, None, "https://w3id.org/rectkg/graph/shared", shared, None)]:
            takers.add(threading.get_ident())
            time.sleep(0.05)
            yield item

    side = _fill(tmp_path / "side")
    with side.writer():
        side.stream_reports(slowly(), streams=streams)
    assert len(takers) >= 2, "the items were not shared out between the loads"
    assert len(one) > 10_000
    assert set(side.quads()) == set(one.quads())
    assert side.manifest() == one.manifest() and list(side.manifest()) == list(one.manifest())
    one.close()
    side.close()


@pytest.mark.parametrize("bad", ["syntax", "source"])
def test_store_loads_side_by_side_fail_with_the_cause_and_keep_nothing(tmp_path, bad):
    from kg.store import FileSlice

    items = _pieces_of_corpus(tmp_path)
    store = _fill(tmp_path / "out", report_a())
    before = set(store.quads())

    def failing():
        for i, item in enumerate(items):
            if i == 2 and bad == "syntax":
                (tmp_path / "bad.nq").write_bytes(b"<a> <b> this is not N-Quads .\n")
                item = (*item[:3], FileSlice(tmp_path / "bad.nq"), item[4])
            elif i == 2:
                raise ValueError("the source of items failed")
            yield item

    with pytest.raises(SyntaxError if bad == "syntax" else ValueError):
        with store.writer():
            store.stream_reports(failing(), streams=2)
    store.close()
    with Store.open(tmp_path / "out", read_only=True) as ro:
        assert set(ro.quads()) == before


@pytest.mark.parametrize("streams", [1, 2])
def test_store_a_load_stopped_between_its_calls_keeps_nothing(tmp_path, streams):
    from kg.store import _Chain

    items = _pieces_of_corpus(tmp_path)
    store = _fill(tmp_path / "out", report_a())
    before = set(store.quads())
    chain = _Chain([])

    def stopping():
        for i, item in enumerate(items):
            if i == 3:
                chain.stop = True   # as the build's Ctrl-C does, from another thread
            yield item

    with pytest.raises(KeyboardInterrupt):
        with store.writer():
            store.stream_reports(stopping(), chain=chain,
                                 **({"call_bytes": 1} if streams == 1 else {"streams": 2}))
    store.close()
    with Store.open(tmp_path / "out", read_only=True) as ro:
        assert set(ro.quads()) == before
