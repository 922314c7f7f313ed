"""The HTTP side of ``kg serve``: Starlette routes served by uvicorn.

uvicorn (with h11) parses HTTP: a negative or malformed ``Content-Length`` is refused there, and a
client that is slow to send costs a socket and a coroutine, not a thread. What stays ours is the
SPARQL logic, the worker pool (:mod:`kg.serve.pool`) and four rules of this server:

- **Host**: a request must name this server (:func:`host_allowed`), so a page on another site
  cannot reach it by DNS rebinding; ``allow_hosts`` adds names.
- **CORS** on the query API only (``/sparql``, ``/questions``, ``/status``): a YASGUI page or a
  notebook on another origin may query; nothing it sends can write.
- **Files** of the out folder (the workbench: ``index.html``, ``reports/``, ``views/`` and their
  assets) are served read-only: a path is resolved with every symbolic link followed and must stay
  inside ``realpath(OUT)``; only web file types are served, never a directory listing, never the
  store's own files.
- **Server** is ``rectkg``, nothing more.
"""
from __future__ import annotations

import asyncio
import ipaddress
import os
import re
import shutil
import signal
import socket
import stat
import tempfile
import threading
from pathlib import Path
from urllib.parse import parse_qs

from kg.errors import KgError, QueryError
from kg.serve.pool import Pool
from kg.serve.readonly import check_read_only
from kg.serve.results import Reply

DEFAULT_TIMEOUT = 10.0
"""Seconds a query may wait for a worker, and then run (``--timeout``)."""
DEFAULT_MAX_ROWS = 10_000
"""Solutions (or triples) returned at most; the rest are cut (``--max-rows``)."""
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
"""Bytes one answer may take; it is cut between rows before that (``--max-bytes``)."""
DEFAULT_MEMORY_MB = 2048
"""Address space each worker process may use before a query aborts it (``--max-memory``)."""
DEFAULT_WORKERS = 4
"""Worker processes; half of them at most run heavy queries (``--workers``, ``--heavy-workers``)."""
DEFAULT_HEAVY_AFTER = 0.1
"""CPU seconds after which a running query counts as heavy (``--heavy-after``)."""
MAX_BODY_BYTES = 1 << 20
"""Largest request body accepted (413 above)."""

QUERY_PAGE = Path(__file__).resolve().parent.parent / "static" / "query"
_API_CSP = "default-src 'none'; frame-ancestors 'none'"
_QUERY_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
              "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_OUT_CSP = ("default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' "
            "'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
            "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
