"""Result formats: content negotiation, and answers written row by row under a row and a byte cap.

SELECT and ASK answers are SPARQL results JSON, XML, CSV or TSV; CONSTRUCT and DESCRIBE answers
are Turtle, N-Triples or JSON-LD. An answer is written into a :class:`Sink` one row at a time and
stops *between* rows when the next one would pass ``max_rows`` or ``max_bytes``: what is sent is
always a complete document of its format, and :class:`Reply` says what cut it.

>>> sink = Sink(None)
>>> write_solutions(sink, "csv", ["n"], ([i] for i in range(5)), max_rows=3, max_bytes=1000)
(3, 'rows')
>>> sink.getvalue()
b'n\\r\\n0\\r\\n1\\r\\n2\\r\\n'
"""
from __future__ import annotations

import html
import io
import json
import os
import re
from dataclasses import dataclass, field

from kg.vocab import PREFIXES

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
UTF8_BOM = b"\xef\xbb\xbf"

SOLUTION_TYPES = {  # media type -> writer name; the first is the default
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
}
GRAPH_TYPES = {
    "text/turtle": "TURTLE",
    "application/n-triples": "N_TRIPLES",
    "application/ld+json": "JSON_LD",
    "application/x-turtle": "TURTLE",
    "text/plain": "N_TRIPLES",
    "application/json": "JSON_LD",
}
EXTENSIONS = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv",
              "TURTLE": "ttl", "N_TRIPLES": "nt", "JSON_LD": "jsonld"}
_FORMAT_ALIASES = {  # ?format= shortcuts -> media type
    "json": ("application/sparql-results+json", "application/ld+json"),
    "xml": ("application/sparql-results+xml", None),
    "csv": ("text/csv", None),
    "tsv": ("text/tab-separated-values", None),
    "turtle": (None, "text/turtle"), "ttl": (None, "text/turtle"),
    "nt": (None, "application/n-triples"), "ntriples": (None, "application/n-triples"),
    "n-triples": (None, "application/n-triples"),
    "jsonld": (None, "application/ld+json"), "json-ld": (None, "application/ld+json"),
}


@dataclass
class Reply:
    """An answer: status, media type, extra headers, and the body, either inline or in a spool
    file (a large answer is written to disk by the worker, and streamed from there)."""

    status: int
    content_type: str
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    spool: str | None = None   # path of the file holding the body instead of ``body``
    size: int = 0              # bytes in the spool file

    @classmethod
    def text(cls, status: int, message: str, **headers) -> "Reply":
        return cls(status, "text/plain; charset=utf-8", (message.rstrip() + "\n").encode(),
                   dict(headers))


def negotiate(accept: str | None, offered: dict[str, str], fmt: str | None = None,
              graph: bool = False) -> str | None:
    """The media type of ``offered`` that best fits an Accept header (None: nothing fits).

    >>> negotiate("text/csv;q=0.5, application/sparql-results+xml", SOLUTION_TYPES)
    'application/sparql-results+xml'
    >>> negotiate("text/html,*/*;q=0.8", GRAPH_TYPES)
    'text/turtle'
    >>> negotiate("image/png", SOLUTION_TYPES) is None
    True
    """
    if fmt:
        if fmt in offered:
            return fmt
        alias = _FORMAT_ALIASES.get(fmt.lower())
        return alias[1 if graph else 0] if alias else None
    default = next(iter(offered))
    if not accept or not accept.strip():
        return default
    ranges = []
    for i, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            if p.lower().startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        if media and q > 0:
            specificity = 0 if media == "*/*" else 1 if media.endswith("/*") else 2
            ranges.append((-q, -specificity, i, media.lower()))
    for _, _, _, media in sorted(ranges):
        if media in offered:
            return media
        if media == "*/*":
            return default
        if media.endswith("/*"):
            major = media[:-1]
            for candidate in offered:
                if candidate.startswith(major):
                    return candidate
    return None


