"""The extractor registry: each extractor says what it reads and what it writes.

Extractors are plain functions ``(doc) -> None`` that read ``doc.facts[...]`` keys they require
and set the keys they assign. Built-ins are listed in :data:`BUILTINS` and loaded lazily by name;
an unknown name is answered with the valid ones, and an order that reads a fact before it is
written is refused before anything runs.

>>> plan(["problems", "metadata"])
Traceback (most recent call last):
...
kg.errors.ExtractorError: extractor 'problems' requires 'meta', which no extractor before it assigns; put metadata first (default order: metadata, inspection, counts, problems, measures, deadlines, responsibility, policies, organisations, people, contacts, quantities, concepts, consistency)
>>> [e.name for e in plan(["metadata", "inspection"])]
['metadata', 'inspection']
>>> get("nonsense")
Traceback (most recent call last):
...
kg.errors.ExtractorError: unknown extractor 'nonsense'; valid names: metadata, inspection, counts, problems, measures, deadlines, responsibility, policies, organisations, people, contacts, quantities, concepts, consistency
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Callable, Iterator

from kg.doc import Doc
from kg.errors import ExtractorError

# name → module that registers it; the order is the default run order
BUILTINS: dict[str, str] = {
    "metadata": "kg.extractors.metadata",
    "inspection": "kg.extractors.inspection",
    "counts": "kg.extractors.counts",
    "problems": "kg.extractors.problems",
    "measures": "kg.extractors.measures",
    "deadlines": "kg.extractors.deadlines",
    "responsibility": "kg.extractors.responsibility",
    "policies": "kg.extractors.policies",
    "organisations": "kg.extractors.organisations",
    "people": "kg.extractors.people",
    "contacts": "kg.extractors.contacts",
    "quantities": "kg.extractors.quantities",
    "concepts": "kg.extractors.concepts",
    "consistency": "kg.extractors.consistency",
}


@dataclass(frozen=True)
class Extractor:
    name: str
    fn: Callable[[Doc], None]
    requires: tuple[str, ...]
    assigns: tuple[str, ...]

    def __call__(self, doc: Doc) -> None:
        self.fn(doc)


_REGISTRY: dict[str, Extractor] = {}


def extractor(name: str, *, requires: list[str] | tuple = (), assigns: list[str] | tuple = ()):
    """Register ``fn`` as extractor ``name`` that reads ``requires`` and writes ``assigns``."""

    def wrap(fn):
        _REGISTRY[name] = Extractor(name, fn, tuple(requires), tuple(assigns))
        return fn

    return wrap


def get(name: str) -> Extractor:
    """The extractor called ``name``, loading its module on first use."""
    if name not in _REGISTRY:
        module = BUILTINS.get(name)
        if module is None:
            raise ExtractorError(f"unknown extractor {name!r}; valid names: {', '.join(BUILTINS)}")
        importlib.import_module(module)
    return _REGISTRY[name]


def plan(names: list[str] | None = None) -> list[Extractor]:
    """The extractors to run, checked so that every requirement is assigned before it is read."""
    chosen = [get(n) for n in (names or list(BUILTINS))]
    have = {"text", "sections"}
    for ex in chosen:
        missing = [r for r in ex.requires if r not in have]
        if missing:
            providers = sorted({get(n).name for n in BUILTINS for m in missing if m in get(n).assigns})
            raise ExtractorError(
                f"extractor {ex.name!r} requires {', '.join(repr(m) for m in missing)}, which no "
                f"extractor before it assigns; put {', '.join(providers) or 'its provider'} first "
                f"(default order: {', '.join(BUILTINS)})")
        have.update(ex.assigns)
    return chosen


def words_pattern(words) -> str:
    """A regex of plain words that finds what their alternation longest first finds (the longest
    word at the leftmost position), written as a tree of their first characters: where the
    alternation tries every word at a position, this tries those that open with its character.

    >>> words_pattern(["部", "部门", "局", "办公室"])
    '办(?:公室)|部(?:门)?|局'
    >>> re.compile(words_pattern(["部", "部门", "局"])).findall("局部部门")
    ['局', '部', '部门']
    """
    by_first: dict[str, list[str]] = {}
    for w in sorted(set(words), key=lambda w: (-len(w), w)):
        by_first.setdefault(w[0], []).append(w[1:])
    out = []
    for first, rests in by_first.items():
        longer = "|".join(re.escape(r) for r in rests if r)
        out.append(re.escape(first) + (f"(?:{longer})" + ("?" if "" in rests else "") if longer else ""))
    return "|".join(out)


def matches_opening(pattern: re.Pattern, opening: re.Pattern, text: str) -> Iterator[re.Match]:
    """``pattern.finditer(text)`` for a pattern (that never matches empty) whose every match starts
    where ``opening`` matches: plain words, which the regex engine skips ahead to, where a pattern
    that opens with an assertion or an optional part is tried at every position of the text.

    >>> [m.group() for m in matches_opening(re.compile(r"(?<![甲])乙丙?"), re.compile("乙"), "乙甲乙丙乙丙")]
    ['乙', '乙丙']
    """
    pos = 0
    while (w := opening.search(text, pos)) is not None:
        m = pattern.match(text, w.start())
        if m is None:
            pos = w.start() + 1
        else:
            yield m
            pos = m.end()


def matches_in_runs(pattern: re.Pattern, word: re.Pattern, in_run: Callable[[str], bool], text: str,
                    start: int = 0, end: int | None = None, reach: int = 0) -> Iterator[re.Match]:
    """``pattern.finditer(text, start, end)`` for a pattern whose every match is made of characters
    for which ``in_run`` holds and holds a match of ``word``: the pattern is run only over the runs
    of such characters around each word, reading ``reach`` characters past a run (as far as a
    look-ahead at the end of a match reads; a look-behind reads the text before a run as it is).
    A pattern that opens with an optional part is otherwise tried at every position of the text.

    >>> [m.group() for m in matches_in_runs(re.compile(r"\\d*年前"), re.compile("前"), str.isalnum, "3年前，2020年前后、年前")]
    ['3年前', '2020年前', '年前']
    """
    end = len(text) if end is None else end
    pos = start  # where the next match may start: every start before it has been tried
    for w in word.finditer(text, start, end):
        if w.start() < pos:
            continue
        a, b = w.start(), w.end()
        while a > pos and in_run(text[a - 1]):
            a -= 1
        while b < end and in_run(text[b]):
            b += 1
        for m in pattern.finditer(text, a, min(end, b + reach)):
            if m.start() >= b:
                break
            yield m
        pos = b


def run(doc: Doc, names: list[str] | None = None) -> Doc:
    """Run the planned extractors over ``doc`` in order."""
    for ex in plan(names):
        ex(doc)
    return doc
