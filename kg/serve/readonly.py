"""Refusing what is not a read-only query, before anything runs.

>>> check_read_only("SELECT * { ?s ?p 'SERVICE' }  # SERVICE in a comment")
>>> check_read_only("SELECT * { service <http://example.org/sparql> { ?s ?p ?o } }")
Traceback (most recent call last):
...
kg.errors.QueryError: SERVICE (federated query) is not allowed on this read-only endpoint; query the data of this graph only
"""
from __future__ import annotations

import re

from kg.errors import QueryError

# One token at a time, left to right, so that a keyword inside a string, an IRI or a comment is
# never taken for code. Words never contain "." (``true.SERVICE`` is two tokens) and a number is
# its own token (``1SERVICE`` is two tokens): the scan may refuse an odd prefixed name such as
# ``ex:a.service`` but never lets a SERVICE keyword through.
_NAME_START = r"A-Za-z_:\u00B7\u00C0-\U0010FFFF"
_TOKENS = re.compile(
    r'(?P<comment>\#[^\n\r]*)'
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\')'
    r'|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'
    r'|(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)'
    r'|(?P<var>[?$][\w\u00B7\u00C0-\U0010FFFF]*)'
    r'|(?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)'
    rf'|(?P<word>[{_NAME_START}](?:[\w\-:%\u00B7\u00C0-\U0010FFFF]|\\.)*)'
    r'|(?P<space>\s+)'
    r'|(?P<other>.)',
    re.DOTALL,
)
_UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _keywords(text: str) -> set[str]:
    """The bare words of a SPARQL text (outside strings, IRIs and comments), upper-cased."""
    return {m.group("word").upper() for m in _TOKENS.finditer(text) if m.lastgroup == "word"}


def check_read_only(query: str) -> None:
    """Raise :class:`QueryError` if ``query`` is SPARQL Update (LOAD …) or uses SERVICE.

    >>> check_read_only("PREFIX ex: <http://example.org/> SELECT ?s { ?s ex:copy ?o }")
    >>> check_read_only("LOAD <file:///etc/passwd>")
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: SPARQL Update (LOAD) is not allowed on this read-only endpoint; send a SELECT, ASK, CONSTRUCT or DESCRIBE query
    """
    words = _keywords(query)
    if _ESCAPE.search(query):  # SPARQL allows \\u escapes anywhere; check the decoded text too
        decoded = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16))
                              if int(m.group(1) or m.group(2), 16) < 0x110000 else "", query)
        words |= _keywords(decoded)
    if "SERVICE" in words:
        raise QueryError("SERVICE (federated query) is not allowed on this read-only endpoint",
                         hint="query the data of this graph only")
    update = sorted(words & _UPDATE_WORDS)
    if update:
        raise QueryError(f"SPARQL Update ({', '.join(update)}) is not allowed on this read-only "
                         "endpoint", hint="send a SELECT, ASK, CONSTRUCT or DESCRIBE query")