def not_acceptable(offered: dict) -> Reply:
    return Reply.text(406, "none of the Accept header's media types fits this query; "
                           f"use one of: {', '.join(offered)}")


# ------------------------------------------------------------------------------ the sink

class Sink:
    """Where an answer's bytes go: memory up to ``inline`` bytes, then the file ``spool``.

    The server streams a spooled answer from disk, so neither it nor the worker holds a large
    answer in memory. ``spool=None`` keeps everything in memory (tests, doctests).
    """

    def __init__(self, spool: str | None, inline: int = 1 << 20):
        self.spool, self.inline = spool, inline
        self._buf: io.BytesIO | None = io.BytesIO()
        self._file = None
        self.size = 0

    def write(self, data: bytes) -> int:
        if self._file is None and self.spool is not None and self.size + len(data) > self.inline:
            self._file = open(self.spool, "wb")  # noqa: SIM115 - closed in finish()
            self._file.write(self._buf.getvalue())
            self._buf = None
        (self._file or self._buf).write(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def reset(self) -> None:
        """Forget what was written (a query that failed half-way is retried)."""
        if self._file is not None:
            self._file.close()
            self._file = None
            os.unlink(self.spool)
        self._buf, self.size = io.BytesIO(), 0

    def getvalue(self) -> bytes:
        return self._buf.getvalue()

    def finish(self, reply: Reply) -> Reply:
        """Put the body into ``reply``: inline, or as the spool file's path and size."""
        if self._file is not None:
            self._file.close()
            reply.spool, reply.size = self.spool, self.size
        else:
            reply.body = self._buf.getvalue()
        return reply


# ------------------------------------------------------------------------------ terms

def _term_json(term) -> dict:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": {"subject": _term_json(term.subject),
                                        "predicate": _term_json(term.predicate),
                                        "object": _term_json(term.object)}}


def _xml_text(text: str) -> str:
    return html.escape(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "\ufffd", text),
                       quote=True)


def _term_xml(term) -> str:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return f"<uri>{_xml_text(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_xml_text(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            attr = f' xml:lang="{_xml_text(term.language)}"'
        elif term.datatype.value != _XSD_STRING:
            attr = f' datatype="{_xml_text(term.datatype.value)}"'
        else:
            attr = ""
        return f"<literal{attr}>{_xml_text(term.value)}</literal>"
    return (f"<triple><subject>{_term_xml(term.subject)}</subject><predicate>"
            f"{_term_xml(term.predicate)}</predicate><object>{_term_xml(term.object)}</object>"
            "</triple>")


def _term_csv(term) -> str:
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        value = "_:" + term.value
    elif isinstance(term, (ox.NamedNode, ox.Literal)):
        value = term.value
    else:
        value = _term_tsv(term)
    if any(c in value for c in ',"\r\n'):
        value = '"' + value.replace('"', '""') + '"'
    return value


_NT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _term_tsv(term) -> str:
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        lexical = '"' + "".join(_NT_ESCAPES.get(c, c) for c in term.value) + '"'
        if term.language:
            return f"{lexical}@{term.language}"
        if term.datatype.value != _XSD_STRING:
            return f"{lexical}^^<{term.datatype.value}>"
        return lexical
    if isinstance(term, ox.Triple):
        return (f"<< {_term_tsv(term.subject)} {_term_tsv(term.predicate)} "
                f"{_term_tsv(term.object)} >>")
    return str(term)


# ------------------------------------------------------------------------------ writers