FILE_TYPES = {  # the only files served from the out folder, by suffix
    ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8", ".map": "application/json",
    ".json": "application/json", ".svg": "image/svg+xml", ".png": "image/png",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
    ".ico": "image/x-icon", ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf",
    ".otf": "font/otf", ".txt": "text/plain; charset=utf-8", ".csv": "text/csv; charset=utf-8",
    ".ttl": "text/turtle; charset=utf-8", ".nt": "application/n-triples",
    ".nq": "application/n-quads", ".trig": "application/trig", ".jsonld": "application/ld+json",
    ".graphml": "application/xml", ".gexf": "application/xml",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_STORE_FILES = {"store", "store.gens", "parts"}  # never served, whatever their suffix
_EXPOSED = ["X-Result-Rows", "X-Result-Truncated", "X-Result-Cap", "Content-Disposition"]


# --------------------------------------------------------------------------------- rules

_HOST = re.compile(r"\[(?P<ip6>[0-9A-Fa-f:.]+)\](?::\d{1,5})?|(?P<name>[^\s:\[\]/@]+)(?::\d{1,5})?")


def host_allowed(host: str | None, bound: str, names: frozenset[str]) -> bool:
    """Whether a Host header names this server: an IP address it listens on (any, when it
    listens on every interface; any loopback one, when it listens on loopback), or one of
    ``names``. DNS rebinding needs a name, so a name must be known.

    >>> names = frozenset({"localhost"})
    >>> [host_allowed(h, "127.0.0.1", names) for h in
    ...  ["127.0.0.1:8080", "localhost:8080", "[::1]:8080", "evil.example:8080", None]]
    [True, True, True, False, False]
    >>> host_allowed("[::1].evil.example:80", "127.0.0.1", names)
    False
    """
    m = _HOST.fullmatch(host or "")
    if m is None:
        return False
    name = (m.group("ip6") or m.group("name")).lower().rstrip(".")
    if "*" in names or name in names:
        return True
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        return False
    if bound in ("", "0.0.0.0", "::"):
        return True
    b = ipaddress.ip_address(bound)
    return ip == b or (b.is_loopback and ip.is_loopback)


def host_names(bound: str, extra=()) -> frozenset[str]:
    """The names a Host header may use: ``localhost``, this machine's names when listening
    beyond loopback, and ``extra`` (``*``: any)."""
    names = {"localhost"} | {n.lower().rstrip(".") for n in extra}
    try:
        loopback = ipaddress.ip_address(bound).is_loopback
    except ValueError:
        loopback = bound == "localhost"
    if not loopback:
        names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
    return frozenset(names)


def resolve_inside(root: Path, rel: str) -> Path | None:
    """The regular file ``rel`` names under ``root``, with every link followed, or None if it
    is not one, is hidden, or leads outside ``realpath(root)``.

    >>> import tempfile; d = Path(tempfile.mkdtemp()); (d / "a.html").write_text("x")
    1
    >>> (d / "out.html").symlink_to("/etc/passwd")
    >>> [resolve_inside(d, p) is not None for p in ["a.html", "out.html", "../etc/passwd", ""]]
    [True, False, False, False]
    """
    parts = rel.split("/")
    if not rel or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        return None
    try:
        top = os.path.realpath(root, strict=True)
        real = os.path.realpath(os.path.join(top, *parts), strict=True)
        if os.path.commonpath([top, real]) != top:
            return None
        if Path(os.path.relpath(real, top)).parts[0] in _STORE_FILES or parts[0] in _STORE_FILES:
            return None
        if not stat.S_ISREG(os.stat(real).st_mode):
            return None
    except (OSError, ValueError):
        return None
    return Path(real)


# --------------------------------------------------------------------------------- middleware

class _Rules:
    """Outermost: the Host check, then ``Server: rectkg`` and ``nosniff`` on every answer."""

    def __init__(self, app, bound: str, names: frozenset[str]):
        self.app, self.bound, self.names = app, bound, names

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in (b"server", b"x-content-type-options")]
                headers += [(b"server", b"rectkg"), (b"x-content-type-options", b"nosniff")]
                message = {**message, "headers": headers}
            await send(message)

        host = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"),
                    None)
        if not host_allowed(host, self.bound, self.names):
            from starlette.responses import PlainTextResponse

            answer = PlainTextResponse(
                f"this server does not answer to the host {host!r}; open it by the address it "
                "listens on, or start it with --allow-host NAME", status_code=400)
            return await answer(scope, receive, send_with_headers)
        await self.app(scope, receive, send_with_headers)


# --------------------------------------------------------------------------------- the server

def saved_questions() -> list[dict]:
    """The saved questions (``kg/queries/*.rq``, read now): name, title, description, params, text.

    >>> q = {q["name"]: q for q in saved_questions()}
    >>> all(set(v) == {"name", "title", "description", "params", "text"} for v in q.values())
    True
    """
    from kg.query import list_queries, load_saved

    out = []
    for name, _, _ in list_queries():
        try:
            saved = load_saved(name)
        except (QueryError, OSError, UnicodeDecodeError):
            continue
        out.append({"name": saved.name, "title": saved.title or saved.name,
                    "description": saved.description, "text": saved.text,
                    "params": [{"name": p, "required": req, "help": help_}
                               for p, (req, help_) in saved.params.items()]})
    return out


def _truthy(values: list[str] | None) -> bool:
    return bool(values) and values[-1].lower() not in ("", "0", "false", "no")


