"""The CLI: thin commands, every one documented with an example, errors as messages not tracebacks."""
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def test_cli_every_command_is_documented_with_an_example():
    for name, cmd in cli.commands.items():
        doc = (cmd.help or "").strip()
        assert doc, name
        assert doc.splitlines()[-1].strip().startswith("Example: kg "), name


def test_cli_commands_that_read_the_graph_take_out():
    for name in ("query", "serve", "export", "push", "analyze", "view", "validate"):
        if name in cli.commands:
            assert any(p.name == "out_dir" for p in cli.commands[name].params), name


def test_cli_inspect_shows_sections_and_facts(corpus_dir):
    r = CliRunner().invoke(cli, ["inspect", str(corpus_dir / "000_23a78b058b181c61.txt")])
    assert r.exit_code == 0
    assert "(一) [" in r.output and "党对政法工作的绝对领导还要更加彰显" in r.output


def test_cli_bad_file_is_a_message_naming_it(tmp_path, corpus_dir):
    bad = tmp_path / "in"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "good.txt").write_bytes((corpus_dir / "004_e3e487f47ac6cebd.txt").read_bytes())
    r = subprocess.run([sys.executable, "-m", "kg", "build", str(bad), "--out", str(tmp_path / "o"), "--no-views"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1
    assert "empty.txt" in r.stderr and "Traceback" not in r.stderr
    assert "built 1 report(s)" in r.stdout
    assert (tmp_path / "o" / "kg.ttl").exists()


def test_cli_build_exit_code_2_when_nothing_builds(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    r = CliRunner().invoke(cli, ["build", str(tmp_path / "a.txt"), "--out", str(tmp_path / "o"), "--no-views"])
    assert r.exit_code == 2


def test_cli_environment_variables_set_flags(tmp_path, corpus_dir, monkeypatch):
    monkeypatch.setenv("KG_BUILD_OUT_DIR", str(tmp_path / "env-out"))
    r = CliRunner().invoke(cli, ["build", str(corpus_dir / "004_e3e487f47ac6cebd.txt"), "--no-views", "-q"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "env-out" / "kg.ttl").exists()
