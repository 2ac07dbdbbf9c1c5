"""What must hold when things go wrong: Ctrl-C keeps what was found, a crashing rule is a
recorded rule error, and odd start pages give a finding or a one-line error."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from seoaudit.devserver import Request, Response, SiteServer
from seoaudit.models import PageFacts
from seoaudit.rules import registry
from seoaudit.rules.registry import Hit, rule, run_rules
from seoaudit.site import Site
from seoaudit.store import Store, StoreError
from tests.sites import crawl


async def _slow_endless_site(request: Request) -> Response:
    """Every page links to the next ten; each answer takes 0.1 s."""
    if request.path == "/robots.txt":
        return Response(404)
    number = int(request.path.strip("/") or 0)
    links = "".join(f'<a href="/{number * 10 + i}">{i}</a>' for i in range(1, 11))
    return Response(
        200, [("Content-Type", "text/html")], f"<title>{number}</title>{links}".encode(), delay=0.1
    )


@pytest.fixture
def slow_site() -> Iterator[str]:
    with SiteServer(handler=_slow_endless_site) as server:
        yield server.base_url


@pytest.mark.e2e
def test_ctrl_c_stops_cleanly_and_writes_the_report(slow_site: str, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "seoaudit",
            "audit",
            slow_site + "/",
            "-q",
            "--no-sitemaps",
            "-f",
            "json",
            "-o",
            "out.json",
            "--run-dir",
            "runs",
            "--per-host",
            "2",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    runs = tmp_path / "runs"
    while time.monotonic() < deadline:  # wait until the crawl has really started
        time.sleep(0.3)
        if runs.exists() and any(runs.glob("*.sqlite")):
            time.sleep(1.0)
            break
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["run"]["state"] == "interrupted"
    assert report["run"]["pages_fetched"] >= 2
    # the stored run is intact and readable after the interruption
    again = subprocess.run(
        [sys.executable, "-m", "seoaudit", "report", "latest", "-f", "json", "--run-dir", "runs"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["run"]["pages_fetched"] == report["run"]["pages_fetched"]


def test_a_crashing_rule_is_recorded_not_fatal(tmp_path: Path) -> None:
    result = crawl({"/": {"body": '<a href="/x">x</a>'}, "/x": {"status": 404}}, tmp_path)

    @rule("TST999", "always-crashes", severity="error")
    def crashes(page: PageFacts, site: Site) -> Iterator[Hit]:
        """Test rule.

        ## Why it matters
        ## How to fix
        ## How to verify
        ## Source
        """
        raise ValueError("boom")
        yield  # pragma: no cover

    try:
        site = Site(Store(result.store_path))
        findings, errors = run_rules(
            site, [registry.REGISTRY["TST999"], registry.REGISTRY["HTTP001"]]
        )
    finally:
        del registry.REGISTRY["TST999"]
    assert [f.rule for f in findings] == ["HTTP001"]  # the other rule still ran
    assert errors and errors[0].rule == "TST999" and "ValueError: boom" in errors[0].error


def test_non_html_start_page_is_audited_without_error(tmp_path: Path) -> None:
    result = crawl({"/": {"body": b"%PDF-1.4 binary", "content_type": "application/pdf"}}, tmp_path)
    assert not result.start_failed
    assert result.report.run.state == "complete"
    assert result.report.rule_errors == []


def test_empty_site_is_a_clean_run(tmp_path: Path) -> None:
    result = crawl({"/": {"body": ""}}, tmp_path)
    assert result.report.run.pages_fetched == 1
    assert result.report.rule_errors == []


def test_robots_txt_timeout_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    result = crawl(
        {"/robots.txt": {"raise": "read-timeout"}, "/": {"body": "<title>home</title>"}}, tmp_path
    )
    rules = {f.rule for f in result.report.findings}
    assert "ROB001" in rules
    assert result.report.rule_errors == []


def test_an_internal_crawl_error_keeps_what_was_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from seoaudit.crawl import engine

    calls = {"n": 0}
    real = engine.Crawler._read_sitemaps

    async def explode(self: engine.Crawler, *args: object) -> None:
        calls["n"] += 1
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(engine.Crawler, "_read_sitemaps", explode)
    result = crawl({"/": {"body": "<title>home</title>"}}, tmp_path)
    assert calls["n"] == 1 and real is not explode
    assert result.report.run.state == "failed"
    assert "simulated bug" in (result.report.run.message or "")
    assert Store(result.store_path).load_run().state == "failed"  # stored, readable


def test_a_bug_on_every_page_prints_a_few_tracebacks_and_names_the_start_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The first internal errors are logged for a bug report, not one per page; a start
    page that answered but could not be read says so (not "no HTTP response")."""
    from seoaudit.crawl import engine

    parse = engine.extract_digest
    broken = {"start": False}

    def breaking(result: Any, *args: Any, **kwargs: Any) -> Any:
        if broken["start"] or "/p" in result.url:
            raise ValueError("boom")
        return parse(result, *args, **kwargs)

    monkeypatch.setattr(engine, "extract_digest", breaking)
    monkeypatch.setattr(engine, "POOL_AFTER", 10**9)  # inline, in this process
    links = "".join(f'<a href="/p{i}">{i}</a>' for i in range(12))
    pages = {"/": {"body": links}} | {f"/p{i}": {"body": "<title>p</title>"} for i in range(12)}
    with caplog.at_level("ERROR", logger="seoaudit"):
        result = crawl(pages, tmp_path / "pages", sitemaps=False)
    assert result.stats.fetched == 13 and not result.start_failed
    said = result.report.summary["internal_errors"]  # the report says what was not read
    assert said["pages"] == 12 and len(said["examples"]) == 5
    assert said["examples"][0] == {"url": "http://site.test/p0", "detail": "ValueError: boom"}
    logged = [r for r in caplog.records if r.name == "seoaudit.crawl.engine"]
    assert [r.exc_info is not None for r in logged] == [True] * engine.MAX_LOGGED_ERRORS + [False]
    broken["start"] = True
    result = crawl(pages, tmp_path / "start", sitemaps=False)
    assert result.start_failed
    assert result.start_problem == (
        "it answered, but reading it failed on an internal error of seoaudit "
        "(ValueError: boom); please report it as a bug"
    )


