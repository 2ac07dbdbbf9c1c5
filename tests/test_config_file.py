"""Configuration as code (configfile.py): finding the file, merging the layers (defaults <
file < flags < SEOAUDIT_* environment), errors that name the key, and `config show`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import trustme
from typer.testing import CliRunner

from seoaudit.cli import app
from seoaudit.config import ca_bundle_problem
from seoaudit.configfile import ConfigError, effective, find_config, load, show

SAMPLE = """
start_urls = ["https://www.example.com/"]
select = ["HTTP", "ROB"]
fail_on = "warning"

[crawl]
max-pages = 500
concurrency = 4

[gate]
baseline = "seo/baseline.txt"

[crawler_policy]
googlebot-image = "block"

[per_url_ignores]
"/legacy/" = ["HTTP001"]

[severity_overrides]
HTTP006 = "notice"

[[budgets]]
rules = ["HTTP001"]
max_new = 0

[[kpis]]
metric = "indexable_share"
min = 0.9
"""


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_file_is_found_in_a_parent_folder_and_read(tmp_path: Path) -> None:
    _write(tmp_path, "seoaudit.toml", SAMPLE)
    work = tmp_path / "sub" / "dir"
    work.mkdir(parents=True)
    loaded = load(env={}, cwd=work)
    settings = loaded.settings
    assert loaded.file == tmp_path / "seoaudit.toml"
    assert settings.start_urls == ["https://www.example.com/"]
    assert settings.crawl.max_pages == 500  # kebab-case key accepted
    assert settings.crawler_policy == {"googlebot-image": "block"}  # user keys kept as written
    assert settings.per_url_ignores == {"/legacy/": ["HTTP001"]}
    assert settings.budgets[0].max_new == 0
    assert settings.kpis[0].metric == "indexable_share"
    # paths in a file are relative to the file's folder
    assert settings.gate.baseline == (tmp_path / "seo" / "baseline.txt").resolve()
    assert loaded.sources["crawl.max_pages"] == "seoaudit.toml"
    assert loaded.sources.get("crawl.retries") is None  # a default


def test_a_ca_bundle_in_a_file_is_relative_to_it(tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    trustme.CA().cert_pem.write_to_path(str(tmp_path / "certs" / "ca.pem"))
    _write(tmp_path, "seoaudit.toml", '[crawl]\nca_bundle = "certs/ca.pem"\n')
    work = tmp_path / "sub"
    work.mkdir()
    assert load(env={}, cwd=work).settings.crawl.ca_bundle == (tmp_path / "certs" / "ca.pem")
    assert ca_bundle_problem(tmp_path / "certs" / "ca.pem") is None
    (tmp_path / "certs" / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\nnope\n")
    assert "not a readable PEM file" in (ca_bundle_problem(tmp_path / "certs" / "ca.pem") or "")
    # read when a crawl starts, not when settings load: a stored run stays readable
    assert load(env={}, cwd=work).settings.crawl.ca_bundle == (tmp_path / "certs" / "ca.pem")


def test_pyproject_tool_table_and_precedence_within_a_folder(tmp_path: Path) -> None:
    _write(
        tmp_path, "pyproject.toml", '[project]\nname = "x"\n[tool.seoaudit]\nfail_on = "notice"\n'
    )
    assert load(env={}, cwd=tmp_path).settings.fail_on == "notice"
    _write(tmp_path, "seoaudit.toml", 'fail_on = "warning"\n')
    assert find_config(tmp_path) == tmp_path / "seoaudit.toml"  # seoaudit.toml wins
    # a pyproject.toml without [tool.seoaudit] is not a config file
    other = tmp_path / "other"
    _write(other, "pyproject.toml", '[project]\nname = "y"\n')
    assert find_config(other) == tmp_path / "seoaudit.toml"


def test_flags_override_the_file_and_the_environment_overrides_both(tmp_path: Path) -> None:
    _write(tmp_path, "seoaudit.toml", SAMPLE)
    flags = {"crawl.max_pages": (50, "--max-pages"), "fail_on": ("error", "--fail-on")}
    env = {"SEOAUDIT_CRAWL__MAX_PAGES": "7", "SEOAUDIT_SELECT": "HTTP001 ROB008"}
    loaded = load(env=env, cwd=tmp_path, flags=flags)
    assert loaded.settings.crawl.max_pages == 7
    assert loaded.sources["crawl.max_pages"] == "env SEOAUDIT_CRAWL__MAX_PAGES"
    assert loaded.settings.fail_on == "error"
    assert loaded.sources["fail_on"] == "flag --fail-on"
    assert loaded.settings.select == ["HTTP001", "ROB008"]  # whitespace-separated list
    assert loaded.settings.crawl.concurrency == 4  # untouched keys of a section survive


def test_environment_values_json_lists_tables_and_empty(tmp_path: Path) -> None:
    env = {
        "SEOAUDIT_START_URLS": '["https://a.example/", "b.example"]',
        "SEOAUDIT_BUDGETS": '[{"rules": ["HTTP"], "max_count": 3, "level": "warn"}]',
        "SEOAUDIT_CRAWL__MAX_DEPTH": "",  # empty: unset (a missing CI secret expands to "")
        "SEOAUDIT_CRAWL__IGNORE_ROBOTS": "true",
        "SEOAUDIT_NOT_A_SETTING": "1",
    }
    loaded = load(env=env, cwd=tmp_path)
    assert loaded.settings.start_urls == ["https://a.example/", "https://b.example/"]
    assert loaded.settings.budgets[0].level == "warn"
    assert loaded.settings.crawl.max_depth is None
    assert loaded.settings.crawl.ignore_robots is True
    assert loaded.warnings == ["ignoring unknown environment variable SEOAUDIT_NOT_A_SETTING"]
    with pytest.raises(ConfigError, match="SEOAUDIT_BUDGETS: invalid JSON"):
        load(env={"SEOAUDIT_BUDGETS": "[{"}, cwd=tmp_path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[crawl]\nmax_pagez = 3\n", "seoaudit.toml: crawl.max_pagez: unknown key"),
        ("[crawl]\nmax_pages = 0\n", "seoaudit.toml: crawl.max_pages: Input should be greater"),
        ('fail_on = "sometimes"\n', "seoaudit.toml: fail_on: Input should be"),
        ("[[budgets]]\nrules = ['HTTP']\n", "budgets.0: a budget needs max_count"),
        ("[[budgets]]\nurls = '('\nmax_count = 1\n", "budgets.0.urls: invalid regular expression"),
        ("[[suppress]]\nrules = ['HTTP']\n", "suppress.0.reason: Field required"),
        ("[[kpis]]\nmetric = 'ttfb_p95_ms'\n", "kpis.0: a KPI needs min or max"),
        ("select = [\n", "seoaudit.toml: invalid TOML"),
        ("[crawl]\nauth = { user = 'u', password = 'p' }\n", "credentials are never read"),
        ("select = ['HTPP']\n", "select: no rule code starts with 'HTPP'"),
        ("ignore = ['']\n", "ignore: empty rule code"),
        ("ignore = ['HTTP,']\n", "ignore: empty rule code in 'HTTP,'"),
        ("[per_url_ignores]\n'/x/' = ['RBO']\n", "per_url_ignores: no rule"),
        ("[severity_overrides]\nHTTP009X = 'notice'\n", "severity_overrides: no rule code"),
        ("[severity_overrides]\n'HTTP,ROB' = 'notice'\n", "one rule code or prefix per key"),
        ("[[budgets]]\nrules = ['SDD']\nmax_count = 1\n", "budgets.0.rules: no rule code"),
        ("[[suppress]]\nrules = ['X1']\nreason = 'r'\n", "suppress.0.rules: no rule code"),
    ],
)
def test_invalid_files_name_the_file_and_the_key(tmp_path: Path, text: str, expected: str) -> None:
    _write(tmp_path, "seoaudit.toml", text)
    with pytest.raises(ConfigError) as info:
        load(env={}, cwd=tmp_path)
    assert expected in str(info.value)


def test_bad_start_url_and_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="env SEOAUDIT_START_URLS: start_urls: 'ftp://x'"):
        load(env={"SEOAUDIT_START_URLS": "ftp://x"}, cwd=tmp_path)
    with pytest.raises(ConfigError, match="not found"):
        load(config=Path("nope.toml"), env={}, cwd=tmp_path)
    with pytest.raises(ConfigError, match="not found"):
        load(env={"SEOAUDIT_CONFIG": "nope.toml"}, cwd=tmp_path)


def test_isolated_ignores_files(tmp_path: Path) -> None:
    _write(tmp_path, "seoaudit.toml", 'fail_on = "notice"\n')
    loaded = load(env={}, cwd=tmp_path, isolated=True)
    assert loaded.file is None and loaded.settings.fail_on == "error"


# -- secrets --------------------------------------------------------------------------------

PASSWORD = "pw-Secret-4711"  # a test value


def test_credentials_come_from_the_environment_and_are_never_shown(tmp_path: Path) -> None:
    env = {
        "SEOAUDIT_START_URLS": "https://staging.example/ https://www.staging.example/",
        "SEOAUDIT_AUTH_USER": "seo-bot",
        "SEOAUDIT_AUTH_PASSWORD": PASSWORD,
    }
    loaded = load(env=env, cwd=tmp_path)
    auth = loaded.settings.crawl.auth
    assert auth is not None
    assert auth.password.get_secret_value() == PASSWORD
    assert auth.origins == ["https://staging.example", "https://www.staging.example"]
    for text in (
        json.dumps(loaded.settings.public_dict()),
        loaded.settings.model_dump_json(),
        repr(loaded.settings),
        str(loaded.settings),
        show(loaded),
        json.dumps(effective(loaded)),
    ):
        assert PASSWORD not in text and "seo-bot" not in text
    assert "credentials are set" in show(loaded)
    assert effective(loaded)["sources"]["crawl.auth"].startswith("env SEOAUDIT_AUTH_USER")


def test_combined_auth_variable_and_its_errors(tmp_path: Path) -> None:
    base = {"SEOAUDIT_START_URLS": "https://x.example/"}
    loaded = load(env={**base, "SEOAUDIT_AUTH": f"bot:{PASSWORD}:x"}, cwd=tmp_path)
    assert loaded.settings.crawl.auth is not None
    assert loaded.settings.crawl.auth.password.get_secret_value() == f"{PASSWORD}:x"
    with pytest.raises(ConfigError, match="SEOAUDIT_AUTH_PASSWORD is empty"):
        load(env={**base, "SEOAUDIT_AUTH_USER": "bot"}, cwd=tmp_path)
    with pytest.raises(ConfigError, match="user:password"):
        load(env={**base, "SEOAUDIT_AUTH": "no-colon"}, cwd=tmp_path)
    with pytest.raises(ConfigError, match="environment only"):
        load(env=base, cwd=tmp_path, flags={"crawl.auth": ({"user": "u"}, "--auth")})
    with pytest.raises(ConfigError, match="SEOAUDIT_AUTH_USER"):
        load(env={**base, "SEOAUDIT_CRAWL__AUTH": "x"}, cwd=tmp_path)
    # no credentials at all (e.g. a fork's pull request without secrets): no auth
    assert load(env={**base, "SEOAUDIT_AUTH_USER": ""}, cwd=tmp_path).settings.crawl.auth is None


# -- the command ----------------------------------------------------------------------------


def test_config_show_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, "seoaudit.toml", SAMPLE)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["config", "show"],
        env={"SEOAUDIT_CRAWL__RETRIES": "0", "SEOAUDIT_AUTH": f"bot:{PASSWORD}"},
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    lines = result.output.splitlines()
    assert any(line.startswith("max_pages = 500") and "# seoaudit.toml" in line for line in lines)
    assert any(
        line.startswith("retries = 0") and "env SEOAUDIT_CRAWL__RETRIES" in line for line in lines
    )
    assert any(line.startswith("fail_on = ") and "# seoaudit.toml" in line for line in lines)
    as_json = runner.invoke(app, ["config", "show", "--format", "json"], env={})
    data = json.loads(as_json.output)
    assert data["settings"]["crawl"]["max_pages"] == 500
    assert data["sources"]["crawl.per_host"] == "default"


def test_invalid_config_is_exit_code_2_with_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, "seoaudit.toml", "[crawl]\nmax_pagez = 3\n")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for args in (["config", "show"], ["audit", "http://127.0.0.1:9/"], ["check", "latest"]):
        result = runner.invoke(app, args, env={})
        assert result.exit_code == 2, (args, result.output)
        assert "crawl.max_pagez: unknown key" in result.output


def test_rule_codes_are_split_on_commas_upper_cased_and_checked(tmp_path: Path) -> None:
    """`--select HTTP,ROB` ran no rule at all (no code starts with "HTTP,ROB"), and a gate
    over no rules passes: a CI job with a typo in a rule code was always green."""
    _write(
        tmp_path,
        "seoaudit.toml",
        "select = ['http,ROB', 'HTTP001']\n"
        "[per_url_ignores]\n'/x/' = ['sd0,SD01']\n"
        "[severity_overrides]\nhttp006 = 'notice'\n",
    )
    settings = load(env={}, cwd=tmp_path).settings
    assert settings.select == ["HTTP", "ROB", "HTTP001"]
    assert settings.per_url_ignores == {"/x/": ["SD0", "SD01"]}
    assert settings.severity_overrides == {"HTTP006": "notice"}

    runner = CliRunner()
    for args in (
        ["audit", "http://127.0.0.1:9/", "--isolated", "--select", "HTTP,RBO"],
        ["audit", "http://127.0.0.1:9/", "--isolated", "--ignore", ""],
        ["check", "latest", "--isolated", "--select", "HTPP"],
    ):
        result = runner.invoke(app, args, env={})
        assert result.exit_code == 2, (args, result.output)
        assert "rule code" in result.output, result.output


@pytest.mark.parametrize(
    "text",
    [
        "[crawl]\ndeadline = inf\n",
        "[crawl]\nmax_retry_wait = nan\n",
        "[impact.severity_weights]\nerror = nan\n",
    ],
)
def test_infinite_or_nan_numbers_are_refused(tmp_path: Path, text: str) -> None:
    """Stored as null, they made the run file unreadable after the crawl."""
    (tmp_path / "seoaudit.toml").write_text(text)
    with pytest.raises(ConfigError, match="finite number"):
        load(env={}, cwd=tmp_path)


def test_a_run_stored_with_rule_codes_this_version_refuses_still_reports(tmp_path: Path) -> None:
    """Runs made before the check above may hold `select = ["HTTP,ROB"]`: reporting such a
    run judges it under today's settings and must not validate the stored ones."""
    from seoaudit.store import Store
    from tests.sites import crawl

    result = crawl({"/": {"body": "<title>Home</title>"}}, tmp_path)
    store = Store(result.store_path)
    try:
        run = store.get_meta("run")
        run["settings"]["select"] = ["HTTP,ROB"]
        run["settings"]["crawler_policy"] = {"gptbot": "block"}
        store.set_meta("run", run)
        store.db.commit()
    finally:
        store.close()
    out = tmp_path / "r.json"
    runner = CliRunner()
    args = ["report", str(result.store_path), "-f", "json", "-o", str(out)]
    answer = runner.invoke(app, args, env={})
    assert answer.exit_code == 0, answer.output
    assert json.loads(out.read_text())["run"]["settings"]["select"] == ["HTTP,ROB"]


