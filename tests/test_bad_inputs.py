"""The bad-input corpus (issue 6): every generated case meets its manifest.

The cases are written by tests/bad_inputs/make_cases.py into a temporary folder once per run.
Today the checks stop at ingest (read_source); full builds over the same folder come later.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import pytest

from kg.errors import IngestError
from kg.ingest import iter_sources, read_source

sys.path.insert(0, str(Path(__file__).parent / "bad_inputs"))
import make_cases  # noqa: E402


@pytest.fixture(scope="module")
def cases_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bad_inputs")
    make_cases.make_cases(out)
    yield out
    for case in json.loads((out / "manifest.json").read_text("utf-8")):
        if case.get("skip_if_readable"):
            (out / case["file"]).chmod(0o644)  # so that pytest can clean up


@pytest.fixture(scope="module")
def manifest(cases_dir) -> list[dict]:
    return json.loads((cases_dir / "manifest.json").read_text("utf-8"))


def _check(case: dict, folder: Path) -> str | None:
    """What is wrong with one case, or None."""
    path = folder / case["file"]
    try:
        raw = read_source(path)
    except IngestError as e:
        if case["expected"] != "error":
            return f"expected text, got IngestError: {e}"
        if case["message"] not in str(e):
            return f"error {str(e)!r} does not say {case['message']!r}"
        if path.name not in str(e):
            return f"error {str(e)!r} does not name the file"
        return None
    except Exception as e:  # anything else is a crash
        return f"crashed with {type(e).__name__}: {e}"
    if case["expected"] != "ok":
        return f"expected an error saying {case['message']!r}, got text ({raw.format}, {raw.encoding})"
    problems = []
    if not raw.text.strip():
        problems.append("empty text")
    if "contains" in case and case["contains"] not in raw.text:
        problems.append(f"text lacks {case['contains']!r}")
    if "absent" in case and case["absent"] in raw.text:
        problems.append(f"text has {case['absent']!r}")
    for key in ("format", "encoding", "title"):
        if key in case and getattr(raw, key) != case[key]:
            problems.append(f"{key} is {getattr(raw, key)!r}, not {case[key]!r}")
    if "warning" in case and not any(case["warning"] in w for w in raw.warnings):
        problems.append(f"no warning saying {case['warning']!r} in {raw.warnings}")
    if raw.sha256 != hashlib.sha256(path.read_bytes()).hexdigest():
        problems.append("sha256 is not that of the file's bytes")
    if "same_as" in case and raw.sha256 != read_source(folder / case["same_as"]).sha256:
        problems.append(f"not the same hash as {case['same_as']}")
    return "; ".join(problems) or None


def test_bad_inputs_manifest_has_enough_cases(manifest, cases_dir):
    assert len(manifest) >= 40
    assert len({c["file"] for c in manifest}) == len(manifest)
    for case in manifest:
        assert case["expected"] in ("ok", "error")
        assert case["expected"] == "ok" or case.get("message")
        assert os.path.lexists(cases_dir / case["file"]), case["file"]
    assert (cases_dir / "big_20mb.txt").stat().st_size >= 20_000_000


def test_bad_inputs_every_case_meets_its_manifest(manifest, cases_dir):
    failures = {}
    for case in manifest:
        if case.get("skip_if_readable"):
            continue  # see test_bad_inputs_unreadable_file
        problem = _check(case, cases_dir)
        if problem:
            failures[case["file"]] = problem
    assert failures == {}


def test_bad_inputs_unreadable_file(manifest, cases_dir):
    locked = [c for c in manifest if c.get("skip_if_readable")]
    assert locked
    for case in locked:
        if os.access(cases_dir / case["file"], os.R_OK):
            pytest.skip("running as root: chmod 000 does not stop root from reading")
        assert _check(case, cases_dir) is None


def test_bad_inputs_folder_walk_ends_and_names_each_file_once(manifest, cases_dir):
    """The folder holds a directory symlink loop; walking it ends, and nothing comes twice."""
    found = list(iter_sources([cases_dir]))
    rel = [p.relative_to(cases_dir).as_posix() for p in found]
    assert len(rel) == len(set(rel))
    assert not any("/loop/" in r for r in rel)
    expected = {c["file"] for c in manifest
                if Path(c["file"]).suffix.lower() in {".txt", ".text", ".htm", ".html", ".shtml", ".docx", ".pdf"}
                and not (cases_dir / c["file"]).is_dir()}
    assert set(rel) == expected


def test_bad_inputs_full_build_names_every_bad_file_and_builds_every_good_one(tmp_path):
    """`kg build` over the whole bad-input corpus: exit code 1, one clear line per bad file,
    no traceback, every good file in the store (or reported as a duplicate), kg.ttl written.

    The big report is 3 MB here to keep CI short; the 20 MB one is read by the ingest checks
    above, and a full build of it finishes (measured in the README's Guarantees)."""
    import subprocess

    from kg.store import Store

    cases_dir = tmp_path / "cases"
    cases_dir.mkdir()
    manifest = make_cases.make_cases(cases_dir, big_mb=3)
    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "kg", "build", str(cases_dir), "--out", str(out),
                        "--no-views", "--jobs", "2", "-q"], capture_output=True, text=True, cwd=root,
                       timeout=900)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("error: ")]
    for case in manifest:
        if (cases_dir / case["file"]).is_dir():
            continue  # a folder named .txt is walked when a folder is built (an error only given directly)
        if case["expected"] == "error" and not case.get("skip_if_readable"):
            named = [e for e in errors if f"/{case['file']}:" in e or f" {case['file']}:" in e]
            assert named, f"{case['file']} is not named in: {errors}"
            assert case["message"] in named[0], named[0]
    store = Store.open(out, read_only=True)
    try:
        built = set(store.manifest())
    finally:
        store.close()
    for case in manifest:
        if case["expected"] == "ok" and not case.get("skip_if_readable"):
            name = case["file"]  # a report is named by its path inside the folder built
            assert name in built or f"{name}: same bytes as" in r.stdout, name
    assert (out / "kg.ttl").stat().st_size > 0
