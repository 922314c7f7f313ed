"""Nothing a user does loses, hides or contradicts their graph (issue 11).

Every test here runs `kg` as a user types it: a subprocess, relative paths, from the folder the
user is in, commands one after another on the same out/.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"
NAMES = sorted(p.name for p in CORPUS.iterdir())


def kg(*args, cwd, check=True, timeout=600):
    r = subprocess.run([sys.executable, "-m", "kg", *map(str, args)], cwd=cwd, capture_output=True,
                       text=True, timeout=timeout)
    assert "Traceback" not in r.stderr, r.stderr
    if check:
        assert r.returncode == 0, (args, r.stdout, r.stderr)
    return r


def state(out: Path) -> dict:
    """What a user can see of out/, each route read on its own: the store (kg query), kg.ttl,
    `kg export --format nquads`, nquads/, and the reports the manifest lists."""
    from kg.store import Store

    with Store.open(out, read_only=True) as st:
        store_quads = set(st.quads())
        names = set(st.sources())
        n_query = int(st.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0].value)
    ttl = {q.triple for q in ox.parse(path=str(out / "kg.ttl"), format=ox.RdfFormat.TURTLE)}
    nq = set()
    for f in (out / "nquads").glob("*.nq"):
        nq |= set(ox.parse(path=str(f), format=ox.RdfFormat.N_QUADS))
    return {"store": store_quads, "names": names, "count": n_query, "ttl": ttl, "nquads": nq}


def check_agrees(out: Path, names: set[str] | None = None) -> dict:
    s = state(out)
    triples = {q.triple for q in s["store"]}
    assert s["count"] == len(s["store"]) == len(triples), "a triple is in two graphs"
    assert s["ttl"] == triples, "kg.ttl and the store disagree"
    assert s["nquads"] == s["store"], "nquads/ and the store disagree"
    if names is not None:
        assert s["names"] == names
    # no link leads to an entity the graph no longer has (a removed report's problems …)
    typed = {q.subject for q in s["store"] if q.predicate.value.endswith("#type")}
    dangling = {q.object for q in s["store"] if isinstance(q.object, ox.NamedNode)
                and q.object.value.startswith("https://w3id.org/rectkg/id/") and q.object not in typed}
    assert not dangling, sorted(dangling)[:3]
    # SKOS: one prefLabel per language, however many reports named the entity, and how
    pref = [(q.subject, q.object.language) for q in s["store"]
            if q.predicate.value.endswith("core#prefLabel")]
    assert len(pref) == len(set(pref)), "an entity has two skos:prefLabel in one language"
    # the answer tables (kg.answers) say what SPARQL over the whole store says
    from kg.query import answer_from_table, resolve_query, tabled
    from kg.store import Store

    with Store.open(out, read_only=True) as st:
        for name in tabled(kinds=("report", "part", "whole")):
            table = answer_from_table(st.generation_dir, name)
            want = st.query(resolve_query(name)[0]).rows
            if table is None and name == "recurring-problems" and want:
                continue   # the pairs of an analysis: SPARQL answers
            assert table is not None and table.rows == want, name
    return s


@pytest.fixture()
def user(tmp_path):
    """A user's folder: data/corpus holds the sample reports."""
    (tmp_path / "data").mkdir()
    shutil.copytree(CORPUS, tmp_path / "data" / "corpus")
    return tmp_path


# ---------------------------------------------------------------------------- relative paths
def test_outdir_quick_start_then_every_writer_with_a_relative_out(user):
    """The README's quick start, then analyze --write-back, remove, a rebuild with one more file,
    from the folder and from a subfolder: nothing is lost, every route agrees after each."""
    kg("build", "data/corpus", "--out", "out/", cwd=user)
    check_agrees(user / "out", set(NAMES))
    r = kg("analyze", "--write-back", "--out", "out/", cwd=user)
    assert "== write_back ==" in r.stdout
    s = check_agrees(user / "out", set(NAMES))
    assert any("similarTo" in q.predicate.value for q in s["store"])
    r = kg("remove", "003_d9623f3b0403799a.txt", "--out", "out/", cwd=user)
    assert "removed 1 report(s)" in r.stdout
    check_agrees(user / "out", set(NAMES) - {"003_d9623f3b0403799a.txt"})
    extra = user / "data" / "corpus" / "extra.txt"
    extra.write_bytes((CORPUS / NAMES[1]).read_bytes() + "\n补充。".encode())
    sub = user / "elsewhere"
    sub.mkdir()
    r = kg("build", "../data/corpus", "--out", "../out", cwd=sub)
    assert "built 2 report(s)" in r.stdout  # extra.txt and the removed report, back
    check_agrees(user / "out", set(NAMES) | {"extra.txt"})
    r = kg("build", "data/corpus", "--out", "out", cwd=user)
    assert "built 0 report(s), skipped 6 unchanged" in r.stdout
    assert len(os.listdir(user / "out" / "gens")) <= 2