def test_a_pyproject_with_our_table_that_does_not_parse_is_an_error(tmp_path: Path) -> None:
    """It was taken for a pyproject.toml without [tool.seoaudit] and skipped: the audit
    ran with the defaults (or a parent folder's file) and said nothing."""
    project = tmp_path / "project"
    project.mkdir()
    _write(tmp_path, "seoaudit.toml", "fail_on = 'never'\n")
    _write(project, "pyproject.toml", "[tool.seoaudit]\nselect = ['HTTP'\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml.*invalid TOML"):
        load(env={}, cwd=project)
    _write(project, "pyproject.toml", "[[ tool . 'seoaudit' . budgets ]]\nmax_count = \n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load(env={}, cwd=project)
    # A broken pyproject.toml with nothing of ours is not ours: the parent's file is read.
    _write(project, "pyproject.toml", "[tool.black]\nline-length = \n[tool.seoaudits]\n")
    assert load(env={}, cwd=project).settings.fail_on == "never"


def test_a_run_dir_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    """--run-dir under a file ended in a NotADirectoryError traceback, exit 1."""
    (tmp_path / "afile").write_text("x")
    runner = CliRunner()
    args = ["audit", "http://127.0.0.1:9/", "--isolated", "--run-dir", str(tmp_path / "afile/r")]
    result = runner.invoke(app, args, env={})
    assert result.exit_code == 2, result.output
    assert "cannot create the run file" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("https://bob:s3cret@staging.example.com/", "'https://staging.example.com/' is given"),
        ("bob@staging.example.com", "with a user name or password"),
        ("http://127.0.0.1:0/", "has port 0"),
    ],
)
def test_a_start_url_with_credentials_or_port_0_is_refused(
    tmp_path: Path, url: str, says: str
) -> None:
    """Credentials in a start URL were dropped silently (the crawl then met a 401), and
    port 0 was accepted. The message never repeats the password."""
    with pytest.raises(ConfigError) as caught:
        load(env={}, cwd=tmp_path, flags={"start_urls": ([url], "URL")})
    assert says in str(caught.value)
    assert "s3cret" not in str(caught.value)
    assert "SEOAUDIT_AUTH=user:password" in str(caught.value) or "port 0" in says


