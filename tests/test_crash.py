"""Crashes and concurrent use: a build killed with SIGKILL at any moment leaves the previous graph
and store intact and usable; a second build on the same store waits or refuses; queries answer
while a build runs."""
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph
import pytest

from kg.store import Store

ROOT = Path(__file__).resolve().parent.parent


def _build(corpus, out, *extra, wait=True):
    cmd = [sys.executable, "-m", "kg", "build", str(corpus), "--out", str(out), "--no-views", "-q", *extra]
    if wait:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600)
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            start_new_session=True)


def _graph_state(out):
    """(sources in the store, triples in kg.ttl) — both must parse and agree with each other."""
    st = Store.open(out, read_only=True)
    try:
        sources = set(st.manifest())
        n_store = len({(q.subject, q.predicate, q.object) for q in st.quads()
                       if q.graph_name.value.startswith("https://w3id.org/rectkg/graph/")
                       and not q.graph_name.value.endswith(("/meta", "/analysis"))})
    finally:
        st.close()
    g = pyoxigraph.Store()
    g.bulk_load(path=str(out / "kg.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    return sources, n_store, len(g)


@pytest.mark.slow
def test_crash_sigkill_during_build_keeps_previous_graph(tmp_path, corpus_dir):
    rng = random.Random(7)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    names = sorted(p.name for p in corpus_dir.iterdir())
    for n in names[:2]:
        shutil.copy(corpus_dir / n, corpus / n)
    out = tmp_path / "out"
    assert _build(corpus, out).returncode == 0
    before = _graph_state(out)
    assert before[1] == before[2]  # store and kg.ttl agree
    for n in names[2:]:
        shutil.copy(corpus_dir / n, corpus / n)
    after_states = set()
    for attempt in range(6):
        p = _build(corpus, out, wait=False)
        time.sleep(rng.uniform(0.05, 2.5))
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        state = _graph_state(out)          # opens, parses, and store == kg.ttl after every kill
        assert state[1] == state[2], (attempt, state)
        assert state[0] <= set(names)
        after_states.add(frozenset(state[0]))
    r = _build(corpus, out)
    assert r.returncode == 0, r.stderr
    full = tmp_path / "full"
    assert _build(corpus, full).returncode == 0
    assert (out / "kg.ttl").read_bytes() == (full / "kg.ttl").read_bytes()


def test_crash_second_build_on_same_store_is_refused_with_a_message(tmp_path, corpus_dir):
    out = tmp_path / "out"
    assert _build(corpus_dir, out).returncode == 0
    st = Store.open(out)
    try:
        with st.writer(wait=0):
            r = _build(corpus_dir, out)
    finally:
        st.close()
    assert r.returncode != 0
    assert "another build" in (r.stderr + r.stdout) and "Traceback" not in r.stderr


def test_crash_queries_answer_while_a_build_runs(tmp_path, corpus_dir):
    out = tmp_path / "out"
    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_dir, corpus)
    assert _build(corpus, out).returncode == 0
    (corpus / "extra.txt").write_bytes((corpus_dir / "001_2b4c8fa6d4b795d8.txt").read_bytes() + "\n补充。".encode())
    p = _build(corpus, out, wait=False)
    answered = 0
    try:
        while p.poll() is None and answered < 50:
            st = Store.open(out, read_only=True)
            try:
                res = st.query("SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/rectkg/ontology#Report> }")
                assert int(res.column("n")[0]) >= 5
                answered += 1
            finally:
                st.close()
    finally:
        p.wait()
    assert p.returncode == 0
    assert answered >= 1
