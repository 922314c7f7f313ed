"""``kg serve``: the graph read-only as a SPARQL 1.1 endpoint, with the saved questions, the query
page and the out folder's pages (the workbench) on one address.

=====================  ==========================================================================
``/sparql``            SPARQL 1.1 Protocol: GET ``?query=``, POST a form or
                       ``application/sparql-query``; results by Accept (or ``format=``)
``/questions``         the saved questions (``kg/queries/*.rq``) as JSON, read at request time
``/questions/NAME``    run one, its parameters as query or form fields (``?report=…``)
``/query/``            the query page (``kg/static/query/``)
``/status``            the limits and what the workers are doing, as JSON
``/`` and the rest     the out folder: ``index.html``, ``reports/``, ``views/`` …
=====================  ==========================================================================

Where a request goes, in order: uvicorn parses HTTP (:mod:`kg.serve.app`), the Host is checked,
:func:`~kg.serve.readonly.check_read_only` refuses Update, LOAD and SERVICE before anything runs,
the pool (:mod:`kg.serve.pool`) gives the query a worker process in the quick or the heavy lane,
and the worker (:mod:`kg.serve.worker`) writes the answer under the row and byte caps
(:mod:`kg.serve.results`). Add ``download=1`` for an attachment (CSV with a UTF-8 BOM).

The modules are imported lazily: a worker process needs neither Starlette nor uvicorn.
"""
from __future__ import annotations

_EXPORTS = {
    "SparqlServer": "kg.serve.app", "serve": "kg.serve.app", "saved_questions": "kg.serve.app",
    "host_allowed": "kg.serve.app", "resolve_inside": "kg.serve.app",
    "DEFAULT_TIMEOUT": "kg.serve.app", "DEFAULT_MAX_ROWS": "kg.serve.app",
    "DEFAULT_MAX_BYTES": "kg.serve.app", "DEFAULT_MEMORY_MB": "kg.serve.app",
    "DEFAULT_WORKERS": "kg.serve.app", "DEFAULT_HEAVY_AFTER": "kg.serve.app",
    "check_read_only": "kg.serve.readonly",
    "negotiate": "kg.serve.results", "SOLUTION_TYPES": "kg.serve.results",
    "GRAPH_TYPES": "kg.serve.results", "Reply": "kg.serve.results",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'kg.serve' has no attribute {name!r}")