def test_outdir_out_given_through_a_symbolic_link(user, tmp_path_factory):
    real = tmp_path_factory.mktemp("elsewhere") / "real-out"
    real.mkdir()
    (user / "out").symlink_to(real)
    kg("build", "data/corpus", "--out", "out/", "--no-views", cwd=user)
    kg("remove", NAMES[0], "--out", "out", cwd=user)
    kg("build", "data/corpus", "--out", "out/", "--no-views", cwd=user)
    check_agrees(user / "out", set(NAMES))
    assert (real / "current").is_symlink() and (user / "out").is_symlink()


# ---------------------------------------------------------------------------- names
def test_outdir_files_of_the_same_name_in_different_folders_are_different_reports(tmp_path):
    dup = tmp_path / "dup"
    for year, src in (("2021", NAMES[3]), ("2022", NAMES[4])):
        (dup / year).mkdir(parents=True)
        shutil.copy(CORPUS / src, dup / year / "通报.txt")
    r = kg("build", "dup", "--out", "out", "--no-views", cwd=tmp_path)
    assert "built 2 report(s)" in r.stdout
    s = check_agrees(tmp_path / "out", {"2021/通报.txt", "2022/通报.txt"})
    sources = {q.object.value for q in s["store"] if q.predicate.value.endswith("/source")}
    assert sources == {"2021/通报.txt", "2022/通报.txt"}  # dcterms:source is the path inside dup/
    kg("remove", "2021/通报.txt", "--out", "out", cwd=tmp_path)   # as `kg query reports` lists it
    kg("remove", "dup/2022/通报.txt", "--out", "out", cwd=tmp_path)  # or the path the user sees
    check_agrees(tmp_path / "out", set())


def test_outdir_two_inputs_whose_names_collide_are_refused_not_merged(tmp_path):
    for d, src in (("a", NAMES[3]), ("b", NAMES[4])):
        (tmp_path / d).mkdir()
        shutil.copy(CORPUS / src, tmp_path / d / "x.txt")
    r = kg("build", "a", "b", "--out", "out", "--no-views", cwd=tmp_path, check=False)
    assert r.returncode == 1
    assert "x.txt" in r.stderr and "same name" in r.stderr
    check_agrees(tmp_path / "out", {"x.txt"})


def test_outdir_bare_file_names_stay_bare(tmp_path):
    shutil.copy(CORPUS / NAMES[3], tmp_path / NAMES[3])
    kg("build", NAMES[3], "--out", "out", "--no-views", cwd=tmp_path)
    check_agrees(tmp_path / "out", {NAMES[3]})


# ---------------------------------------------------------------------------- remove, analysis
def test_outdir_remove_leaves_no_dangling_link_and_no_page(user):
    kg("build", "data/corpus", "--out", "out", cwd=user)
    kg("analyze", "--write-back", "--out", "out", cwd=user)
    out = user / "out"
    with_groups = _reports_in_analysis(out)
    assert with_groups, "the sample corpus has recurring problems across reports"
    gone = sorted(with_groups)[0]
    key = _key(out, gone)
    assert (out / "views" / f"report-{key}.html").is_file()
    kg("remove", gone, "--out", "out", cwd=user)
    r = kg("validate", "--out", "out", cwd=user)
    assert "conforms" in r.stdout
    check_agrees(out, set(NAMES) - {gone})
    assert not (out / "views" / f"report-{key}.html").exists()
    assert not (out / "nquads" / f"{key}.nq").exists()
    assert gone not in (out / "index.html").read_text(encoding="utf-8")
    assert gone not in _reports_in_analysis(out)


