"""Finding stored runs: which run `latest` names, and in which folder every command that
reads a run looks."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seoaudit.cli import app
from tests.sites import crawl

SITE = {"/": {"body": "<title>Home</title><p>Hello</p>"}}


def _run_id(runner: CliRunner, *args: str) -> str:
    """The run id `seoaudit report ARGS` reports on."""
    answer = runner.invoke(app, ["report", *args, "-f", "json"], env={})
    assert answer.exit_code == 0, answer.output
    return str(json.loads(answer.stdout)["run"]["run_id"])


def test_latest_is_the_run_started_last_even_after_reading_an_older_one(tmp_path: Path) -> None:
    """Reading a run writes to its file (its KPIs), and `latest` took the file modified
    last: after `seoaudit report OLD`, `latest` named OLD."""
    runs = tmp_path / "runs"
    old = crawl(SITE, runs).store_path  # two runs, likely in the same second
    new = crawl(SITE, runs).store_path
    runner = CliRunner()
    assert _run_id(runner, "latest", "--run-dir", str(runs)) == new.stem
    assert _run_id(runner, str(old)) == old.stem
    assert old.stat().st_mtime >= new.stat().st_mtime  # reading it did touch it
    assert _run_id(runner, "latest", "--run-dir", str(runs)) == new.stem
    assert _run_id(runner, old.stem, "--run-dir", str(runs)) == old.stem
    assert _run_id(runner, "latest", "--run-dir", str(runs)) == new.stem


def test_latest_skips_files_that_are_no_run_and_leaves_them_as_they_were(
    tmp_path: Path,
) -> None:
    from seoaudit.audit import latest_run

    runs = tmp_path / "runs"
    newest = crawl(SITE, runs).store_path
    other = runs / "zz-other-program.sqlite"  # another program's database
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    db.commit()
    db.close()
    (runs / "zz-text.sqlite").write_text("not a database")
    (runs / "zz-empty.sqlite").write_bytes(b"")
    (runs / "zz-folder.sqlite").mkdir()
    before = {p.name: p.read_bytes() for p in runs.iterdir() if p.is_file()}
    assert latest_run(runs) == (newest, sorted(p for p in runs.iterdir() if p != newest))
    answer = CliRunner().invoke(app, ["report", "latest", "--run-dir", str(runs)], env={})
    assert answer.exit_code == 0, answer.output
    said = " ".join(answer.output.split())  # rich wraps long lines
    assert "skipped zz-empty.sqlite, zz-folder.sqlite, zz-other-program.sqlite and 1 more" in said
    after = {p.name: p.read_bytes() for p in runs.iterdir() if p.is_file() and p != newest}
    assert after == {k: v for k, v in before.items() if k != newest.name}

    newest.unlink()
    answer = CliRunner().invoke(app, ["report", "latest", "--run-dir", str(runs)], env={})
    assert answer.exit_code == 2 and "no runs in" in " ".join(answer.output.split())
    assert "Traceback" not in answer.output


def test_latest_of_runs_without_a_precise_start(tmp_path: Path) -> None:
    """Run files made before the start was recorded to the microsecond are ordered by the
    start they show (seconds), then by their name's timestamp."""
    from seoaudit.audit import latest_run

    runs = tmp_path / "runs"
    paths = [crawl(SITE, runs).store_path for _ in range(3)]
    for path, started in zip(paths, ["2026-01-02T10:00:00+00:00", None, None], strict=True):
        db = sqlite3.connect(path)
        db.execute("DELETE FROM meta WHERE key = 'started'")
        run = json.loads(db.execute("SELECT value FROM meta WHERE key = 'run'").fetchone()[0])
        run["started_at"] = started
        db.execute("UPDATE meta SET value = ? WHERE key = 'run'", (json.dumps(run),))
        db.commit()
        db.close()
    named = paths[1].rename(runs / "20260102-100001-site-test.sqlite")
    paths[2].rename(runs / "20260102-095959-site-test.sqlite")
    assert latest_run(runs) == (named, [])