class SparqlServer:
    """``kg serve``: the SPARQL endpoint, the saved questions, the query page and the out
    folder's pages, on one address. ``url`` is its ``/sparql`` endpoint.

    Run it with :func:`serve` (blocking, signals stop it), or :meth:`start` in a background
    thread (tests, benchmarks) and stop it with :meth:`close` or ``with``.
    """

    def __init__(self, out_dir: Path, *, host: str = "127.0.0.1", port: int = 8080,
                 timeout: float = DEFAULT_TIMEOUT, max_rows: int = DEFAULT_MAX_ROWS,
                 max_bytes: int = DEFAULT_MAX_BYTES, workers: int | None = None,
                 heavy_workers: int | None = None, heavy_after: float = DEFAULT_HEAVY_AFTER,
                 heavy_per_client: int = 1, memory_mb: int | None = DEFAULT_MEMORY_MB,
                 in_memory: bool = False, allow_hosts=(), cors_origins=("*",),
                 log: bool = False):
        from kg.store import Store

        if timeout <= 0 or max_rows <= 0 or heavy_after <= 0 or heavy_per_client <= 0:
            raise KgError("the timeout, the row cap, --heavy-after and --heavy-per-client must "
                          "be positive", hint="e.g. `kg serve --timeout 10 --max-rows 10000`")
        if max_bytes < 4096:
            raise KgError("--max-bytes must be at least 4096", hint="e.g. --max-bytes 33554432")
        workers = workers or DEFAULT_WORKERS
        if workers < 2 or (heavy_workers is not None and not 1 <= heavy_workers < workers):
            raise KgError("kg serve needs at least 2 workers, at least one of them kept for "
                          "quick queries", hint="e.g. --workers 4 --heavy-workers 2")
        self.out_dir = Path(out_dir)
        self.timeout, self.max_rows, self.max_bytes = timeout, max_rows, max_bytes
        self.cors_origins = [o for o in cors_origins if o and o != "none"]
        self.log = log
        with Store.open(self.out_dir, read_only=True) as store:  # a clear error if none
            result = store.query("SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a rk:Report }")
            self.reports = int(result.rows[0][0].value)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.socket.bind((host, port))
        except OSError as e:
            self.socket.close()
            raise KgError(f"cannot listen on {host}:{port} ({e.strerror or e})",
                          hint="choose another --port or stop what uses it") from e
        self.bound = self.socket.getsockname()[0]  # an address, also when --host is a name
        self.names = host_names(self.bound, [*allow_hosts, host])
        self.spool_dir = Path(tempfile.mkdtemp(prefix="kg-serve-"))
        self.pool = Pool(self.out_dir, workers=workers, heavy_workers=heavy_workers,
                         heavy_after=heavy_after, heavy_per_client=heavy_per_client,
                         timeout=timeout, memory_mb=memory_mb, in_memory=in_memory,
                         spool_dir=self.spool_dir)
        self.app = self._build_app()
        self._uvicorn = None
        self._thread: threading.Thread | None = None
        self._main_task: asyncio.Task | None = None

    # ------------------------------------------------------------------ addresses
    @property
    def server_address(self) -> tuple:
        return self.socket.getsockname()

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}/"

    @property
    def url(self) -> str:
        return self.base_url + "sparql"

    # ------------------------------------------------------------------ routes
    def _build_app(self):
        from starlette.applications import Starlette
        from starlette.middleware import Middleware
        from starlette.middleware.cors import CORSMiddleware
        from starlette.responses import RedirectResponse
        from starlette.routing import Route

        api = []
        if self.cors_origins:
            api = [Middleware(CORSMiddleware, allow_origins=self.cors_origins,
                              allow_methods=["GET", "POST", "OPTIONS"], allow_headers=["*"],
                              expose_headers=_EXPOSED, max_age=3600)]
        routes = [
            Route("/sparql", self._sparql, methods=["GET", "POST", "OPTIONS"], middleware=api),
            Route("/questions", self._questions, methods=["GET", "OPTIONS"], middleware=api),
            Route("/questions/{name}", self._question, methods=["GET", "POST", "OPTIONS"],
                  middleware=api),
            Route("/status", self._status, methods=["GET", "OPTIONS"], middleware=api),
            Route("/query", lambda request: RedirectResponse("/query/", 308)),
            Route("/query/{path:path}", self._query_page),
            Route("/{path:path}", self._out_file),
        ]
        return Starlette(routes=routes,
                         middleware=[Middleware(_Rules, bound=self.bound, names=self.names)])

    async def _sparql(self, request):
        if request.method == "OPTIONS":
            return _options()
        params = parse_qs(request.url.query, keep_blank_values=True)
        if request.method == "POST":
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype == "application/sparql-update":
                return _response(Reply.text(403, "SPARQL Update is not allowed on this "
                                                 "read-only endpoint; send a query"))
            body = await _read_body(request)
            if isinstance(body, Reply):
                return _response(body)
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                return _response(Reply.text(400, "the request body is not UTF-8"))
            if ctype == "application/x-www-form-urlencoded":
                for k, v in parse_qs(text, keep_blank_values=True).items():
                    params.setdefault(k, []).extend(v)
            elif ctype == "application/sparql-query":
                params["query"] = params.get("query", []) + [text]
            else:
                return _response(Reply.text(
                    415, "POST a form (application/x-www-form-urlencoded) with query=…, or the "
                         "query itself as application/sparql-query"))
        if "update" in params:
            return _response(Reply.text(403, "SPARQL Update is not allowed on this read-only "
                                             "endpoint; send a query"))
        queries = params.get("query", [])
        if len(queries) != 1 or not queries[0].strip():
            return _response(Reply.text(400, "send exactly one query: /sparql?query=SELECT… "
                                             "(GET), or POST a form with query=…; the query "
                                             "page is at /query/"))
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            return _response(Reply.text(
                400, "default-graph-uri and named-graph-uri are not supported; use FROM / FROM "
                     "NAMED or GRAPH in the query (the default graph is the union of all report "
                     "graphs)"))
        return await self._answer(request, queries[0], (params.get("format") or [None])[-1],
                                  "query" if _truthy(params.get("download")) else None)

    async def _questions(self, request):
        from starlette.responses import JSONResponse

        if request.method == "OPTIONS":
            return _options()
        return JSONResponse(saved_questions(), headers={"Cache-Control": "no-store"})

    async def _question(self, request):
        """A saved question, its parameters filled by :func:`kg.query.fill_params`."""
        from kg.query import fill_params, load_saved

        if request.method == "OPTIONS":
            return _options()
        name = request.path_params["name"]
        try:
            saved = load_saved(name)
        except QueryError as e:
            return _response(Reply.text(404, str(e)))
        params = parse_qs(request.url.query, keep_blank_values=True)
        if request.method == "POST":
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            body = await _read_body(request)
            if isinstance(body, Reply):
                return _response(body)
            if body and ctype != "application/x-www-form-urlencoded":
                return _response(Reply.text(415, "POST the parameters as a form "
                                                 "(application/x-www-form-urlencoded)"))
            try:
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                return _response(Reply.text(400, "the form is not UTF-8"))
            for k, v in form.items():
                params.setdefault(k, []).extend(v)
        fmt = (params.pop("format", None) or [None])[-1]
        download = _truthy(params.pop("download", None))
        repeated = sorted(k for k, v in params.items() if len(v) > 1)
        if repeated:
            return _response(Reply.text(400, f"give each parameter once ({', '.join(repeated)} "
                                             "came more than once)"))
        values = {k: v[0] for k, v in params.items() if v[0] != ""}
        missing = [p for p, (required, _) in saved.params.items() if required and p not in values]
        if missing:
            needs = "; ".join(f"{p} ({saved.params[p][1] or 'a value'})" for p in missing)
            return _response(Reply.text(400, f"{name} needs the parameter {needs}"))
        try:
            text = fill_params(saved.text, values, saved.params, name)
        except QueryError as e:
            return _response(Reply.text(400, str(e)))
        return await self._answer(request, text, fmt, name if download else None,
                                  question=(name, values))

    async def _status(self, request):
        from starlette.responses import JSONResponse

        if request.method == "OPTIONS":
            return _options()
        return JSONResponse({"timeout": self.timeout, "max_rows": self.max_rows,
                             "max_bytes": self.max_bytes, "pool": self.pool.status()},
                            headers={"Cache-Control": "no-store"})

    async def _answer(self, request, query: str, fmt: str | None, download: str | None,
                      question: tuple | None = None):
        try:
            check_read_only(query)
        except QueryError as e:
            return _response(Reply.text(403, str(e)))
        job = {"query": query, "accept": request.headers.get("accept"), "format": fmt,
               "max_rows": self.max_rows, "max_bytes": self.max_bytes, "download": download,
               "question": question}
        client = request.client.host if request.client else "?"
        return _response(await self.pool.run(job, client))

    async def _query_page(self, request):
        rel = request.path_params["path"] or "index.html"
        return _file(QUERY_PAGE, rel, _QUERY_CSP)

    async def _out_file(self, request):
        from starlette.responses import RedirectResponse

        rel = request.path_params["path"]
        if rel == "":
            if resolve_inside(self.out_dir, "index.html") is None:
                return RedirectResponse("/query/", 307)  # built with --no-views
            rel = "index.html"
        if rel == "favicon.ico" and resolve_inside(self.out_dir, rel) is None:
            return _file(QUERY_PAGE, "favicon.svg", _OUT_CSP)  # browsers ask every site
        return _file(self.out_dir, rel, _OUT_CSP)

    # ------------------------------------------------------------------ running
    async def run(self, ready=None) -> None:
        """Start the workers, serve until stopped, stop the workers."""
        import uvicorn

        self._main_task = asyncio.current_task()
        try:
            await self.pool.start()
            config = uvicorn.Config(
                self.app, log_config=_log_config(), access_log=self.log, server_header=False,
                lifespan="off", timeout_keep_alive=30, limit_concurrency=1024, backlog=256,
                timeout_graceful_shutdown=5, h11_max_incomplete_event_size=64 * 1024)
            self._uvicorn = uvicorn.Server(config)
            serving = asyncio.ensure_future(self._uvicorn.serve(sockets=[self.socket]))
            while not self._uvicorn.started and not serving.done():
                await asyncio.sleep(0.02)
            if ready is not None and not serving.done():
                ready(self)
            await serving
        finally:
            await self.pool.close()
            shutil.rmtree(self.spool_dir, ignore_errors=True)

    def start(self) -> "SparqlServer":
        """Serve in a background thread; return once it answers (or raise why it cannot)."""
        started = threading.Event()
        failure: list[BaseException] = []

        def main():
            try:
                asyncio.run(self.run(ready=lambda _: started.set()))
            except BaseException as e:  # noqa: BLE001 - handed to start()
                failure.append(e)
            finally:
                started.set()

        self._thread = threading.Thread(target=main, daemon=True, name="kg-serve")
        self._thread.start()
        started.wait()
        if failure:
            self._thread.join()
            self.socket.close()
            raise failure[0]
        return self

    def close(self) -> None:
        """Stop serving and stop the workers."""
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
        if self._thread is not None:
            self._thread.join(60)
            self._thread = None
        self.socket.close()

    def __enter__(self) -> "SparqlServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def stop_from_signal(self, signum, frame) -> None:
        """A signal before uvicorn listens (it handles them after): stop starting."""
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
        elif self._main_task is not None:
            self._main_task.get_loop().call_soon_threadsafe(self._main_task.cancel)