def _key(out: Path, name: str) -> str:
    data = json.loads((out / "current" / "manifest.json").read_text(encoding="utf-8"))
    return data["reports"][name]["graph"].rsplit("/", 1)[1]


def _reports_in_analysis(out: Path) -> set[str]:
    from kg.store import Store

    with Store.open(out, read_only=True) as st:
        got = st.query("SELECT DISTINCT ?src WHERE { GRAPH <https://w3id.org/rectkg/graph/analysis> "
                       "{ ?p rk:similarTo ?q } ?p rk:reportedIn ?r . ?r dcterms:source ?src }")
    return {row[0].value for row in got.rows}


def test_outdir_a_build_after_the_analysis_recomputes_it(user):
    kg("build", "data/corpus", "--out", "out", "--no-views", cwd=user)
    kg("analyze", "--write-back", "--out", "out", cwd=user)
    before = _reports_in_analysis(user / "out")
    (user / "data" / "corpus" / sorted(before)[0]).unlink()
    kg("build", "data/corpus", "--out", "out", "--no-views", "--prune", cwd=user)
    after = _reports_in_analysis(user / "out")
    assert sorted(before)[0] not in after
    kg("validate", "--out", "out", cwd=user)
    check_agrees(user / "out")


# ---------------------------------------------------------------------------- counts by route
def test_outdir_counts_are_the_same_by_every_route(built_corpus):
    """`kg query`, kg.ttl in rdflib, `kg export --format nquads`: the same triples, the same
    organisations (the Virtuoso route: tests/test_push.py)."""
    import rdflib

    q_all = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    q_org = ("PREFIX org: <http://www.w3.org/ns/org#> "
             "SELECT (COUNT(?o) AS ?n) WHERE { ?o a org:Organization }")
    counts = []
    for q in (q_all, q_org):
        r = kg("query", q, "--out", built_corpus, "--format", "csv", cwd=ROOT)
        counts.append(int(r.stdout.splitlines()[1]))
    g = rdflib.Graph()
    g.parse(built_corpus / "kg.ttl", format="turtle")
    assert [int(next(iter(g.query(q)))[0]) for q in (q_all, q_org)] == counts
    r = subprocess.run([sys.executable, "-m", "kg", "export", "--format", "nquads", "--out",
                        str(built_corpus)], capture_output=True, cwd=ROOT, check=True)
    assert len(set(r.stdout.splitlines())) == counts[0]


def test_outdir_to_memory_answers_the_readmes_query(built_corpus):
    from kg.store import Store

    q = ("SELECT ?source ?problem WHERE { ?p a rk:Problem ; rk:status rk:InProgress ; "
         "rdfs:label ?problem ; rk:reportedIn ?r . ?r dcterms:source ?source }")
    with Store.open(built_corpus, read_only=True) as st:
        assert len(st.to_memory().query(q).rows) == len(st.query(q).rows) > 10


# ---------------------------------------------------------------------------- other inputs, prune
def test_outdir_building_another_corpus_into_out_says_it_kept_the_first(tmp_path):
    for d, names in (("one", NAMES[:2]), ("two", NAMES[2:4])):
        (tmp_path / d).mkdir()
        for n in names:
            shutil.copy(CORPUS / n, tmp_path / d / n)
    kg("build", "one", "--out", "out", "--no-views", cwd=tmp_path)
    r = kg("build", "two", "--out", "out", "--no-views", cwd=tmp_path)
    assert "already held 2 report(s) from other inputs; kept them — use --prune" in r.stdout
    check_agrees(tmp_path / "out", set(NAMES[:4]))
    r = kg("build", "two", "--out", "out", "--no-views", "--prune", cwd=tmp_path)
    assert "removed 2" in r.stdout
    check_agrees(tmp_path / "out", set(NAMES[2:4]))