# -- the run folder of a config file ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "table"), [("seoaudit.toml", ""), ("pyproject.toml", "[tool.seoaudit]\n")]
)
def test_every_command_that_reads_runs_finds_them_in_the_configured_run_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, table: str
) -> None:
    """`report` and `tickets` looked in .seoaudit/runs (or --run-dir) whatever the config
    file said, where `audit` had stored the run."""
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    (project / name).write_text(f'{table}run_dir = "store/runs"\n', encoding="utf-8")
    monkeypatch.chdir(project / "sub")  # the file is found in a parent, paths are its own
    monkeypatch.delenv("SEOAUDIT_RUN_DIR", raising=False)
    monkeypatch.delenv("SEOAUDIT_CONFIG", raising=False)
    stored = crawl(SITE, project / "store" / "runs").store_path
    runner = CliRunner()
    assert _run_id(runner, "latest") == stored.stem
    assert _run_id(runner, stored.stem) == stored.stem
    commands = [
        ["tickets", "latest", "-t", "github", "-o", str(tmp_path / "tickets")],
        ["check", "latest", "-q", "--fail-on", "never"],
        ["diff", "latest", stored.stem, "-o", str(tmp_path / "diff.txt")],
        ["baseline", "create", "latest", "--baseline", str(tmp_path / "baseline.txt")],
    ]
    for args in commands:
        answer = runner.invoke(app, args, env={})
        assert answer.exit_code == 0, (args, answer.output)
    assert not (project / "sub" / ".seoaudit").exists()

    # As for `audit`: a flag wins over the file, the environment over both.
    elsewhere = crawl(SITE, tmp_path / "elsewhere").store_path
    assert _run_id(runner, "latest", "--run-dir", str(elsewhere.parent)) == elsewhere.stem
    env = {"SEOAUDIT_RUN_DIR": str(elsewhere.parent)}
    answer = runner.invoke(app, ["report", "latest", "-f", "json", "--run-dir", "x"], env=env)
    assert json.loads(answer.stdout)["run"]["run_id"] == elsewhere.stem
    answer = runner.invoke(app, ["report", "latest", "--isolated"], env={})
    assert answer.exit_code == 2 and "no runs in .seoaudit" in " ".join(answer.output.split())


def test_demo_stores_its_run_where_the_config_file_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`demo` built its settings itself and stored the run in .seoaudit/runs whatever the
    config file said: `seoaudit report latest` then found nothing there."""
    site = tmp_path / "site"  # a one-page stand-in for the bundled shop: quick to crawl
    site.mkdir()
    (site / "index.html").write_text("<title>Home</title><p>Hello</p>", encoding="utf-8")
    monkeypatch.setattr("seoaudit.cli.demo_site_root", lambda: site)
    project = tmp_path / "project"
    project.mkdir()
    (project / "seoaudit.toml").write_text('run_dir = "store/runs"\n', encoding="utf-8")
    monkeypatch.chdir(project)
    monkeypatch.delenv("SEOAUDIT_RUN_DIR", raising=False)
    monkeypatch.delenv("SEOAUDIT_CONFIG", raising=False)
    runner = CliRunner()

    def demo(*args: str, env: dict[str, str] | None = None) -> list[Path]:
        answer = runner.invoke(app, ["demo", "-q", *args], env=env or {})
        assert answer.exit_code == 0, answer.output
        return sorted(project.rglob("*.sqlite"))

    stored = demo()
    assert [p.parent for p in stored] == [project / "store" / "runs"]
    assert _run_id(runner, "latest") == stored[0].stem
    assert not (project / ".seoaudit").exists()

    # As for `audit`: the flag wins over the file, the environment over both.
    flagged = set(demo("--run-dir", "flagged")) - set(stored)
    assert [p.parent for p in flagged] == [project / "flagged"]
    env = {"SEOAUDIT_RUN_DIR": str(project / "from-env")}
    from_env = set(demo("--run-dir", "flagged", env=env)) - set(stored) - flagged
    assert [p.parent for p in from_env] == [project / "from-env"]
    demo("--isolated")
    assert (project / ".seoaudit" / "runs").is_dir()