def _options():
    from starlette.responses import Response

    return Response(status_code=204, headers={"Allow": "GET, POST, OPTIONS"})


async def _read_body(request) -> bytes | Reply:
    """The request body, or a 413 answer as soon as it is known to be too large."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
        return Reply.text(413, f"request body over {MAX_BODY_BYTES} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return Reply.text(413, f"request body over {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _response(reply: Reply):
    """A Starlette response for a :class:`Reply`; a spooled body is streamed from its file,
    which is unlinked at once (the open file keeps it readable until it is sent)."""
    from starlette.responses import Response, StreamingResponse

    headers = {"Cache-Control": "no-store", "Content-Security-Policy": _API_CSP,
               **reply.headers}
    if reply.status == 200:
        headers["Vary"] = "Accept"
    if reply.spool is None:
        return Response(reply.body, status_code=reply.status, headers=headers,
                        media_type=reply.content_type)
    f = open(reply.spool, "rb")  # noqa: SIM115 - closed by the generator
    os.unlink(reply.spool)

    async def chunks():
        with f:
            while data := f.read(1 << 16):
                yield data

    headers["Content-Length"] = str(reply.size)
    return StreamingResponse(chunks(), status_code=reply.status, headers=headers,
                             media_type=reply.content_type)


def _file(root: Path, rel: str, csp: str):
    from starlette.responses import FileResponse, PlainTextResponse

    path = resolve_inside(root, rel)
    media = FILE_TYPES.get(path.suffix.lower()) if path is not None else None
    if media is None or Path(rel).suffix.lower() not in FILE_TYPES:
        return PlainTextResponse(f"no page /{rel}; the workbench is at /, the query page at "
                                 "/query/, the endpoint at /sparql", status_code=404)
    return FileResponse(path, media_type=media, headers={"Content-Security-Policy": csp,
                                                         "Cache-Control": "no-cache"})


def _log_config() -> dict:
    """uvicorn's logging: one line per request on stderr (with ``log``), warnings otherwise."""
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {
            "default": {"()": "uvicorn.logging.DefaultFormatter", "fmt": "%(message)s",
                        "use_colors": False},
            "access": {"()": "uvicorn.logging.AccessFormatter", "use_colors": False,
                       "fmt": '%(client_addr)s - "%(request_line)s" %(status_code)s'},
        },
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": "default",
                        "stream": "ext://sys.stderr"},
            "access": {"class": "logging.StreamHandler", "formatter": "access",
                       "stream": "ext://sys.stderr"},
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "WARNING", "propagate": False},
            "uvicorn.error": {"level": "WARNING"},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }


def serve(out_dir: Path, *, ready=None, **settings) -> None:
    """Serve OUT at http://HOST:PORT/ until interrupted (Ctrl-C or SIGTERM), then stop the
    workers. ``settings`` are :class:`SparqlServer`'s; ``ready(server)`` is called once it
    listens (the CLI prints the address there)."""
    server = SparqlServer(Path(out_dir), **settings)
    main = threading.current_thread() is threading.main_thread()
    previous = {}
    if main:  # uvicorn handles both while it serves, and hands them back to these after
        previous = {s: signal.signal(s, server.stop_from_signal)
                    for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        asyncio.run(server.run(ready))
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        server.socket.close()