def _without_dac(cmd: list[str]) -> list[str] | None:
    """``cmd`` run as root without the capabilities that let root read any folder, so that a
    chmod-000 folder is really unreadable (None when setpriv cannot do that here)."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0:
        return cmd
    if setpriv is None:
        return None
    probe = subprocess.run([setpriv, "--bounding-set=-dac_override,-dac_read_search", "true"],
                           capture_output=True)
    if probe.returncode != 0:
        return None
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", *cmd]


def test_outdir_an_unreadable_folder_with_prune_removes_nothing_under_it(tmp_path):
    corpus = tmp_path / "c"
    for i, n in enumerate(NAMES[:4]):
        (corpus / f"s{i % 2}").mkdir(parents=True, exist_ok=True)
        shutil.copy(CORPUS / n, corpus / f"s{i % 2}" / n)
    kg("build", "c", "--out", "out", "--no-views", cwd=tmp_path)
    before = check_agrees(tmp_path / "out")["names"]
    assert len(before) == 4
    cmd = _without_dac([sys.executable, "-m", "kg", "build", "c", "--out", "out", "--no-views",
                        "--prune"])
    if cmd is None:
        pytest.skip("running as root and setpriv cannot drop the capability to read any folder")
    os.chmod(corpus / "s1", 0)
    try:
        r = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    finally:
        os.chmod(corpus / "s1", 0o755)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "s1" in r.stderr and "cannot list the folder" in r.stderr
    assert "removed 0" in r.stdout
    check_agrees(tmp_path / "out", before)


def test_outdir_prune_keeps_a_copy_of_a_report_whose_original_is_gone(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(CORPUS / NAMES[3], corpus / "a.txt")
    kg("build", "c", "--out", "out", "--no-views", cwd=tmp_path)
    shutil.copy(corpus / "a.txt", corpus / "b.txt")
    r = kg("build", "c", "--out", "out", "--no-views", cwd=tmp_path)
    assert "b.txt: same bytes as a.txt" in r.stdout
    (corpus / "a.txt").unlink()
    r = kg("build", "c", "--out", "out", "--no-views", "--prune", cwd=tmp_path)
    check_agrees(tmp_path / "out", {"b.txt"})
    r = kg("build", "c", "--out", "out", "--no-views", "--prune", cwd=tmp_path)
    assert "built 0 report(s), skipped 1 unchanged, removed 0" in r.stdout


# ---------------------------------------------------------------------------- interrupts
def _corpus_of(n: int, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"r{i:02d}.txt").write_bytes((CORPUS / NAMES[i % 5]).read_bytes()
                                              + f"\n补充说明第{i}条。".encode())
    return folder


def _outputs(out: Path) -> dict:
    """Every output a user opens, by content: kg.ttl, nquads/, the store's quads, the pages."""
    s = check_agrees(out)
    pages = {p.relative_to(out / "current").as_posix()
             for p in (out / "current").rglob("*.html")}
    return {"ttl": (out / "kg.ttl").read_bytes(), "store": s["store"], "names": s["names"],
            "nquads": sorted(p.name for p in (out / "nquads").iterdir()), "pages": pages}


