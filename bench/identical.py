"""Check that two source trees build byte-identical outputs from the same inputs.

    python bench/identical.py [--base COMMIT | --base-root DIR] [--new-root DIR] [--limit N] INPUT...

Each INPUT is a file or a folder (walked recursively; symlinks, FIFOs and other non-regular files
are left out). Both trees run ``kg.pipeline.process_file`` on every input, each in its own
subprocess with PYTHONPATH set to its root, and the results are compared per file: the N-Quads
lines (sorted: the order they are made in is not an output), the bytes of the report's piece
(``_build_piece``: its sorted .nq file and its kg.ttl part), stats, warnings and findings; a file
that raises a KgError must raise the same class with the same message in both. The first differences are printed; the exit status is 1 if any.

The base tree is ``git archive COMMIT`` of this repository (default: the branch's merge base with
main) unless ``--base-root`` names a folder; the new tree is this working tree unless
``--new-root`` names one. ``--limit N`` takes only the first N files of each folder input (in name
order), for a large generated corpus.
"""
from __future__ import annotations

import argparse
import difflib
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def input_files(inputs: list[str], limit: int | None) -> list[str]:
    """Regular files under the inputs, in name order (per input)."""
    out = []
    for arg in inputs:
        p = Path(arg)
        if p.is_file() and not p.is_symlink():
            out.append(str(p))
            continue
        found = []
        for root, dirs, files in os.walk(p):  # does not follow symlinked folders
            dirs.sort()
            for f in sorted(files):
                q = Path(root) / f
                if q.is_file() and not q.is_symlink():
                    found.append(str(q))
        out.extend(found[:limit] if limit else found)
    return out


# ----------------------------------------------------------------------------- the child's side
def dump(files: list[str], out: str, timeout: float) -> None:
    """In a child (PYTHONPATH = one tree): build each file and pickle what it gives."""
    import signal

    import shutil
    import tempfile

    from kg.errors import KgError
    from kg.pipeline import _build_piece, _Task, process_file

    def piece_bytes(f: str) -> tuple[bytes, bytes]:
        """The .nq and .ttlpart files the worker writes for ``f`` (their names hold a code hash)."""
        out = tempfile.mkdtemp(prefix="identical-piece-")
        try:
            _build_piece(_Task(f, Path(f).name, out, None))
            got = {q.suffix: q.read_bytes() for q in (Path(out) / "parts").iterdir()}
            return got.get(".nq", b""), got.get(".ttlpart", b"")
        finally:
            shutil.rmtree(out, ignore_errors=True)

    class Slow(Exception):
        pass

    def alarm(*_):
        raise Slow()

    signal.signal(signal.SIGALRM, alarm)
    results, spent = {}, 0.0
    for f in files:
        t = time.process_time()
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            r = process_file(Path(f))
            lines = b"\n".join(sorted(r.nquads.split(b"\n")))
            results[f] = ("ok", lines, r.stats, r.warnings, r.findings, piece_bytes(f))
        except KgError as e:
            results[f] = ("error", type(e).__name__, str(e))
        except Slow:
            results[f] = ("slow",)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        spent += time.process_time() - t
    with open(out, "wb") as fh:
        pickle.dump({"results": results, "cpu": spent}, fh)


# ---------------------------------------------------------------------------- the parent's side
def run_tree(root: Path, files: list[str], out: Path, timeout: float) -> subprocess.Popen:
    listing = out.with_suffix(".files")
    listing.write_text("\n".join(files), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(root), PYTHONHASHSEED="0")
    return subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child", str(listing),
                             str(out), str(timeout)], env=env, cwd=str(root))


def describe(a, b, limit: int = 12) -> list[str]:
    """Why results ``a`` (base) and ``b`` (new) of one file differ, as lines."""
    if a[0] != b[0] or a[0] != "ok":
        return [f"  base: {a[:3]!r}"[:400], f"  new:  {b[:3]!r}"[:400]]
    lines = []
    if a[1] != b[1]:
        diff = difflib.unified_diff(a[1].decode("utf-8", "replace").splitlines(),
                                    b[1].decode("utf-8", "replace").splitlines(), "base", "new", n=0, lineterm="")
        lines += ["  nquads differ:"] + ["    " + x[:300] for x in list(diff)[:limit]]
    for i, what in ((2, "stats"), (3, "warnings"), (4, "findings"), (5, "piece files")):
        if a[i] != b[i]:
            lines += [f"  {what} differ:", f"    base: {a[i]!r}"[:600], f"    new:  {b[i]!r}"[:600]]
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("--base", help="commit of this repository to compare against (default: merge base with main)")
    ap.add_argument("--base-root", type=Path, help="a source tree to use as the base instead of a commit")
    ap.add_argument("--new-root", type=Path, default=HERE, help="the tree under test (default: this one)")
    ap.add_argument("--limit", type=int, help="first N files of each folder input")
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="seconds per file; a file slow in both trees is reported and skipped")
    ap.add_argument("--show", type=int, default=5, help="how many differing files to print")
    args = ap.parse_args(argv)

    files = input_files(args.inputs, args.limit)
    with tempfile.TemporaryDirectory(prefix="identical-") as tmp:
        tmp = Path(tmp)
        base_root = args.base_root
        if base_root is None:
            commit = args.base or subprocess.check_output(
                ["git", "-C", str(HERE), "merge-base", "HEAD", "main"], text=True).strip()
            base_root = tmp / "base"
            base_root.mkdir()
            archive = subprocess.run(["git", "-C", str(HERE), "archive", commit],
                                     check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(base_root)], input=archive, check=True)
            print(f"base: {commit[:12]} (git archive)")
        else:
            print(f"base: {base_root}")
        print(f"new:  {args.new_root}")
        procs = [run_tree(base_root, files, tmp / "base.pickle", args.timeout),
                 run_tree(args.new_root, files, tmp / "new.pickle", args.timeout)]
        if any(p.wait() for p in procs):
            print("a tree's run failed (see above)")
            return 2
        base = pickle.loads((tmp / "base.pickle").read_bytes())
        new = pickle.loads((tmp / "new.pickle").read_bytes())

    differing, errors, slow = [], 0, 0
    for f in files:
        a, b = base["results"][f], new["results"][f]
        if a == b:
            errors += a[0] == "error"
            slow += a[0] == "slow"
        else:
            differing.append(f)
    for f in differing[:args.show]:
        print(f"DIFFERS {f}")
        print("\n".join(describe(base["results"][f], new["results"][f])))
    print(f"{len(files)} files: {len(files) - len(differing)} identical "
          f"({errors} raise the same error in both, {slow} slower than {args.timeout:g} s in both), "
          f"{len(differing)} differ; CPU base {base['cpu']:.1f} s, new {new['cpu']:.1f} s "
          f"({new['cpu'] / max(base['cpu'], 1e-9):.2f}×, each tree in its own process, same run)")
    return 1 if differing else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        dump(Path(sys.argv[2]).read_text("utf-8").split("\n"), sys.argv[3], float(sys.argv[4]))
    else:
        sys.exit(main())
