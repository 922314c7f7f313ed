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

from kg.errors import KgError

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
            raise click.ClickException(str(e)) from None

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
@click.option("--jobs", "-j", default=1, show_default=True, type=int,
              help="Worker processes (0 = one per core). Output is identical to -j 1.")
@click.option("--prune", is_flag=True, help="Remove the graphs of reports whose files are gone.")
@click.option("--shard", default=None, metavar="I/N",
              help="Build only slice I of N (1-based) and write DIR/shard-I-of-N.nq.")
@click.option("--views/--no-views", default=True, show_default=True,
              help="Write the interactive HTML views after building.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, summary only.")
@_friendly
def build(inputs, out_dir, jobs, prune, shard, views, quiet):
    """Build the knowledge graph from report files or folders (walked recursively).

    Writes OUT/kg.ttl (the whole graph, deterministic Turtle), the store under OUT/store,
    and the views. Unchanged files are skipped by content hash.

    Exit codes: 0 every file built; 1 some files failed (each named on stderr, the
    others still built); 2 usage error or nothing could be built.

    Example: kg build data/corpus --out out/
    """
    from kg.pipeline import build_corpus

    summary = build_corpus([Path(p) for p in inputs], Path(out_dir), jobs=jobs, prune=prune,
                           shard=shard, write_views=views, progress=not quiet)
    click.echo(summary.render())
    for problem in summary.failures:
        click.echo(f"error: {problem}", err=True)
    if summary.reports_built == 0 and summary.failures and summary.reports_skipped == 0:
        sys.exit(2)
    sys.exit(1 if summary.failures else 0)


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the document's facts as JSON.")
@_friendly
def inspect(file, as_json):
    """Show how one report is segmented and what is extracted from it (no graph written).

    Example: kg inspect data/corpus/000_23a78b058b181c61.txt
    """
    from kg.pipeline import inspect_file

    click.echo(inspect_file(Path(file), as_json=as_json))


@cli.command("validate")
@OUT_OPTION
@click.option("--limit", default=10, show_default=True, type=int,
              help="Show at most N violations per group (0 = all).")
@_friendly
def validate_cmd(out_dir, limit):
    """Check OUT/kg.ttl against the SHACL shapes and the ontology (ontology/*.ttl).

    Prints the violations grouped by shape. Exit codes: 0 the graph conforms; 1 it does not.

    Example: kg validate --out out/
    """
    from kg.validate import render, validate

    report = validate(Path(out_dir) / "kg.ttl")
    click.echo(render(report, limit=limit))
    sys.exit(0 if report.conforms else 1)


def main():  # pragma: no cover - entry point
    cli(prog_name="kg")
