"""The `kg` command: thin commands over the library.

Each command parses its flags, calls one library function, and prints. Library errors
(:class:`kg.errors.KgError`) become one clear message here and nowhere else. Every flag can also
be set through a ``KG_<COMMAND>_<FLAG>`` environment variable.
"""
from __future__ import annotations

import sys
from functools import wraps
from pathlib import Path

import click

from kg.errors import KgError, printable

OUT_OPTION = click.option(
    "--out", "out_dir", default="out", show_default=True, type=click.Path(file_okay=False),
    help="The folder `kg build --out DIR` wrote (graph, store, views).")


def _friendly(fn):
    """Turn library errors into a one-line message and a non-zero exit code."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except KgError as e:
            raise click.ClickException(str(e)) from None  # (a KgError escapes what it quotes)
        except KeyboardInterrupt:
            click.echo("interrupted: a command changes the output folder only as its last step, "
                       "all at once, so it holds either the state before or the state after, "
                       "whole", err=True)
            sys.exit(130)

    return wrapper


@click.group(context_settings={"auto_envvar_prefix": "KG", "help_option_names": ["-h", "--help"]})
@click.version_option(package_name="rectkg")
def cli():
    """rectkg: turn rectification reports (巡视/巡察整改通报) into an RDF knowledge graph.

    Example: kg build data/corpus --out out/
    """


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@OUT_OPTION
@click.option("--jobs", "-j", default=0, show_default=True, type=int,
              help="Worker processes (0 = one per core). Output is identical whatever the number.")
@click.option("--prune", is_flag=True,
              help="Remove the reports whose files are gone (never those under a folder that "
                   "could not be read).")
@click.option("--shard", default=None, metavar="I/N",
              help="Build only slice I of N (1-based) and write DIR/shard-I-of-N.nq.")
@click.option("--views/--no-views", default=True, show_default=True,
              help="Write the interactive HTML views after building.")
@click.option("--follow-links", is_flag=True,
              help="Follow symbolic links that lead out of the input folders (by default they "
                   "are skipped, and said so).")
@click.option("--file-timeout", default=300.0, show_default=True, type=float, metavar="SECONDS",
              help="Most time one file may take; a file over it is named and skipped.")
@click.option("--file-memory", default=1000, show_default=True, type=int, metavar="MB",
              help="Most memory one file may take in its worker; a file over it is named and "
                   "skipped. The workers stay under about 300 MB + jobs × this; the store's load "
                   "after them is set by --load-memory.")
@click.option("--load-memory", default=None, type=int, metavar="MB",
              help="Keep the store's bulk load near this much memory by cutting it into calls. "
                   "By default: no bound up to 3 M quads (about 1,200 reports; two loads side by "
                   "side), 450 MB above (10,000 reports: 324 s, 2.1 GB in all, against 347 s and "
                   "3.9 GB unbounded). 0: no bound at any size.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, summary only.")
@_friendly
def build(inputs, out_dir, jobs, prune, shard, views, follow_links, file_timeout, file_memory,
          load_memory, quiet):
    """Build the knowledge graph from report files or folders (walked recursively).

    Writes OUT/kg.ttl (the whole graph, deterministic Turtle), OUT/nquads/ (one N-Quads file a
    report), the store under OUT/store, and the views. A report is named by its path inside the
    folder given (2021/通报.txt). Unchanged files are skipped by content hash. Every output of a
    build is switched at once: Ctrl-C or a crash leaves the previous build whole.

    Exit codes: 0 every file built; 1 some files failed (each named on stderr, the
    others still built); 2 usage error or nothing could be built; 130 interrupted.

    Example: kg build data/corpus --out out/
    """
    from kg.pipeline import build_corpus

    with _terminate_as_interrupt() as terminated:
        summary = build_corpus([Path(p) for p in inputs], Path(out_dir), jobs=jobs, prune=prune,
                               shard=shard, write_views=views, progress=not quiet,
                               follow_links=follow_links, file_seconds=file_timeout or None,
                               file_memory_mb=file_memory or None, load_memory_mb=load_memory)
    if summary.interrupted:
        click.echo(_interrupted(summary), err=True)
        sys.exit(143 if terminated else 130)
    click.echo(summary.render())
    for problem in summary.failures:
        click.echo(f"error: {printable(problem)}", err=True)
    if summary.reports_built == 0 and summary.failures and summary.reports_skipped == 0:
        sys.exit(2)
    sys.exit(1 if summary.failures else 0)


def _interrupted(summary) -> str:
    out = summary.out_dir
    if summary.saved:
        return (f"interrupted after the new build was saved: {out} holds it whole; only "
                "tidying up was left undone")
    if summary.previous_reports is None:
        before = "it holds no build yet"
    else:
        before = f"it still holds the previous build ({summary.previous_reports} reports), whole"
    return (f"interrupted: nothing was saved to {out}; {before}. Run the command again to build "
            "(the reports finished so far are reused)")


class _terminate_as_interrupt:
    """While a command writes, SIGTERM ends it as Ctrl-C does (workers stopped, nothing half
    written); the flag says which it was."""

    def __enter__(self):
        import signal

        self.flag = []

        def handler(signum, frame):
            self.flag.append(signum)
            raise KeyboardInterrupt

        try:
            self.old = signal.signal(signal.SIGTERM, handler)
        except ValueError:  # not the main thread
            self.old = None
        return self.flag

    def __exit__(self, *exc):
        import signal

        if self.old is not None:
            signal.signal(signal.SIGTERM, self.old)


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the document's facts as JSON.")
@_friendly
def inspect(file, as_json):
    """Show how one report is segmented and what is extracted from it (no graph written).

    Example: kg inspect data/corpus/000_23a78b058b181c61.txt
    """
    from kg.inspect import inspect_file

    click.echo(inspect_file(Path(file), as_json=as_json))


@cli.command("validate")
@OUT_OPTION
@click.option("--limit", default=10, show_default=True, type=int,
              help="Show at most N violations per group (0 = all).")
@_friendly
def validate_cmd(out_dir, limit):
    """Check OUT/kg.ttl against the SHACL shapes and the ontology (ontology/*.ttl).

    Prints the violations grouped by shape. Exit codes: 0 the graph conforms; 1 it does not,
    or OUT/kg.ttl cannot be read.

    Example: kg validate --out out/
    """
    from kg.validate import render, validate

    report = validate(Path(out_dir) / "kg.ttl")
    click.echo(render(report, limit=limit))
    sys.exit(0 if report.conforms else 1)


@cli.command()
@OUT_OPTION
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (only this machine by default).")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@click.option("--timeout", default=10.0, show_default=True, type=float,
              help="Seconds a query may wait for a worker, and then run, before it is stopped.")
@click.option("--max-rows", default=10000, show_default=True, type=int,
              help="Most result rows (or triples) one answer returns.")
@click.option("--max-bytes", default=32 * 1024 * 1024, show_default=True, type=int,
              help="Most bytes one answer takes; it is cut between rows before that.")
@click.option("--workers", default=4, show_default=True, type=int,
              help="Query worker processes (at least 2).")
@click.option("--heavy-workers", default=None, type=int,
              help="How many of them may run heavy queries at once (default: half); the "
                   "others stay free for quick ones.")
@click.option("--heavy-after", default=0.1, show_default=True, type=float, metavar="SECONDS",
              help="A query that has used this much CPU (or run ten times as long) is heavy.")
@click.option("--heavy-per-client", default=1, show_default=True, type=int,
              help="Heavy queries one client address may run at once (more wait their turn).")
@click.option("--max-memory", default=2048, show_default=True, type=int, metavar="MB",
              help="Memory one query may use before it is stopped (0 = no cap).")
@click.option("--in-memory", is_flag=True,
              help="Each worker queries an in-memory copy (faster answers; about 7 s and "
                   "300–500 MB per million triples at start).")
@click.option("--allow-host", multiple=True, metavar="NAME",
              help="Another host name requests may use (repeat it; * for any). By default "
                   "only the address it listens on and localhost, against DNS rebinding.")
@click.option("--cors-origin", multiple=True, default=["*"], show_default=True,
              metavar="ORIGIN", help="Origins whose pages may query the endpoint (repeat it; "
                                     "none to allow no other origin).")
@click.option("--quiet", "-q", is_flag=True, help="Do not log each request.")
@_friendly
def serve(out_dir, host, port, timeout, max_rows, max_bytes, workers, heavy_workers,
          heavy_after, heavy_per_client, max_memory, in_memory, allow_host, cors_origin, quiet):
    """Serve the graph read-only: the SPARQL 1.1 endpoint, the query page and the workbench.

    http://HOST:PORT/ opens the out folder's pages (index.html, reports/, views/),
    /query/ the query page with the saved questions, /sparql the endpoint (GET or POST;
    SPARQL JSON/XML/CSV/TSV, Turtle, N-Triples, JSON-LD by content negotiation). Updates, LOAD
    and SERVICE are refused. Ctrl-C stops the server.

    Example: kg serve --out out/ --port 8080 --in-memory
    """
    from kg.serve import serve as run_server

    def ready(server):
        click.echo(f"serving {server.reports} reports at {server.url} (workbench: "
                   f"{server.base_url}, query page: {server.base_url}query/); timeout "
                   f"{timeout:g} s, at most {max_rows} rows; Ctrl-C stops", err=True)
        if host not in ("127.0.0.1", "localhost", "::1"):
            click.echo(f"warning: listening on {host}: anyone who can reach this machine can "
                       "query the graph", err=True)

    run_server(Path(out_dir), host=host, port=port, timeout=timeout, max_rows=max_rows,
               max_bytes=max_bytes, workers=workers, heavy_workers=heavy_workers,
               heavy_after=heavy_after, heavy_per_client=heavy_per_client,
               memory_mb=max_memory or None, in_memory=in_memory, allow_hosts=allow_host,
               cors_origins=cors_origin, log=not quiet, ready=ready)


@cli.command()
@OUT_OPTION
@click.option("--endpoint", required=True,
              help="Graph Store endpoint URL, e.g. http://localhost:8890/sparql-graph-crud-auth.")
@click.option("--user", default=None, help="User name (or KG_PUSH_USER).")
@click.option("--password", default=None, help="Password (or KG_PUSH_PASSWORD).")
@click.option("--graph-base", default=None, metavar="IRI",
              help="Name the graphs IRI+KEY on the server instead of the local graph IRIs.")
@click.option("--format", "fmt", default="nt", show_default=True,
              type=click.Choice(["nt", "turtle"]), help="Serialisation sent to the server.")
@click.option("--timeout", default=60.0, show_default=True, type=float,
              help="Seconds to wait for the server on each graph.")
@click.option("--jobs", "-j", default=1, show_default=True, type=int,
              help="Graphs sent at the same time.")
@_friendly
def push(out_dir, endpoint, user, password, graph_base, fmt, timeout, jobs):
    """Load every report's named graph into a remote triplestore (SPARQL 1.1 Graph Store protocol).

    Each graph is PUT to ENDPOINT?graph=IRI, replacing that graph on the server only.

    Example: kg push --endpoint http://localhost:8890/sparql-graph-crud-auth --user dba --out out/
    """
    from kg.push import push as push_graphs

    summary = push_graphs(Path(out_dir), endpoint, user=user, password=password,
                          graph_base=graph_base, timeout=timeout, format=fmt, jobs=jobs)
    click.echo(summary.render())


@cli.command("query")
@click.argument("query", required=False)
@OUT_OPTION
@click.option("--list", "list_saved", is_flag=True,
              help="List the saved questions, one per line, name first.")
@click.option("--format", "fmt", default="table", show_default=True,
              type=click.Choice(["table", "csv", "tsv", "json"]),
              help="table (aligned), csv, tsv or json (SPARQL 1.1 results JSON).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A saved question's parameter, e.g. --param org=区委政法委 (repeatable).")
@click.option("--timeout", default=30.0, show_default=True, type=float,
              help="Seconds to wait for the answer.")
@click.option("--limit", default=None, type=int, help="Print at most this many rows.")
@_friendly
def query_cmd(query, out_dir, list_saved, fmt, params, timeout, limit):
    """Ask the graph: a SPARQL string, a .rq file, or the name of a saved question.

    The rk:, rkid:, dcterms:, skos:, org:, foaf:, oa:, rdfs:, xsd: … prefixes need no PREFIX line.

    Example: kg query open-problems --param org=区委政法委 --out out/
    """
    from kg.query import format_result, list_queries, run_query

    if list_saved:
        for name, title, _ in list_queries():
            click.echo(f"{name}\t{title}")
        return
    if not query:
        raise click.UsageError("give a query (SPARQL, a .rq file or a saved question's name) "
                               "or --list")
    values = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--param")
        values[key.strip()] = value
    result = run_query(Path(out_dir), query, timeout=timeout, limit=limit, params=values)
    text = format_result(result, fmt)
    click.echo(text, nl=not text.endswith("\n"))


@cli.command("export")
@OUT_OPTION
@click.option("--format", "fmt", required=True,
              type=click.Choice(["turtle", "nt", "trig", "nquads", "jsonld", "graphml", "gexf",
                                 "ledger-csv"]),
              help="turtle/nt: the union of all reports; trig/nquads/jsonld: one named graph per "
                   "report; graphml/gexf: the entity graph for Gephi; ledger-csv: the 整改台账.")
@click.option("-o", "--output", "output", default=None, type=click.Path(dir_okay=False),
              help="Write to this file (atomically) instead of standard output.")
@_friendly
def export_cmd(out_dir, fmt, output):
    """Export the graph in another format, to standard output or a file.

    Example: kg export --format ledger-csv -o ledger.csv --out out/
    """
    from kg.export import export_out

    if output is None:
        export_out(Path(out_dir), fmt, out=click.get_binary_stream("stdout"))
    else:
        size = export_out(Path(out_dir), fmt, path=Path(output))
        click.echo(f"wrote {output} ({size} bytes)", err=True)


@cli.command("remove")
@click.argument("sources", nargs=-1, required=True)
@OUT_OPTION
@click.option("--wait", default=0.0, show_default=True, type=float,
              help="Seconds to wait for a running build to finish.")
@_friendly
def remove_cmd(sources, out_dir, wait):
    """Remove reports (by name, as `kg query reports` lists them, or by a path ending in one).

    A new generation of OUT without them: kg.ttl, nquads/, the analysis and the views made again.

    Example: kg remove 003_d9623f3b0403799a.txt --out out/
    """
    from kg.pipeline import remove_reports

    summary = remove_reports(Path(out_dir), list(sources), wait=wait)
    click.echo(f"removed {summary.reports_removed} report(s); the graph now has "
               f"{summary.reports_total} reports, {summary.triples} triples")


@cli.command("analyze")
@OUT_OPTION
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="Aligned tables, JSON, or CSV (one block per table).")
@click.option("--top", default=10, show_default=True, type=int,
              help="Rows per ranking (top entities, communities, projections).")
@click.option("--threshold", default=None, type=float,
              help="Title similarity for recurring problems (default: the measured one, "
                   "see docs/RECURRING.md).")
@click.option("--write-back", is_flag=True,
              help="Store the recurring-problem groups (rk:similarTo, rk:Theme) in the graph "
                   "https://w3id.org/rectkg/graph/analysis.")
@_friendly
def analyze_cmd(out_dir, fmt, top, threshold, write_back):
    """Centrality, communities, projections, recurring problems, progress and timelines.

    Example: kg analyze --out out/ --top 5
    """
    from kg.analyse import DEFAULT_THRESHOLD, analyse, render

    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    in_store = (Path(out_dir) / "store").exists()   # else a folder with only kg.ttl
    tables = analyse(Path(out_dir), top=top, threshold=threshold,
                     write=write_back and not in_store)
    if write_back and in_store:
        from kg.analyse import analysis_quads, recurring_problems, problems
        from kg.pipeline import write_analysis

        groups = recurring_problems(problems(Path(out_dir)), threshold)
        summary = write_analysis(Path(out_dir), groups, {"threshold": threshold})
        tables["write_back"] = [{"groups": len(groups),
                                 "quads": sum(1 for _ in analysis_quads(groups)),
                                 "graph": "https://w3id.org/rectkg/graph/analysis",
                                 "where": str(Path(out_dir) / "store"),
                                 "triples": summary.triples}]
    click.echo(render(tables, fmt))


@cli.command("view")
@OUT_OPTION
@click.option("--focus", default=None, metavar="IRI_OR_LABEL",
              help="Draw only the neighbourhood of this entity (an IRI, org/…, or a label).")
@click.option("--depth", default=2, show_default=True, type=int,
              help="How many links from the focus entity to draw.")
@click.option("--budget", default=1500, show_default=True, type=int,
              help="Most nodes per view; beyond it measures are folded and small nodes grouped.")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="The day the report pages' ledgers are computed for (default: today).")
@click.option("--graph-views/--no-graph-views", "graph_views", default=None,
              help="Write the graph views (default: up to 1,000 reports; above, their corpus-wide "
                   "entity graph takes minutes and gigabytes).")
@_friendly
def view_cmd(out_dir, focus, depth, budget, as_of, graph_views):
    """Write the workbench pages (offline): OUT/index.html, OUT/reports/KEY.html, OUT/compare.html
    and the graph views under OUT/views/; or, with --focus, one focus view.

    Example: kg view --out out/ --focus 县委组织部 --depth 2
    """
    from kg.views import focus_view

    if focus:
        click.echo(str(focus_view(Path(out_dir), focus, depth, budget=budget)))
        return
    from kg.pipeline import refresh_views
    from kg.store import Store

    day = _date_option(as_of)
    if Store.open(Path(out_dir)).generation is None and (Path(out_dir) / "kg.ttl").is_file():
        from kg.site import write_views  # a folder with only a graph file: views beside it

        paths = write_views(Path(out_dir), budget=budget, as_of=day,
                            graph_views=True if graph_views is None else graph_views)
        click.echo(f"wrote {len(paths)} files; open {paths[-1]}")
        return
    refresh_views(Path(out_dir), budget=budget, as_of=day, graph_views=graph_views)
    click.echo(f"wrote the views; open {Path(out_dir) / 'index.html'}")


def _date_option(value):
    if value is None:
        return None
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint="--as-of")


@cli.command("ledger")
@OUT_OPTION
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="The day the status (已销号 / 整改中 / 逾期) and the lights are computed for "
                   "(default: today).")
@click.option("--lights", default="20,10,0", show_default=True, metavar="G,Y,R",
              help="Days left at which the light turns green, yellow and red.")
@click.option("--xlsx", "xlsx", default=None, type=click.Path(dir_okay=False),
              help="Excel workbook to write (default: OUT/ledger.xlsx).")
@click.option("--csv", "csv_path", default=None, type=click.Path(dir_okay=False),
              help="CSV file to write, UTF-8 with a byte-order mark (default: OUT/ledger.csv).")
@_friendly
def ledger_cmd(out_dir, as_of, lights, xlsx, csv_path):
    """Write the corpus ledger (整改台账) to closure as .xlsx (a summary sheet and one sheet per
    report) and as CSV: one row per problem with its measures, responsible units and people,
    deadline, days left, status and light, and the offsets of its evidence.

    Example: kg ledger --out out/ --as-of 2021-12-31
    """
    from kg.ledger import ledger_rows, parse_lights, summary_rows, write_csv, write_xlsx

    try:
        light_days = parse_lights(lights)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--lights")
    day = _date_option(as_of)
    rows = ledger_rows(Path(out_dir), as_of=day, lights=light_days)
    xlsx_path = Path(xlsx) if xlsx else Path(out_dir) / "ledger.xlsx"
    csv_file = Path(csv_path) if csv_path else Path(out_dir) / "ledger.csv"
    write_xlsx(rows, xlsx_path, as_of=day)
    write_csv(rows, csv_file)
    totals = summary_rows(rows)
    counts = {k: sum(t[k] for t in totals) for k in ("已销号", "整改中", "逾期")}
    click.echo(f"{len(rows)} problems in {len(totals)} reports: "
               + ", ".join(f"{k} {v}" for k, v in counts.items()))
    click.echo(f"wrote {xlsx_path} and {csv_file}")


@cli.command("compare")
@OUT_OPTION
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="Aligned tables, JSON, or CSV (one block per table).")
@click.option("--threshold", default=None, type=float,
              help="Title similarity at which two rounds' problems are the same problem "
                   "(default: the measured one, docs/RECURRING.md).")
@_friendly
def compare_cmd(out_dir, fmt, threshold):
    """Rounds compared (回头看): for every unit answered for by more than one report, each
    problem per round as new / recurring / back again / closed; and completion rates by region,
    level, unit type, genre, year and category. The pages are in OUT/compare.html.

    Example: kg compare --out out/ --format csv
    """
    from kg.analyse import DEFAULT_THRESHOLD, render
    from kg.compare import compare

    tables = compare(Path(out_dir), threshold=DEFAULT_THRESHOLD if threshold is None else threshold)
    click.echo(render(tables, fmt))


@cli.command("bench", context_settings={"ignore_unknown_options": True,
                                        "allow_extra_args": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench_cmd(args):
    """Benchmark builds, rebuilds and saved questions against another commit and rdflib.

    Runs bench/bench.py of the source checkout with ARGS (kg bench --help lists them): every
    figure measured (the median of several runs, with the machine's load), none extrapolated.
    Prints markdown tables, also written to bench/results/latest.md. The scale corpora are for
    speed only, never for accuracy.

    Example: kg bench --sizes 1000,10000 --then 8807fab --work /tmp/bench
    """
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "bench" / "bench.py"
    if not path.is_file():
        raise click.ClickException(f"no benchmark script at {path}; run kg bench from a source "
                                   "checkout of rectkg")
    spec = importlib.util.spec_from_file_location("rectkg_bench", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    module.main(list(args))


def main():  # pragma: no cover - entry point
    try:
        cli(prog_name="kg")
    finally:
        import signal

        # The command has finished (or said why not). A Ctrl-C from here on would land in the
        # interpreter's shutdown, which puts the default handler back: the process would die by
        # the signal (exit -2, no message) after its work was done and saved.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