@pytest.mark.parametrize(
    ("toml", "says"),
    [
        (
            "[thresholds]\ntitle_min_chars = 70\ntitle_max_chars = 60",
            "title_min_chars (70) is above",
        ),
        ("[thresholds]\nslow_ttfb_ms = -1", "greater than or equal to 0"),
        ("[thresholds]\nnear_duplicate_bits = 65", "less than or equal to 64"),
        ("[thresholds]\nstuffing_repeats = 1", "greater than or equal to 2"),
        ("[thresholds]\nsitemap_error_share = 10", "less than or equal to 1"),
        ("[[kpis]]\nmetric = 'error_rate'\nmax = 5", "write 5% as 0.05"),
        ("[[kpis]]\nmetric = 'indexable_share'\nmin = 0.9\nmax = 0.8", "min 0.9 is above max"),
        ("[[kpis]]\nmetric = 'ttfb_p95_ms'\nmax = -800", "cannot be negative"),
    ],
)
def test_thresholds_and_kpi_bounds_out_of_range_are_configuration_errors(
    tmp_path: Path, toml: str, says: str
) -> None:
    """They were taken as given: a KPI share bound of 5 (meant 5%) never failed, a minimum
    above its maximum flagged every page."""
    _write(tmp_path, "seoaudit.toml", toml)
    with pytest.raises(ConfigError, match=re.escape(says)):
        load(env={}, cwd=tmp_path)


def test_kpi_bounds_in_range_are_kept(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "seoaudit.toml",
        "[[kpis]]\nmetric = 'error_rate'\nmax = 0.05\n"
        "[[kpis]]\nmetric = 'ttfb_p95_ms'\nmax = 800\n"
        "[thresholds]\ntitle_min_chars = 60\ntitle_max_chars = 60",
    )
    settings = load(env={}, cwd=tmp_path).settings
    assert [(k.metric, k.max) for k in settings.kpis] == [
        ("error_rate", 0.05),
        ("ttfb_p95_ms", 800),
    ]
    assert settings.thresholds.title_min_chars == settings.thresholds.title_max_chars == 60
