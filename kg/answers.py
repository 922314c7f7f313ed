"""Answer tables: saved questions whose answer is every report's rows, computed when a generation
is written, so that they answer in milliseconds from disk.

Oxigraph on disk reads each term back for 8–50 µs, so a question whose answer is a large table
(the ledger: 21 k rows at a million triples) takes seconds however it is written. Such a question
says so in its header::

    # table: report                    (its answer is the union of its answers on each report)
    # table-order: organisation report (the columns its ORDER BY starts with, when not the report)

Its answer on the whole store is then the union of its answers on each report alone: run on a
small in-memory store of the report's own triples (evidence selectors left out) and the shared
graph's triples about the entities the report names. Those answers are kept in the generation's
``answers.sqlite``, with the entities each report names, so that the next build computes again
only the reports that changed or whose entities' shared triples changed (a name a new report
brings can change an organisation's preferred label). ``kg query`` and ``kg serve`` answer such
a question from the table when it is asked without parameters or with those its header maps to
a column (``# table-filter: report 报告``); tests check that the table equals the SPARQL answer
over the whole store.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import sqlite3
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from kg.query import DB, _term, tabled
from kg.vocab import SHARED_GRAPH_IRI

SCHEMA = 4
# lines of a report's own graph that no tabled question reads (its evidence spans): left out of
# the small store each report's answers are computed on
_SKIP = ("<http://www.w3.org/ns/oa#", "<https://w3id.org/rectkg/ontology#inReport>",
         "<https://w3id.org/rectkg/ontology#content>", "<https://w3id.org/rectkg/ontology#evidence>",
         "<https://w3id.org/rectkg/ontology#statusEvidence>")


# ---------------------------------------------------------------------------- computing
_CACHED_SUBJECTS = 20_000


class SharedIndex:
    """The shared graph's lines (N-Triples without `` .``) by subject, kept compact: one buffer of
    the lines sorted (bytes, or a file mapped into memory) and each subject's span in it. At 10k
    reports the shared graph is 135 MB of 813 k lines; as Python strings in lists it was three
    times that, in the parent and again in every worker that touched it.

    >>> ix = SharedIndex.of_lines(["<b> <p> <x>", "<a> <p> <b>", "<b> <q> 中"])
    >>> ix["<b>"], "<a>" in ix, "<c>" in ix, sorted(ix)
    (['<b> <p> <x>', '<b> <q> 中'], True, False, ['<a>', '<b>'])
    """

    def __init__(self, data, tail: int = 0):
        self._data = data      # the lines, sorted, each ended by "\n"
        self._tail = tail      # bytes each line carries after the triple (shared.nq: its graph)
        self._at: dict[str, int] = {}   # subject → start << 32 | length
        # the lines of the subjects read most lately, as strings (the entities many reports
        # name are read for every batch; ~25 MB at 10k reports)
        self._read = functools.lru_cache(maxsize=_CACHED_SUBJECTS)(self._lines)
        at, pos, n, prev, start = self._at, 0, len(data), None, 0
        while pos < n:
            space = data.find(b" ", pos)
            end = data.find(b"\n", space)
            s = data[pos:space]
            if s != prev:
                if prev is not None:
                    if s < prev:
                        raise ValueError("the shared graph's lines are not sorted by subject")
                    at[prev.decode("utf-8")] = start << 32 | (pos - 1 - start)
                prev, start = s, pos
            pos = (end if end >= 0 else n) + 1
        if prev is not None:
            at[prev.decode("utf-8")] = start << 32 | (n - (data[n - 1:n] == b"\n") - start)

    @classmethod
    def of_lines(cls, lines: Iterable[str]) -> "SharedIndex":
        return cls("".join(x + "\n" for x in sorted(lines)).encode("utf-8"))

    @classmethod
    def open(cls, path: Path) -> "SharedIndex":
        """The index of a file of shared lines (N-Triples, or N-Quads in the shared graph as
        ``nquads/shared.nq`` has them), mapped into memory: only what is read becomes resident."""
        import mmap

        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size == 0:
                return cls(b"")
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        first = data[:data.find(b"\n")]
        graph = f" <{SHARED_GRAPH_IRI}> .".encode()
        tail = len(graph) if first.endswith(graph) else len(b" .") if first.endswith(b" .") else 0
        try:
            return cls(data, tail)
        except ValueError:   # (a file not written by rectkg: sorted here)
            lines = [x[:len(x) - tail] for x in data[:].decode("utf-8").split("\n") if x]
            return cls.of_lines(lines)

    def __contains__(self, subject: str) -> bool:
        return subject in self._at

    def __iter__(self):
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)

    def __getitem__(self, subject: str) -> list[str]:
        return self._read(self._at[subject])

    def _lines(self, at: int) -> list[str]:
        start = at >> 32
        chunk = self._data[start:start + (at & 0xFFFFFFFF)].decode("utf-8").split("\n")
        return [x[:len(x) - self._tail] for x in chunk] if self._tail else chunk

    def get(self, subject: str, default=()) -> list[str]:
        return self[subject] if subject in self._at else default

    def changed(self, other: "SharedIndex") -> set[str]:
        """The subjects whose lines differ between this index and ``other``."""
        return {s for s in set(self._at) | set(other._at)
                if sorted(self.get(s)) != sorted(other.get(s))}


def read_shared_index(nquads: Path) -> SharedIndex | None:
    """:class:`SharedIndex` of the shared graph's file in an N-Quads folder (``shared.nq``, see
    kg.export.write_nquads_dir); None when it has none."""
    path = Path(nquads) / "shared.nq"
    if not path.is_file():
        return None
    return SharedIndex.open(path)


def small_store(data: bytes, shared_lines: Iterable[str]) -> ox.Store:
    """A store in memory of some reports' N-Quads and shared-graph lines (N-Triples without
    `` .``), as the whole store holds them: what a batch of answers or pages is read from."""
    db = ox.Store()
    db.bulk_load(data + "".join(f"{x} <{SHARED_GRAPH_IRI}> .\n" for x in shared_lines)
                 .encode("utf-8"), format=ox.RdfFormat.N_QUADS, lenient=True)
    return db


_ENTITY = re.compile(rb"<https://w3id\.org/rectkg/id/[a-z]+/[0-9a-f]{16}>")
_CONTENT = b" <https://w3id.org/rectkg/ontology#content> "


def _own_data(nq: Path, spans: list | None) -> bytes:
    """A report's own N-Quads less what no tabled question reads: its evidence selectors (one
    block of the sorted piece) and its text (one long line)."""
    data = Path(nq).read_bytes()
    if spans and spans[1] > spans[0]:
        data = data[:spans[0]] + data[spans[1]:]
    else:
        data = b"".join(line + b"\n" for line in data.split(b"\n")
                        if line and not any(x.encode() in line for x in _SKIP[:2]))
    i = data.find(_CONTENT)
    if i >= 0:
        start = data.rfind(b"\n", 0, i) + 1
        end = data.find(b"\n", i) + 1 or len(data)
        data = data[:start] + data[end:]
    return data


_TERM = re.compile(r"<([^<>\s]+)>|\b([a-z]+):([A-Za-z][\w-]*)|(?<![\w?$])a(?![\w:])")


def predicates(questions: dict[str, dict]) -> set[bytes]:
    """Every IRI the questions' text names (prefixed or not, ``a`` for rdf:type), as N-Quads
    terms: the triples whose predicate is none of them cannot change an answer."""
    from kg.vocab import PREFIXES

    out = set()
    for spec in questions.values():
        for m in _TERM.finditer(spec["sparql"]):
            if m.group(1):
                out.add(f"<{m.group(1)}>".encode())
            elif m.group(2):
                if m.group(2) in PREFIXES:
                    out.add(f"<{PREFIXES[m.group(2)]}{m.group(3)}>".encode())
            else:
                out.add(f"<{PREFIXES['rdf']}type>".encode())
    return out


def shared_closure(data: bytes, shared: SharedIndex) -> list[str]:
    """The shared entities N-Quads ``data`` names, and those their shared triples name in turn
    (an inspection's kind …), sorted: the subjects of ``shared`` (:func:`shared_index`) whose
    triples a store of ``data`` needs to answer as the whole store does about them."""
    refs = {x for x in {m.decode() for m in _ENTITY.findall(data)} if x in shared}
    more = list(refs)
    while more:
        s = more.pop()
        for line in shared.get(s, ()):
            o = line.split(" ", 2)[2]
            if o in shared and o not in refs:
                refs.add(o)
                more.append(o)
    return sorted(refs)


def batch_answers(items: list, shared: SharedIndex, questions: dict[str, dict]) -> list:
    """``(name, rows by question, shared entities named, signature)`` for each report of
    ``items`` (``(name, nq, graph, spans)``): the questions run once on a small in-memory store
    of the batch's own triples and the shared triples about the entities they name (every row is
    one report's, so a batch answers for each of its reports). A report's rows of a question are
    given as stored (:func:`pack`), only where it has some: packed here, in the worker, they
    leave the parent (which writes the table beside the store's load) only the insert."""
    datas, refs_of, sig_of, lines = [], {}, {}, set()
    used = predicates(questions)
    used_text = {p.decode() for p in used}
    for name, nq, graph, spans in items:
        data = _own_data(nq, spans)
        datas.append(b"".join(line + b"\n" for line in data.split(b"\n")
                              if line and line.split(b" ", 2)[1] in used))
        refs = shared_closure(data, shared)
        mine = [line for s in refs for line in shared[s]]
        lines.update(x for x in mine if x.split(" ", 2)[1] in used_text)
        refs_of[name] = refs
        sig_of[name] = hashlib.sha256("\n".join(mine).encode("utf-8")).hexdigest()[:16]
    db = small_store(b"".join(datas), lines)
    rows: dict[str, dict[str, list]] = {name: {} for name, *_ in items}
    for q, spec in questions.items():
        res = db.query(spec["sparql"], use_default_graph_as_union=True)
        variables = [v.value for v in res.variables]
        col = variables.index(spec["report"])
        n = len(variables)
        for name in rows:
            rows[name][q] = []
        for sol in res:
            report = sol[col]
            if report is not None and report.value in rows:
                rows[report.value][q].append([_term(sol[k]) for k in range(n)])
    return [(name, {q: pack(rs) for q, rs in rows[name].items() if rs}, refs_of[name], sig_of[name])
            for name, *_ in items]


def pack(rows: list[list]) -> str:
    """A report's rows of one question as stored: ``{"t": [null, term, …], "r": [[i, …], …]}``,
    each cell the index of its term (0: unbound), so that a reader makes each distinct term once
    and each row with one ``map``."""
    index: dict = {None: 0}
    terms: list = [None]
    out = []
    for row in rows:
        r = []
        for cell in row:
            key = None if cell is None else tuple(cell)
            i = index.get(key)
            if i is None:
                i = index[key] = len(terms)
                terms.append(cell)
            r.append(i)
        out.append(r)
    return json.dumps({"t": terms, "r": out}, ensure_ascii=False, separators=(",", ":"))


def variables_of(sparql: str) -> list[str]:
    """The projected variables of a SELECT (from an empty store's answer)."""
    return [v.value for v in ox.Store().query(sparql).variables]


# ---------------------------------------------------------------------------- the table file
def open_db(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(str(path))
    con.executescript("""
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE IF NOT EXISTS questions (name TEXT PRIMARY KEY, version TEXT, variables TEXT);
        CREATE TABLE IF NOT EXISTS reports (report TEXT PRIMARY KEY, stamp TEXT, sig TEXT);
        CREATE TABLE IF NOT EXISTS refs (report TEXT, subject TEXT);
        CREATE INDEX IF NOT EXISTS refs_subject ON refs (subject);
        CREATE TABLE IF NOT EXISTS rows (name TEXT, report TEXT, rows TEXT,
                                         PRIMARY KEY (name, report));
        CREATE TABLE IF NOT EXISTS whole (name TEXT PRIMARY KEY, version TEXT, variables TEXT,
                                          rows TEXT);
    """)
    return con


def _os_error(e: Exception) -> OSError:
    """An SQLite error as the OSError it stands for (a full disk: ENOSPC …)."""
    import errno

    if isinstance(e, OSError):
        return e
    code = getattr(e, "sqlite_errorcode", None)
    code = code & 0xFF if isinstance(code, int) else None
    no = {13: errno.ENOSPC, 8: errno.EROFS, 3: errno.EACCES, 23: errno.EACCES,
          10: errno.EIO, 14: errno.EIO}.get(code)
    if no is None and "disk is full" in str(e):
        no = errno.ENOSPC
    return OSError(no or errno.EIO, str(e))


def _schema(path: Path) -> str | None:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            got = con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return got[0] if got else None


def update(target_db: Path, previous_db: Path | None, entries: dict,
           changed_subjects: set[str] | None, run_batches) -> int:
    """Write ``target_db`` for the reports of ``entries`` (name → manifest entry): rows of the
    previous table are kept for reports whose stamp and named entities' shared triples are the
    same; the others are computed by ``run_batches(list of (name, entry)) → iterable of
    (name, packed rows by question, refs, sig)`` (:func:`batch_answers`). Returns the number of
    reports computed. A write that fails (a full disk …) raises the store's
    :class:`~kg.errors.StoreError`, which says what is intact."""
    from kg.store import os_error

    try:
        return _update(target_db, previous_db, entries, changed_subjects, run_batches)
    except (sqlite3.Error, OSError) as e:
        for p in (target_db, target_db.with_name(f".{target_db.name}.tmp"),
                  target_db.with_name(target_db.name + "-journal")):
            try:
                p.unlink()
            except OSError:
                pass
        raise os_error(_os_error(e), "write the answer tables", target_db) from None


def _update(target_db: Path, previous_db: Path | None, entries: dict,
            changed_subjects: set[str] | None, run_batches) -> int:
    questions = tabled()
    if previous_db is not None and previous_db.is_file() and _schema(previous_db) == str(SCHEMA):
        tmp = target_db.with_name(f".{target_db.name}.tmp")
        with open(previous_db, "rb") as src, open(tmp, "wb") as dst:
            dst.write(src.read())
        os.replace(tmp, target_db)
    con = open_db(target_db)
    try:
        old_versions = dict(con.execute("SELECT name, version FROM questions"))
        stale_questions = any(old_versions.get(n) != q["version"] for n, q in questions.items()) \
            or set(old_versions) != set(questions)
        old = {r: (st, sig) for r, st, sig in con.execute("SELECT report, stamp, sig FROM reports")}
        affected = set()
        if changed_subjects is None or stale_questions:
            affected = set(entries)
        else:
            for s in changed_subjects:
                affected.update(r for (r,) in con.execute(
                    "SELECT DISTINCT report FROM refs WHERE subject = ?", (s,)))
        todo = [n for n in sorted(entries)
                if n in affected or old.get(n, (None,))[0] != entries[n]["sha256"]]
        gone = (set(old) - set(entries)) | set(todo)
        for n in gone:
            con.execute("DELETE FROM rows WHERE report = ?", (n,))
            con.execute("DELETE FROM refs WHERE report = ?", (n,))
            con.execute("DELETE FROM reports WHERE report = ?", (n,))
        con.execute("DELETE FROM questions")
        con.executemany("INSERT INTO questions VALUES (?, ?, ?)",
                        [(n, q["version"], json.dumps(variables_of(q["sparql"])))
                         for n, q in questions.items()])
        if stale_questions:
            con.execute("DELETE FROM rows")
        batch = [(n, entries[n]) for n in todo]
        for name, rows, refs, sig in run_batches(batch):
            con.execute("INSERT INTO reports VALUES (?, ?, ?)", (name, entries[name]["sha256"], sig))
            con.executemany("INSERT INTO refs VALUES (?, ?)", [(name, s) for s in refs])
            con.executemany("INSERT INTO rows VALUES (?, ?, ?)",
                            [(q, name, packed) for q, packed in rows.items()])
        con.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA),))
        con.commit()
    finally:
        con.close()
    return len(todo)


def write_whole(target_db: Path, db: ox.Store) -> None:
    """The answers of the ``# table: whole`` questions, run once over the generation's finished
    store (its every graph, the analysis included) and kept in ``target_db``: a question whose
    answer spans reports (people, and the reports that name each) then answers from the table."""
    from kg.store import os_error

    try:
        con = open_db(target_db)
        try:
            con.execute("DELETE FROM whole")
            for name, q in tabled(kinds=("whole",)).items():
                res = db.query(q["sparql"], use_default_graph_as_union=True)
                variables = [v.value for v in res.variables]
                rows = [[_term(sol[k]) for k in range(len(variables))] for sol in res]
                con.execute("INSERT INTO whole VALUES (?, ?, ?, ?)",
                            (name, q["version"], json.dumps(variables), pack(rows)))
            con.commit()
        finally:
            con.close()
    except (sqlite3.Error, OSError) as e:
        raise os_error(_os_error(e), "write the answer tables", target_db) from None