@pytest.mark.parametrize("trial", range(4))
def test_outdir_ctrl_c_during_a_parallel_build_ends_it_promptly(tmp_path, trial):
    corpus = _corpus_of(16, tmp_path / "c")
    if trial % 2:   # an incremental build half the time
        first = _corpus_of(6, tmp_path / "first")
        kg("build", first, "--out", "out", cwd=tmp_path)
        shutil.rmtree(first)
        shutil.move(str(corpus), str(first))
        corpus = first
    before = _outputs(tmp_path / "out") if (tmp_path / "out" / "current").exists() else None
    p = subprocess.Popen([sys.executable, "-m", "kg", "build", "c" if trial % 2 == 0 else "first",
                          "--out", "out", "-j", "2", "-q"], cwd=tmp_path, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(random.Random(trial).uniform(0.3, 4.0))
    os.killpg(p.pid, signal.SIGINT)   # as a terminal's Ctrl-C: the whole process group
    t = time.monotonic()
    out, err = p.communicate(timeout=30)
    assert time.monotonic() - t < 15, "Ctrl-C did not end the build promptly"
    assert "Traceback" not in err, err
    if p.returncode == 130:
        assert "interrupted" in err and len(err.strip().splitlines()) == 1, err
        now = _outputs(tmp_path / "out") if (tmp_path / "out" / "current").exists() else None
        if "nothing was saved" in err:
            assert now == before
    else:
        assert p.returncode == 0, err  # it had finished before the signal came
    r = kg("build", corpus.name, "--out", "out", cwd=tmp_path)  # the lock is free
    clean = tmp_path / "clean"
    kg("build", corpus.name, "--out", clean, cwd=tmp_path)
    assert _outputs(tmp_path / "out") == _outputs(clean)


# ---------------------------------------------------------------------------- kills
@pytest.mark.slow
def test_outdir_sigkill_at_random_moments_of_an_incremental_build_then_a_build_repairs(tmp_path):
    rng = random.Random(11)
    corpus = _corpus_of(6, tmp_path / "c")
    kg("build", "c", "--out", "out", cwd=tmp_path)
    _corpus_of(14, corpus)
    (corpus / "r00.txt").unlink()
    for attempt in range(6):
        p = subprocess.Popen([sys.executable, "-m", "kg", "build", "c", "--out", "out", "-j", "2",
                              "-q", "--prune"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.2, 6.0))
        sig = signal.SIGKILL if attempt % 2 == 0 else signal.SIGTERM
        os.killpg(p.pid, sig)
        p.wait(timeout=60)
        check_agrees(tmp_path / "out")   # opens, parses, agrees after every kill
    kg("build", "c", "--out", "out", "--prune", cwd=tmp_path)
    kg("build", "c", "--out", "clean", cwd=tmp_path)
    assert _outputs(tmp_path / "out") == _outputs(tmp_path / "clean")
    leftovers = [p for p in (tmp_path / "out").rglob("*") if p.name.endswith(".tmp")]
    assert not leftovers, leftovers


# ---------------------------------------------------------------------------- full disk, read-only
def _mount(args: list[str]) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@pytest.fixture()
def small_disk(tmp_path):
    target = tmp_path / "disk"
    target.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None or \
            not _mount(["-t", "tmpfs", "-o", "size=10m", "tmpfs", str(target)]):
        pytest.skip("cannot mount a small tmpfs here (needs root and mount)")
    yield target
    subprocess.run(["umount", "-l", str(target)], capture_output=True)


def test_outdir_a_full_disk_is_said_and_the_next_build_repairs(small_disk, tmp_path):
    corpus = _corpus_of(3, tmp_path / "c")
    kg("build", corpus, "--out", small_disk / "out", "--no-views", cwd=tmp_path)
    before = _outputs(small_disk / "out")
    _corpus_of(8, corpus)
    r = kg("build", corpus, "--out", small_disk / "out", cwd=tmp_path, check=False)
    assert r.returncode != 0
    assert "disk is full" in r.stderr + r.stdout and "previous build is intact" in r.stderr + r.stdout
    assert _outputs(small_disk / "out") == before
    assert _mount(["-o", "remount,size=64m", str(small_disk)])
    kg("build", corpus, "--out", small_disk / "out", cwd=tmp_path)
    kg("build", corpus, "--out", tmp_path / "clean", cwd=tmp_path)
    assert _outputs(small_disk / "out") == _outputs(tmp_path / "clean")


def test_outdir_a_disk_full_at_the_answer_tables_is_said_and_the_next_build_repairs(
        small_disk, tmp_path, monkeypatch):
    """The disk fills up just as the build writes answers.sqlite (kg.answers): the build ends in
    the store's message (what happened, what is intact), not a traceback, leaves the previous
    build as it was, and the next build with space finishes the work."""
    from kg import answers
    from kg.errors import StoreError
    from kg.pipeline import build_corpus

    # room for both builds: the disk is full only once the filler has run (at 10 MB the second
    # build's own store could fill it first, before the tables, depending on what runs when)
    assert _mount(["-o", "remount,size=32m", str(small_disk)])
    corpus = _corpus_of(3, tmp_path / "c")
    out = small_disk / "out"
    kg("build", corpus, "--out", out, "--no-views", cwd=tmp_path)
    before = _outputs(out)
    _corpus_of(5, corpus)
    real, seen = answers._update, []

    def fill_then_update(target_db, *args):
        # the real tables step, on a disk that a filler has just made full, to its last page,
        # once the store's load beside it is done (a load failing for want of space frees what it
        # had written: the tables could then find room)
        for t in threading.enumerate():
            if t.name.startswith("kg-store-load"):
                t.join()
        with open(small_disk / "filler", "wb", buffering=0) as f:   # (nothing left to flush)
            for size in (65536, 4096, 1):
                try:
                    while True:
                        f.write(b"\0" * size)
                except OSError:
                    pass
        seen.append(target_db)
        return real(target_db, *args)

    monkeypatch.setattr(answers, "_update", fill_then_update)
    with pytest.raises(StoreError) as e:
        build_corpus([corpus], out, write_views=False)
    assert seen, "the build did not reach the answer tables"
    assert "disk is full" in str(e.value) and "previous build is intact" in str(e.value)
    assert "answer tables" in str(e.value)
    monkeypatch.setattr(answers, "_update", real)
    (small_disk / "filler").unlink()
    assert _outputs(out) == before
    assert not list(out.rglob("*answers.sqlite*tmp")) and not list(out.rglob("*-journal"))
    assert _mount(["-o", "remount,size=64m", str(small_disk)])   # the build's pieces are kept
    kg("build", corpus, "--out", out, "--no-views", cwd=tmp_path)
    kg("build", corpus, "--out", tmp_path / "clean", "--no-views", cwd=tmp_path)
    assert _outputs(out) == _outputs(tmp_path / "clean")


def test_outdir_an_sqlite_full_database_is_said_as_a_full_disk(tmp_path):
    """SQLite says a full disk as its own error (SQLITE_FULL), not an OSError: the answer tables
    map it to ENOSPC, so the message is the store's."""
    import errno
    import sqlite3

    from kg.answers import _os_error

    con = sqlite3.connect(str(tmp_path / "x.sqlite"))
    con.execute("CREATE TABLE t (x TEXT)")
    con.execute("PRAGMA max_page_count = 3")   # a database that cannot grow: SQLITE_FULL
    with pytest.raises(sqlite3.Error) as e:
        con.executemany("INSERT INTO t VALUES (?)", [("x" * 4000,)] * 10)
    assert _os_error(e.value).errno == errno.ENOSPC


def test_outdir_a_read_only_out_is_said_and_left_as_it_was(tmp_path):
    corpus = _corpus_of(3, tmp_path / "c")
    out = tmp_path / "out"
    kg("build", corpus, "--out", out, "--no-views", cwd=tmp_path)
    before = _outputs(out)
    if os.geteuid() != 0 or not _mount(["--bind", str(out), str(out)]):
        pytest.skip("cannot bind-mount here (needs root and mount)")
    try:
        if not _mount(["-o", "remount,bind,ro", str(out)]):
            pytest.skip("cannot remount read-only here")
        _corpus_of(5, corpus)
        r = kg("build", corpus, "--out", out, cwd=tmp_path, check=False)
        assert r.returncode != 0
        assert "read-only" in r.stderr and "intact" in r.stderr, r.stderr
        r = kg("query", "reports", "--out", out, cwd=tmp_path)   # reading still works
        assert before == _outputs(out)
    finally:
        subprocess.run(["umount", "-l", str(out)], capture_output=True)


# ---------------------------------------------------------------------------- an older out/
def test_outdir_an_output_folder_of_the_older_layout_is_read_and_converted(tmp_path):
    """rectkg before generations: OUT/store → store.gens/gen-N, the manifest in the store's
    default graph, shared entities repeated in each report graph, kg.ttl a plain file."""
    from kg.pipeline import process_file
    from kg.vocab import SHARED_GRAPH_IRI

    out = tmp_path / "out"
    gen = out / "store.gens" / "gen-000003"
    gen.parent.mkdir(parents=True)
    db = ox.Store(str(gen))
    names = NAMES[:3]
    meta = "https://w3id.org/rectkg/store#"
    for n in names:
        r = process_file(CORPUS / n)
        old = r.nquads.replace(f"<{SHARED_GRAPH_IRI}>".encode(), f"<{r.graph}>".encode())
        db.bulk_load(old, format=ox.RdfFormat.N_QUADS)
        e = ox.NamedNode("https://w3id.org/rectkg/store/source/" + n)
        db.add(ox.Quad(e, ox.NamedNode(meta + "source"), ox.Literal(n)))
        db.add(ox.Quad(e, ox.NamedNode(meta + "sha256"), ox.Literal(r.sha256 + "@old")))
        db.add(ox.Quad(e, ox.NamedNode(meta + "graph"), ox.NamedNode(r.graph)))
    db.flush()
    del db
    (out / "store").symlink_to(os.path.join("store.gens", "gen-000003"))
    (out / "kg.ttl").write_text("# old\n", encoding="utf-8")
    (out / "views").mkdir()
    # read as it is
    r = kg("query", "reports", "--out", "out", "--format", "csv", cwd=tmp_path)
    assert len(r.stdout.strip().splitlines()) == 4
    # converted by the first writer: one of the reports removed, the others kept
    kg("remove", names[0], "--out", "out", cwd=tmp_path)
    s = check_agrees(out, set(names[1:]))
    assert not (out / "store.gens").exists() and (out / "kg.ttl").is_symlink()
    clean = tmp_path / "c"
    clean.mkdir()
    for n in names[1:]:
        shutil.copy(CORPUS / n, clean / n)
    kg("build", "c", "--out", "fresh", "--no-views", cwd=tmp_path)
    assert s["store"] == state(tmp_path / "fresh")["store"]


# ---------------------------------------------------------------------------- random sequences
from hypothesis import HealthCheck, settings, strategies as st  # noqa: E402
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule  # noqa: E402


def kg_here(*args, cwd):
    """`kg ARGS` run in this process from ``cwd`` (as the shell would, but without starting
    Python again: the random sequences below run hundreds of commands)."""
    import contextlib

    from click.testing import CliRunner

    from kg.cli import cli

    with contextlib.chdir(cwd):
        r = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert r.exit_code == 0, (args, r.output)
    return r


class OutFolder(RuleBasedStateMachine):
    """Random sequences of builds (files added, changed, deleted; --prune or not), removes,
    analyses and queries, with relative or absolute --out from different working directories.
    After every step every route agrees and OUT holds the reports the inputs say; at the end the
    graph equals a fresh build of the final inputs."""

    def __init__(self):
        super().__init__()
        import tempfile

        self.home = Path(tempfile.mkdtemp(prefix="kg-outfolder-"))
        self.corpus = self.home / "in" / "c"
        self.corpus.mkdir(parents=True)
        (self.home / "sub").mkdir()
        self.files: dict[str, bytes] = {}   # what the input folder holds
        self.names: set[str] = set()        # the reports OUT should hold
        self.analysed = False
        self.version = 0

    def teardown(self):
        shutil.rmtree(self.home, ignore_errors=True)

    def _out(self, relative: bool, where: str) -> tuple[Path, str]:
        cwd = self.home if where == "home" else self.home / "sub"
        if not relative:
            return cwd, str(self.home / "out")
        return cwd, "out" if where == "home" else "../out"

    def _input(self, cwd: Path) -> str:
        return "in/c" if cwd == self.home else "../in/c"

    @rule(i=st.integers(0, 5), sub=st.booleans())
    def add_or_change(self, i, sub):
        self.version += 1
        name = f"{'d/' if sub else ''}r{i}.txt"
        path = self.corpus / name
        path.parent.mkdir(exist_ok=True)
        data = (CORPUS / NAMES[i % 5]).read_bytes() + f"\n{name} 第{self.version}版。".encode()
        path.write_bytes(data)
        self.files[name] = data

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def delete(self, data):
        name = data.draw(st.sampled_from(sorted(self.files)))
        (self.corpus / name).unlink()
        del self.files[name]

    @rule(prune=st.booleans(), relative=st.booleans(), where=st.sampled_from(["home", "sub"]),
          views=st.booleans())
    def build(self, prune, relative, where, views):
        cwd, out = self._out(relative, where)
        args = ["build", self._input(cwd), "--out", out, "-q"] + (["--prune"] if prune else []) \
            + ([] if views else ["--no-views"])
        kg_here(*args, cwd=cwd)
        self.names = set(self.files) if prune else self.names | set(self.files)

    @precondition(lambda self: self.names)
    @rule(data=st.data(), relative=st.booleans(), where=st.sampled_from(["home", "sub"]))
    def remove(self, data, relative, where):
        name = data.draw(st.sampled_from(sorted(self.names)))
        cwd, out = self._out(relative, where)
        kg_here("remove", name, "--out", out, cwd=cwd)
        self.names.discard(name)

    @precondition(lambda self: self.names)
    @rule(relative=st.booleans())
    def analyze(self, relative):
        cwd, out = self._out(relative, "home")
        kg_here("analyze", "--write-back", "--out", out, cwd=cwd)
        self.analysed = True

    @invariant()
    def every_route_agrees(self):
        out = self.home / "out"
        if not (out / "current").exists():
            return
        s = check_agrees(out, self.names)
        if self.analysed:  # the analysis is the one the current reports give
            from kg import analyse
            from kg.store import Store

            with Store.open(out, read_only=True) as st:
                groups = analyse.recurring_problems(analyse.problems(st.db))
            want = {ox.Triple(*t) for t in analyse.analysis_quads(groups)}
            got = {q.triple for q in s["store"] if q.graph_name.value.endswith("/analysis")}
            assert got == want
        r = kg_here("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--out", out,
                    "--format", "csv", cwd=self.home)
        assert int(r.stdout.splitlines()[1]) == len(state(out)["store"])

    def check_final(self):
        """A last build with --prune equals a fresh build of the final inputs (the analysis
        recomputed alike)."""
        if not self.files:
            return
        kg_here("build", "in/c", "--out", "out", "--prune", "-q", cwd=self.home)
        kg_here("build", "in/c", "--out", "fresh", "-q", cwd=self.home)
        if self.analysed:
            kg_here("analyze", "--write-back", "--out", "fresh", cwd=self.home)
        a, b = state(self.home / "out"), state(self.home / "fresh")
        assert a["store"] == b["store"]
        assert (self.home / "out" / "kg.ttl").read_bytes() == (self.home / "fresh" / "kg.ttl").read_bytes()


class _Final(OutFolder):
    def teardown(self):
        try:
            self.check_final()
        finally:
            super().teardown()


_Final.TestCase.settings = settings(max_examples=8, stateful_step_count=10, deadline=None,
                                    suppress_health_check=list(HealthCheck))
test_outdir_random_sequences_of_commands_keep_out_whole = pytest.mark.slow(_Final.TestCase)


def test_outdir_the_load_is_shaped_by_its_size_unless_told(tmp_path, monkeypatch):
    """By default a small load runs as two side by side and a large one in calls near
    _LARGE_LOAD_MEMORY_MB; --load-memory 0 is one unbounded load whatever the size. All of them
    build the same outputs (the sizes are lowered here so that six reports count as large)."""
    import kg.pipeline as pipeline
    from kg.store import Store, load_call_bytes

    corpus = _corpus_of(6, tmp_path / "c")
    seen = []
    real = Store.stream_reports

    def spy(self, items, **kw):
        seen.append((kw.get("streams", 1), kw.get("call_bytes")))
        return real(self, items, **kw)

    monkeypatch.setattr(Store, "stream_reports", spy)
    pipeline.build_corpus([corpus], tmp_path / "small", write_views=False)
    assert seen[-1] == (2 if pipeline.default_jobs() > 1 else 1, None)
    monkeypatch.setattr(pipeline, "_TWO_STREAMS_MAX_QUADS", 0)
    monkeypatch.setattr(pipeline, "_LARGE_LOAD_MEMORY_MB", 1)   # calls of 64 KB: several
    pipeline.build_corpus([corpus], tmp_path / "large", write_views=False)
    assert seen[-1] == (1, load_call_bytes(1))
    pipeline.build_corpus([corpus], tmp_path / "unbounded", write_views=False, load_memory_mb=0)
    assert seen[-1] == (1, None)
    assert _outputs(tmp_path / "large") == _outputs(tmp_path / "small") == \
        _outputs(tmp_path / "unbounded")


def test_outdir_a_load_cut_by_load_memory_builds_what_one_call_builds(tmp_path):
    # --load-memory 1: the store's load in calls of ~200 KB (a call a report, about); 0: one call
    corpus = _corpus_of(6, tmp_path / "c")
    kg("build", "c", "--out", "one", "--load-memory", "0", "--no-views", cwd=tmp_path)
    kg("build", "c", "--out", "cut", "--load-memory", "1", "--no-views", cwd=tmp_path)
    assert _outputs(tmp_path / "cut") == _outputs(tmp_path / "one")
    # and an incremental build after a change, cut the same way
    (corpus / "r00.txt").write_bytes((corpus / "r01.txt").read_bytes() + "又及。".encode())
    for out, mb in (("one", "0"), ("cut", "1")):
        kg("build", "c", "--out", out, "--load-memory", mb, "--no-views", cwd=tmp_path)
    assert _outputs(tmp_path / "cut") == _outputs(tmp_path / "one")
