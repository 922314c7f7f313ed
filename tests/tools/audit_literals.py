#!/usr/bin/env python3
"""List the Chinese words the extraction rules spell out, and where the sample texts have them.

    python tests/tools/audit_literals.py [--min 3] [--max-docs 55] [--module kg/extractors/people.py]

Every string literal in the extraction modules (kg/extractors/*.py, kg/structure.py,
kg/resolve.py, kg/zh.py, kg/normalise.py) is cut into runs of CJK characters (a regex's
character classes ``[…]`` are removed first, so 第[一二三]巡察组 gives 巡察组); each run of at
least ``--min`` characters is one row:

    docs  gold  place  module:line  word  (the texts that hold it, when at most two do)

- ``docs``: in how many of the 55 sample texts (tests/gold-web/*.txt, data/corpus/*.txt,
  normalised as the build does, so traditional pages count in simplified form) the word occurs;
- ``gold``: ``=`` the word is a gold value (an organisation, person, post, policy, team, target,
  round, category, issuer or problem title), ``<`` it is part of one, blank otherwise;
- ``place``: ``P`` when the gazetteer knows the word as a place (or it opens with one).

A word found in no text or in one text only, or one that is (part of) a gold value, is what a
reviewer reads by hand: it may be a rule cut to one document. Words that occur in many texts are
the genre's vocabulary. Rows are sorted by ``docs``, fewest first.
"""
from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from kg.normalise import normalise  # noqa: E402
from kg.zh import place_at  # noqa: E402

MODULES = sorted((ROOT / "kg" / "extractors").glob("*.py")) + [
    ROOT / "kg" / n for n in ("structure.py", "resolve.py", "zh.py", "normalise.py")]
TEXTS = sorted((ROOT / "tests" / "gold-web").glob("*.txt")) + sorted((ROOT / "data" / "corpus").glob("*.txt"))
GOLDS = sorted((ROOT / "tests" / "gold-web").glob("*.json")) + sorted((ROOT / "tests" / "gold").glob("*.json"))

_CLASS = re.compile(r"\[(?:\\.|[^\]\\])*\]")
_CJK = re.compile(r"[\u3400-\u9fff]+")


def literals(path: Path) -> list[tuple[int, str]]:
    """(line, string) of every string constant in a module, docstrings excluded."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docs.add(id(body[0].value))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            out.append((node.lineno, node.value))
    return out


def words(s: str, minimum: int) -> list[str]:
    """The CJK runs of at least ``minimum`` characters in a literal, regex classes removed."""
    return [w for w in _CJK.findall(_CLASS.sub(" ", s)) if len(w) >= minimum]


def gold_values() -> set[str]:
    vals: set[str] = set()

    def walk(x, key=None):
        if isinstance(x, dict):
            for k, v in x.items():
                if k not in ("doc", "genre", "status", "n", "phone", "email"):
                    walk(v, k)
        elif isinstance(x, list):
            for v in x:
                walk(v, key)
        elif isinstance(x, str) and _CJK.search(x):
            vals.add(x)

    for p in GOLDS:
        walk(json.loads(p.read_text(encoding="utf-8")))
    return vals


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--min", type=int, default=3, help="shortest CJK run listed (default 3)")
    ap.add_argument("--max-docs", type=int, default=55, help="list only words in at most this many texts")
    ap.add_argument("--module", action="append", help="only these modules (paths)")
    a = ap.parse_args(argv)
    texts = {p.name: normalise(p.read_text(encoding="utf-8"))[0] for p in TEXTS}
    gold = gold_values()
    mods = [ROOT / m for m in a.module] if a.module else MODULES
    rows = []
    seen: set[tuple[str, str]] = set()
    for path in mods:
        rel = path.relative_to(ROOT).as_posix()
        for line, s in literals(path):
            for w in words(s, a.min):
                if (rel, w) in seen:
                    continue
                seen.add((rel, w))
                hits = [n for n, t in texts.items() if w in t]
                if len(hits) > a.max_docs:
                    continue
                g = "=" if w in gold else "<" if any(w in v for v in gold) else " "
                pl = "P" if place_at(w, 0) else " "
                rows.append((len(hits), g, pl, f"{rel}:{line}", w, hits if len(hits) <= 2 else []))
    rows.sort(key=lambda r: (r[0], r[3], r[4]))
    for n, g, pl, where, w, hits in rows:
        print(f"{n:3d}  {g}  {pl}  {where:36s} {w}" + (f"   ({', '.join(hits)})" if hits else ""))
    print(f"# {len(rows)} words of >= {a.min} CJK characters in {len(mods)} modules; "
          f"{sum(1 for r in rows if r[0] == 0)} in no sample text, {sum(1 for r in rows if r[0] == 1)} "
          f"in exactly one, {sum(1 for r in rows if r[1] != ' ')} (part of) a gold value", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