def test_the_command_line_prints_log_lines_without_terminal_escapes() -> None:
    import logging

    from seoaudit.cli import _LogFormatter

    formatter = _LogFormatter("seoaudit: %(message)s")
    record = logging.LogRecord(
        "seoaudit.x", logging.ERROR, __file__, 1, "internal error on %s", ("\x1b[31mred",), None
    )
    assert formatter.format(record) == "seoaudit: internal error on  [31mred"


@pytest.mark.e2e
def test_a_killed_run_keeps_what_it_stored(slow_site: str, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "seoaudit",
            "audit",
            slow_site + "/",
            "-q",
            "--no-sitemaps",
            "--run-dir",
            "runs",
            "--per-host",
            "2",
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    runs = tmp_path / "runs"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # until at least one batch of pages is on disk
        time.sleep(0.3)
        files = list(runs.glob("*.sqlite")) if runs.exists() else []
        try:
            if files and Store(files[0]).pages_count() >= 3:
                break
        except StoreError:  # the file exists, its tables are still being created
            continue
    proc.kill()  # SIGKILL: no chance to clean up
    proc.wait(timeout=30)
    again = subprocess.run(
        [sys.executable, "-m", "seoaudit", "report", "latest", "-f", "json", "--run-dir", "runs"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["run"]["state"] == "interrupted"
    assert report["run"]["pages_fetched"] >= 3
    assert "killed" in report["run"]["message"]


def test_crawled_text_of_any_length_keeps_findings_readable(tmp_path: Path) -> None:
    # Names, dates, tag names and script types come from the page and may be any length:
    # every rule must bound what it quotes (a finding is read in a terminal and a ticket).
    huge = "x" * 50_000
    product = {"@context": "https://schema.org", "@type": "Product", "name": huge, "sku": "A"}
    other = {"@context": "https://schema.org", "@type": "Product", "name": "y" * 50_000}
    offer = {
        "@type": "Offer",
        "price": "1",
        "priceCurrency": "EUR",
        "priceValidUntil": "2001-01-01",
    }
    recipe = {
        "@context": "https://schema.org",
        "@type": "Recipe",
        "name": huge,
        "nutrition": {"@type": "NutritionInformation", "calories": huge},
    }
    body = (
        f'<title>{huge}</title><script type="application/ld+json">{json.dumps(product | {"offers": offer})}</script>'
        f'<script type="application/ld+json">{json.dumps(other)}</script>'
        f'<script type="application/ld+json">{json.dumps(recipe)}</script>'
        f'<script type="{"t" * 50_000}">{json.dumps(product)}</script>'
        f"<x-{'n' * 50_000} data-nosnippet>hidden</x-{'n' * 50_000}>"
        f'<img src="/a.png" alt="{"word " * 20_000}">'
    )
    result = crawl({"/": {"body": body}}, tmp_path)
    findings = result.report.findings
    fired = {f.rule for f in findings}
    assert {"SD002", "SD020", "SD021", "SD024", "IDX012", "ONP012"} <= fired
    assert not result.report.rule_errors
    too_long = [
        (f.rule, len(f.message), len(f.cause or ""), len(json.dumps(f.evidence)))
        for f in findings
        if len(f.message) >= 1_000
        or len(f.cause or "") >= 500
        or len(json.dumps(f.evidence)) >= 20_000
    ]
    assert too_long == [], str(too_long)


def test_findings_are_bounded_whatever_a_rule_quotes() -> None:
    spec = registry.REGISTRY["ONP001"]
    hit = Hit(
        "http://site.test/",
        "m" * 100_000,
        {"title": "t" * 100_000, "nested": [[[[[[["deep" * 1_000]]]]]]], "n": 3},
        cause="c" * 100_000,
    )
    finding = registry._finding(spec, hit)
    assert len(finding.message) == registry.MAX_MESSAGE and finding.message.endswith("…")
    assert finding.cause is not None and len(finding.cause) == registry.MAX_CAUSE
    assert len(finding.evidence["title"]) == registry.MAX_EVIDENCE_TEXT
    assert finding.evidence["n"] == 3
    assert len(json.dumps(finding.evidence)) < 3 * registry.MAX_EVIDENCE_TEXT
    short = Hit("http://site.test/", "fine", {"a": ["b", {"c": 1}]}, cause="x")
    assert registry._finding(spec, short).evidence == {"a": ["b", {"c": 1}]}


def test_findings_carry_no_terminal_escapes_whatever_a_rule_quotes() -> None:
    """A header or title may hold escape sequences; every output reads the finding."""
    spec = registry.REGISTRY["IDX001"]
    evil = "noindex, \x1b]0;PWNED\x07\x1b[31mRED\u202e"
    hit = Hit("http://site.test/", f"X-Robots-Tag: {evil}", {"raw": f"a\nb\t{evil}"}, cause=evil)
    finding = registry._finding(spec, hit)
    assert finding.message == "X-Robots-Tag: noindex,  ]0;PWNED  [31mRED "
    assert finding.cause == "noindex,  ]0;PWNED  [31mRED "
    assert finding.evidence["raw"] == "a\nb\tnoindex,  ]0;PWNED  [31mRED "  # lines kept


def test_a_damaged_run_file_is_a_clear_error(tmp_path: Path) -> None:
    result = crawl({"/": {"body": "<title>home</title>"}}, tmp_path)
    data = bytearray(result.store_path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8192] = bytes(8192)  # a few pages of the file zeroed
    result.store_path.write_bytes(bytes(data))
    proc = subprocess.run(
        [sys.executable, "-m", "seoaudit", "report", str(result.store_path), "-f", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "2000"},  # rich wraps at the terminal's width
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    # one line that names the run file and says what to do
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith(f"seoaudit: cannot read or write the run file {result.store_path}: ")
    assert line.endswith(
        f"(sqlite3 {result.store_path} 'PRAGMA integrity_check'), then run the command again"
    )


def test_a_url_in_structured_data_that_is_no_url_costs_no_check(tmp_path: Path) -> None:
    """An image "http://[::1": the checks after the crawl raised on it, and the run
    failed with every check result lost."""
    body = (
        '<script type="application/ld+json">{"@context":"https://schema.org",'
        '"@type":"Product","name":"Boot","image":["http://[::1","http://site.test/i.png"]}'
        "</script>"
    )
    result = crawl({"/": {"body": body}, "/i.png": {"body": "x"}}, tmp_path)
    assert result.report.run.state == "complete"
    checked = {c.url for c in Site(Store(result.store_path)).checks()}
    assert "http://site.test/i.png" in checked


def test_a_lone_surrogate_in_json_ld_does_not_cost_the_page(tmp_path: Path) -> None:
    body = (
        '<title>Boot</title><script type="application/ld+json">'
        '{"@context":"https://schema.org","@type":"Product","name":"bad \\ud800 name",'
        '"description":"\\ud83d\\ude00"}</script>'
    )
    result = crawl({"/": {"body": body}}, tmp_path)
    page = next(iter(Store(result.store_path).iter_pages()))
    assert page.error is None
    data = page.structured_data[0].data
    assert isinstance(data, dict)
    assert (data["name"], data["description"]) == ("bad \ufffd name", "\U0001f600")


def test_odd_structured_data_values_never_cost_the_page(tmp_path: Path) -> None:
    # Values of every JSON type where strings are expected, numbers too large to write out
    # ("1e999999999" made the visibility probe's Decimal.normalize overflow, and the whole
    # page became an internal error), signalling NaNs, URLs that are no URLs.
    blocks = [
        {"@type": "Event", "name": ["a", {"x": 1}], "location": [None, 5, "text"]},
        {
            "@type": "Event",
            "name": {"@value": "b"},
            "location": {"@id": "#x"},
            "url": "http://[bad/",
        },
        {"@type": "Dataset", "description": ["x" * 10, 7, None]},
        {"@type": "ItemList", "itemListElement": [{"@type": "Course"}, "str", None]},
        {"@type": "Product", "@id": "#p", "name": "A", "offers": {"price": "1e999999999"}},
        {"@type": "Product", "name": "C", "offers": {"price": "sNaN", "priceCurrency": ["EUR", 3]}},
    ]
    body = "".join(
        f'<script type="application/ld+json">{json.dumps({"@context": "https://schema.org", **b})}</script>'
        for b in blocks
    )
    body += (
        '<div itemscope itemtype="https://schema.org/Product" itemid="#p"><span itemprop="name">B'
        '</span><div itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
        '<meta itemprop="price" content="NaN"></div></div><p>Price 12.50</p>'
    )
    result = crawl({"/": {"body": body}}, tmp_path)
    (page,) = Site(Store(result.store_path)).pages()
    assert page.status == 200 and page.error is None and len(page.structured_data) == 7
    assert not result.report.rule_errors
    assert {"SD023", "SD026", "SD027"} <= {f.rule for f in result.report.findings}


def test_json_numbers_beyond_python_and_double_range_are_kept_as_written(tmp_path: Path) -> None:
    # Valid JSON both: a 5,000-digit integer made Python's int() refuse the whole block
    # (SD001 "does not parse"); 1e400 became inf, stored as null: "price missing".
    huge = "9" * 5000
    body = (
        '<title>Boot</title><script type="application/ld+json">'
        '{"@context":"https://schema.org","@type":"Product","name":"Boot","sku":'
        + huge
        + ',"offers":{"@type":"Offer","price":1e400,"priceCurrency":"EUR"}}</script>'
    )
    result = crawl({"/": {"body": body}}, tmp_path)
    (page,) = Site(Store(result.store_path)).pages()
    (block,) = page.structured_data
    assert block.error is None and block.types == ["Product", "Offer"]
    assert isinstance(block.data, dict)
    assert block.data["sku"] == huge and block.data["offers"]["price"] == "1e400"
    said = {f.rule: f.message for f in result.report.findings}
    assert "SD001" not in said
    assert (
        said["SD008"]
        == "Product: offers.price '1e400' is in exponent notation: write the plain number"
    )


def test_a_sitemap_that_does_not_decode_is_not_said_to_answer_200(tmp_path: Path) -> None:
    pages = {
        "/": {"body": "<title>x</title>"},
        "/robots.txt": {"body": "User-agent: *\nAllow: /\nSitemap: http://site.test/sm.xml\n"},
        "/sm.xml": {
            "body": "<urlset></urlset>",
            "headers": {"Content-Encoding": "no-such-coding"},
            "content_type": "application/xml",
        },
    }
    said = {f.rule: f.message for f in crawl(pages, tmp_path).report.findings}
    assert said["SMP002"] == "Sitemap answers 200 but fails: decoding-error (named in robots.txt)"
    assert said["ROB013"].endswith("which answers status 200 and fails: decoding-error")


def test_opening_a_file_that_is_no_run_leaves_it_as_it_was(tmp_path: Path) -> None:
    # `seoaudit report other.db`: the store switched another program's database to WAL
    # (and made an empty file a 4 KB database) before finding it was no run.
    other = tmp_path / "other.db"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE notes (text TEXT)")
    db.execute("INSERT INTO notes VALUES ('keep me')")
    db.commit()
    db.close()
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    for path in (other, empty):
        before = path.read_bytes()
        with pytest.raises(StoreError, match="is not a seoaudit run file"):
            Store(path)
        assert path.read_bytes() == before
    assert sqlite3.connect(other).execute("PRAGMA journal_mode").fetchone() == ("delete",)
