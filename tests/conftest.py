"""Shared fixtures: the sample corpus, its gold annotations, and one build of it per test session."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"
GOLD = ROOT / "tests" / "gold"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def gold() -> dict[str, dict]:
    """Gold annotations by document file name."""
    return {p.stem + ".txt": json.loads(p.read_text(encoding="utf-8")) for p in sorted(GOLD.glob("*.json"))}


@pytest.fixture(scope="session")
def built_corpus(tmp_path_factory) -> Path:
    """The out folder of one `kg build data/corpus` (views included), shared by the session's tests."""
    from kg.pipeline import build_corpus

    out = tmp_path_factory.mktemp("built") / "out"
    summary = build_corpus([CORPUS], out, write_views=True)
    assert not summary.failures, summary.failures
    return out


@pytest.fixture(scope="session")
def sample_graph(built_corpus):
    """The built kg.ttl parsed with rdflib (the API users know)."""
    import rdflib

    g = rdflib.Graph()
    g.parse(built_corpus / "kg.ttl", format="turtle")
    return g


@pytest.fixture()
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the sample corpus."""
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS, dst)
    return dst