def _solution_parts(kind: str, variables: list[str]):
    """(head, row writer, separator between rows, tail) of a SPARQL results format."""
    if kind == "json":
        head = json.dumps({"head": {"vars": variables}}, ensure_ascii=False,
                          separators=(",", ":"))[:-1] + ',"results":{"bindings":['

        def row(values):
            return json.dumps({v: _term_json(t) for v, t in zip(variables, values)
                               if t is not None}, ensure_ascii=False, separators=(",", ":"))
        return head, row, ",", "]}}"
    if kind == "xml":
        head = ('<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/'
                'sparql-results#"><head>'
                + "".join(f'<variable name="{_xml_text(v)}"/>' for v in variables)
                + "</head><results>")

        def row(values):
            return "<result>" + "".join(
                f'<binding name="{_xml_text(v)}">{_term_xml(t)}</binding>'
                for v, t in zip(variables, values) if t is not None) + "</result>"
        return head, row, "", "</results></sparql>\n"
    if kind == "csv":
        return (",".join(variables) + "\r\n",
                lambda values: ",".join(_term_csv(t) for t in values) + "\r\n", "", "")
    return ("\t".join("?" + v for v in variables) + "\n",
            lambda values: "\t".join(_term_tsv(t) for t in values) + "\n", "", "")


def write_solutions(sink: Sink, kind: str, variables: list[str], rows, *, max_rows: int,
                    max_bytes: int) -> tuple[int, str | None]:
    """Write SELECT solutions (each a sequence of terms or None) to ``sink``.

    Returns (rows written, what cut the answer: ``"rows"``, ``"bytes"`` or None).
    """
    head, row, sep, tail = _solution_parts(kind, variables)
    sink.write(head.encode())
    budget = max_bytes - len(tail.encode())
    n, cut = 0, None
    for values in rows:
        if n == max_rows:
            cut = "rows"
            break
        data = ((sep if n else "") + row(values)).encode()
        if sink.size + len(data) > budget:
            cut = "bytes"
            break
        sink.write(data)
        n += 1
    sink.write(tail.encode())
    return n, cut


def write_boolean(sink: Sink, kind: str, value: bool) -> None:
    """Write an ASK answer in one of the SPARQL results formats."""
    if kind == "json":
        sink.write(json.dumps({"head": {}, "boolean": value}).encode())
    elif kind == "xml":
        sink.write(('<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns='
                    f'"http://www.w3.org/2005/sparql-results#"><head/><boolean>'
                    f'{"true" if value else "false"}</boolean></sparql>\n').encode())
    else:
        sink.write(b"true\n" if value else b"false\n")


_GRAPH_SLACK = 96
"""Bytes allowed per triple on top of its N-Triples form: a triple never takes more than that
in Turtle or JSON-LD (JSON-LD's ``{"@id":…,…:[{"@value":…,"@language":…}]}`` is the widest)."""


def write_graph(sink: Sink, fmt_name: str, triples, *, max_rows: int,
                max_bytes: int) -> tuple[int, str | None]:
    """Write CONSTRUCT/DESCRIBE triples with pyoxigraph's serialiser, stopping before the
    triple whose N-Triples size (plus :data:`_GRAPH_SLACK`) would pass ``max_bytes``.

    The cap counts each triple as N-Triples, an upper bound of its size in every format, so
    no answer passes it whatever the serialiser buffers; a Turtle answer, with its prefixes
    and grouped subjects, stops well below it.
    """
    import pyoxigraph as ox

    fmt = getattr(ox.RdfFormat, fmt_name)
    prefixes = PREFIXES if fmt == ox.RdfFormat.TURTLE else None
    state = {"n": 0, "cut": None,
             "estimate": 256 + sum(len(p) + len(iri) + 12 for p, iri in (prefixes or {}).items())}

    def capped():
        for triple in triples:
            if state["n"] == max_rows:
                state["cut"] = "rows"
                return
            size = len(str(triple).encode()) + _GRAPH_SLACK
            if state["estimate"] + size > max_bytes:
                state["cut"] = "bytes"
                return
            state["estimate"] += size
            state["n"] += 1
            yield triple

    ox.serialize(capped(), sink, format=fmt, prefixes=prefixes)
    return state["n"], state["cut"]
