"""The HTML report: self-contained, escaped, rendered by a real headless browser
(Debian's chromium; .ci/run installs it), with KPIs and their trend across runs."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from seoaudit.models import Finding, Issue, Report, RunInfo, ScoreInputs
from seoaudit.report import WRITERS, build_report, html
from seoaudit.site import Site
from seoaudit.store import Store
from tests.sites import ORIGIN, crawl

PAYLOAD = (
    "</title></script><script>document.body.setAttribute('data-pwned','1')</script>"
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">"
)
CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _pages() -> dict[str, dict[str, Any]]:
    return {
        "/": {
            "body": f"<html><head><title>{PAYLOAD}</title></head><body>"
            '<a href="/missing.html">x</a><a href="/private/a">p</a></body></html>'
        },
        "/robots.txt": {"body": "User-agent: *\nDisallow: /private/\n"},
    }


def _hostile_report() -> Report:
    issue = Issue(
        id="0123456789ab",
        rule="HTTP001",
        name="broken-internal-url",
        severity="error",
        title=f"Title from the page: {PAYLOAD}",
        cause=PAYLOAD,
        count=2,
        sample_urls=[f"{ORIGIN}/a?q={PAYLOAD}", "javascript:alert(1)"],
        impact=77.0,
        priority="P1",
        score=ScoreInputs(severity_weight=10, affected=2, page_value_sum=7.7, formula="f"),
        evidence={"title": PAYLOAD, "status": 404},
        owner="content/CMS",
    )
    finding = Finding(
        rule="HTTP001",
        name="broken-internal-url",
        severity="error",
        url=f"{ORIGIN}/a",
        message=PAYLOAD,
        issue=issue.id,
    )
    run = RunInfo(run_id="run-1", tool_version="0", start_urls=[ORIGIN + "/"], state="complete")
    # summary keys from other modules may be missing or oddly shaped: read defensively
    summary = {"kpis": {"indexable_share": 0.5, "ttfb_ms": {"p50": 120.0}}, "speed": "fast"}
    return Report(run=run, summary=summary, issues=[issue], findings=[finding])


def _run_report(tmp_path: Path) -> Report:
    path = crawl(_pages(), tmp_path / "runs").store_path
    store = Store(path)
    try:
        return build_report(store, Site(store))
    finally:
        store.close()


def test_html_is_a_registered_format() -> None:
    assert WRITERS["html"] is html.write


def test_the_file_is_self_contained(tmp_path: Path) -> None:
    text = html.render(_run_report(tmp_path))
    assert not re.search(r"<(script|img|iframe|link|source|video|audio)\b[^>]*\b(src|href)=", text)
    assert "@import" not in text and "url(" not in text
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text)
    assert csp is not None and "default-src 'none'" in csp.group(1)
    script = re.search(r"<script>(.*?)</script>", text, re.S)
    assert script is not None
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp.group(1)  # our script, and only it, may run
    assert text.count("<script>") == 1


def test_crawled_text_is_escaped() -> None:
    text = html.render(_hostile_report())
    assert PAYLOAD not in text
    assert "&lt;script&gt;document.body" in text
    assert 'href="javascript:' not in text
    assert "<svg" in text  # charts


def test_summary_keys_may_be_missing() -> None:
    run = RunInfo(run_id="r", tool_version="0")
    text = html.render(Report(run=run, summary={"kpis": [], "kpi_trend": "x", "status_classes": 3}))
    assert "No issues found." in text


def test_kpis_and_their_trend_across_stored_runs(tmp_path: Path) -> None:
    first = _run_report(tmp_path)
    second = _run_report(tmp_path)  # same run folder: the trend has two points
    assert first.summary["kpis"]["indexable_share"] is not None
    trend = second.summary["kpi_trend"]
    assert [p["run_id"] for p in trend] == [first.run.run_id, second.run.run_id]
    text = html.render(second)
    assert "<polyline" in text  # sparkline of a KPI
    assert "Trends over the last 2 runs" in text


def _chromium(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    import tempfile

    profile = tempfile.mkdtemp(prefix="profile-", dir=tmp_path)  # a new profile each run
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (.ci/run installs it with apt-get when it can)",
)
def test_a_real_browser_renders_the_report_and_runs_no_crawled_script(tmp_path: Path) -> None:
    report = _run_report(tmp_path)
    hostile = _hostile_report()
    report.issues.insert(0, hostile.issues[0])
    # crawled names in the access matrix and the structured-data table too
    assert report.access is not None
    report.access.rows[0].section = f"/{PAYLOAD}/"
    counts = {"items": 1, "valid": 0, "warnings": 0, "errors": 1}
    report.summary["structured_data"] = {"pages": 1, "types": {PAYLOAD: counts}}
    page = tmp_path / "report.html"
    page.write_text(html.render(report), encoding="utf-8")
    result = _chromium(["--dump-dom", page.as_uri()], tmp_path)
    dom = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    assert 'data-ready="1"' in dom  # the report's own script ran
    assert 'data-pwned="' not in dom  # the page's did not
    assert "Scorecard" in dom
    assert 'id="access"' in dom and 'id="structured-data"' in dom
    assert dom.count('class="issue"') == len(report.issues)
    assert "Title from the page: &lt;/title&gt;&lt;/script&gt;&lt;script&gt;" in dom
    for issue in report.issues[1:]:
        assert f'id="issue-{issue.id}"' in dom
    shot = tmp_path / "shot.png"
    result = _chromium(["--window-size=1280,2000", f"--screenshot={shot}", page.as_uri()], tmp_path)
    assert shot.exists() and shot.stat().st_size > 10_000


def test_markdown_summary_shows_kpis_and_owners() -> None:
    text = WRITERS_RENDER["markdown"](_hostile_report())
    assert "Indexable **50.0%**" in text
    assert "TTFB p50 **120 ms**" in text
    assert "content/CMS" in text
    assert "<script>" not in text


def _render_markdown(report: Report) -> str:
    from seoaudit.report import markdown

    return markdown.render(report)


WRITERS_RENDER = {"markdown": _render_markdown}


def test_the_crawl_footprint_is_charted_for_the_server_team(tmp_path: Path) -> None:
    report = _run_report(tmp_path)
    impact = report.summary["crawl_impact"]
    impact["backoffs"] = [
        {
            "at": 3.5,
            "host": "site.test",
            "trigger": "503 <b>received</b>",
            "action": "per-host concurrency 4 -> 2",
        }
    ]
    impact["timeline"] = [
        {"t": 0, "requests_per_second": 12.0, "ttfb_p95_ms": 40.0},
        {"t": 10, "requests_per_second": 8.0, "ttfb_p95_ms": 120.0},
    ]
    text = html.render(report)
    section = text[text.index('id="footprint"') :]
    assert "What the crawl did to the server" in section
    assert "requests/s (max 12)" in section and "TTFB p95 ms (max 120)" in section
    assert "<polyline" in section
    assert "503 &lt;b&gt;received&lt;/b&gt;" in section  # escaped like every other text
    assert "seoaudit/" in section  # the user agent the server team will see in its logs


def test_no_footprint_section_without_footprint_data() -> None:
    run = RunInfo(run_id="r", tool_version="0")
    assert 'id="footprint"' not in html.render(Report(run=run, summary={}))


def test_a_run_that_timed_no_response_says_so_instead_of_none_ms(tmp_path: Path) -> None:
    """Nothing listens on port 9: the footprint has requests but no TTFB, which read
    "TTFB p50 None ms p95 None ms" in the terminal and the HTML report."""
    import io

    from seoaudit.audit import run_audit
    from seoaudit.config import CrawlSettings, Settings

    settings = Settings(
        start_urls=["http://127.0.0.1:9/"],
        crawl=CrawlSettings(retries=0, probe=False),
        run_dir=tmp_path,
    )
    report = run_audit(settings).report
    impact = report.summary["crawl_impact"]
    assert impact["requests"] >= 1 and impact["ttfb_ms"]["p50"] is None
    terminal = io.StringIO()
    WRITERS["console"](report, terminal)
    page = html.render(report)
    for text in (" ".join(terminal.getvalue().split()), page):
        assert "None ms" not in text
        assert "no response to time (TTFB)" in text


def _visible(page: str) -> str:
    """The HTML report's text as a reader sees it: no script, style or tags."""
    page = re.sub(r"<(script|style)>.*?</\1>", " ", page, flags=re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def _python_words(text: str) -> list[str]:
    """None, True or False where a value belongs, with some context ("Evidence: None
    recorded." is English)."""
    text = text.replace("None recorded.", "")
    return [
        text[m.start() - 40 : m.end() + 20]
        for m in re.finditer(r"(?<![\w-])(None|True|False)(?![\w-])", text)
    ]


def test_optional_values_never_render_as_python_none_true_or_false(tmp_path: Path) -> None:
    """The footprint read "Limits: concurrency 16, per_host 4, rps None, respect_crawl_delay
    False, adaptive True" when no --rps was given; it says what the terminal says."""
    import io

    report = _run_report(tmp_path)  # no --rps
    impact = report.summary["crawl_impact"]
    assert impact["limits"]["rps"] is None
    terminal = io.StringIO()
    WRITERS["console"](report, terminal)
    said = " ".join(terminal.getvalue().split())
    limits = (
        "16 requests in flight in total, 4 per host, no requests-per-second limit, robots.txt "
        "crawl-delay ignored, automatic back-off on, 30 s per fetch at most"
    )
    page = _visible(html.render(report))
    assert f"limits: {limits}" in said
    assert f"Limits: {limits}." in page
    assert _python_words(page) == []

    impact["limits"]["rps"] = 2.0
    assert "2/s per host" in _visible(html.render(report))

    # A run file with fewer facts: no start time, no owner, a footprint without limits,
    # user agent or status mix, a TTFB without p90 and p99.
    run = report.run.model_copy(update={"started_at": None})
    issues = [i.model_copy(update={"owner": ""}) for i in report.issues]
    bare = {"requests": 3, "duration_s": 1.0, "ttfb_ms": {"p50": 80.0, "p95": None}}
    summary = {**report.summary, "crawl_impact": bare, "kpis": {"ttfb_ms": {"p50": 120.0}}}
    page = _visible(
        html.render(report.model_copy(update={"run": run, "issues": issues, "summary": summary}))
    )
    assert _python_words(page) == []
    assert "· ·" not in page and "owner hint" not in page and "User agent" not in page
    assert "Limits: not recorded." in page and "Status mix: none." in page
    assert "TTFB p50 80.0 ms p95 n/a ms" in page
    assert "120 ms p50 · p90 n/a · p99 n/a" in page


def test_the_terminal_summary_shows_the_status_classes_in_words(tmp_path: Path) -> None:
    """It printed the Python dict: "status {'2xx': 10, '4xx': 2}"."""
    import io

    terminal = io.StringIO()
    WRITERS["console"](_run_report(tmp_path), terminal)
    said = " ".join(terminal.getvalue().split())
    assert "status 2xx 1, 4xx 1" in said and "{'" not in said


def test_the_kpi_trend_is_read_from_a_run_folder_with_a_hash_in_its_path(
    tmp_path: Path,
) -> None:
    """The trend opened sibling runs as the URI "file:{path}", which a "#" or "?" in the
    path cut short: a run folder like "site#2" had no trend."""
    folder = tmp_path / "site#2?x"
    first = _run_report(folder)
    second = _run_report(folder)
    assert [p["run_id"] for p in second.summary["kpi_trend"]] == [
        first.run.run_id,
        second.run.run_id,
    ]


# -- the structured-data table and the access matrix, as the terminal shows them -----------


def _ld(data: dict[str, Any]) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


_CRUMBS = {
    "@context": "https://schema.org",
    "@type": "BreadcrumbList",
    "itemListElement": [{"@type": "ListItem", "position": 1, "name": "Home", "item": f"{ORIGIN}/"}],
}
# required name and image missing, a price that is no number: errors
_BROKEN_PRODUCT = {
    "@context": "https://schema.org",
    "@type": "Product",
    "offers": {"@type": "Offer", "price": "x"},
}
SHOP: dict[str, dict[str, Any]] = {
    "/": {
        "body": "<title>home</title>"
        + "".join(f'<a href="{p}">{p}</a>' for p in ("/shop/a", "/shop/b", "/blog/c"))
        + _ld(_CRUMBS)
    },
    "/shop/a": {"body": "<title>a</title>" + _ld(_BROKEN_PRODUCT)},
    "/shop/b": {"body": "<title>b</title>" + _ld(_CRUMBS)},
    # the server refuses Googlebot here (the user-agent probe's Server column)
    "/blog/c": {"body": "<title>c</title>", "agents": {"googlebot": {"status": 403}}},
    "/robots.txt": {"body": "User-agent: GPTBot\nDisallow: /shop/\n"},
}


def _table_rows(page: str, section: str) -> list[list[str]]:
    """The text of each cell of each body row of the first table in the section."""
    import html as html_lib

    start = page.index(f'<section id="{section}">')
    body = page[start : page.index("</section>", start)]
    body = body[body.index("<tbody>") : body.index("</tbody>")]
    return [
        [html_lib.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]
        for cells in (
            re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
        )
    ]


def _console(report: Report) -> str:
    import io

    from seoaudit.report import console

    out = io.StringIO()
    console.write(report, out, width=220)
    return out.getvalue()


def test_the_html_report_shows_the_terminals_structured_data_and_access_tables(
    tmp_path: Path,
) -> None:
    """The terminal showed both tables; the HTML report, the one SEO and IT read together,
    had neither (`grep GPTBot report.html` found nothing). Same rows, same numbers, same
    legend and notes, in plain HTML tables (no script needed to read them)."""
    import html as html_lib

    from seoaudit.access import KNOWN_CRAWLERS, LEGEND, PROBE_LIMIT_NOTE

    report = crawl(SHOP, tmp_path).report
    page = html.render(report)
    terminal = _console(report)
    matrix = report.access
    assert matrix is not None and len(matrix.crawlers) == 12

    # Structured data: the terminal's title and rows, cell for cell.
    health = report.summary["structured_data"]
    assert health["types"]["Product"] == {"items": 1, "valid": 0, "warnings": 0, "errors": 1}
    title = "Structured data on 3 pages (items per type)"
    assert title in terminal and f"<h2>{title}</h2>" in page
    said = [
        [cell.strip() for cell in line.strip("│ ").split("│")]
        for line in terminal.splitlines()
        if line.startswith("│")
    ]
    shown = _table_rows(page, "structured-data")
    assert shown == [["BreadcrumbList", "2", "2", "0", "0"], ["Product", "1", "0", "0", "1"]]
    assert all(row in said for row in shown)

    # The access matrix: a column per crawler (named as operators write it), a row per
    # section with the terminal's words, the Server column, the legend and the note.
    head = page[page.index('<section id="access">') :]
    head = head[: head.index("</thead>")]
    for token in matrix.crawlers:
        assert f">{KNOWN_CRAWLERS[token].label}</th>" in head
    assert ">GPTBot</th>" in head and ">Server</th>" in head
    rows = _table_rows(page, "access")
    lines = terminal.splitlines()
    assert len(rows) == len(matrix.rows) == 3
    for row in rows:
        line = next(x for x in lines if x.split()[:1] == [row[0]])
        assert " ".join(row) == " ".join(line.split())  # same words, same order
    by_section = {row[0]: row for row in rows}
    gptbot = 2 + matrix.crawlers.index("gptbot")
    assert by_section["/shop/"][gptbot] == "block" and by_section["/shop/"][2] == "ok"
    assert by_section["/blog/"][-1] == "googlebot 403"
    assert 'title="robots.txt line 2: Disallow: /shop/"' in page  # the deciding line
    visible = html_lib.unescape(_visible(page))
    assert LEGEND in visible and PROBE_LIMIT_NOTE in visible
    # where a reader expects them: with the summaries, before the ranked issues
    order = [page.index(f'id="{s}"') for s in ("charts", "structured-data", "access", "issues")]
    assert order == sorted(order)


def test_hostile_section_and_type_names_are_escaped_in_the_html_tables(tmp_path: Path) -> None:
    from seoaudit.access import MAX_ROWS
    from seoaudit.models import AccessMatrix, AccessRow, AccessVerdict

    blocked = AccessVerdict(verdict="blocked", blocked=1, checked=1, line=3, rule=PAYLOAD)
    rows = [
        AccessRow(
            origin=ORIGIN,
            section=f"/{PAYLOAD}{i}/",
            urls=1,
            crawlers={"gptbot": blocked},
            server={"googlebot": PAYLOAD},
        )
        for i in range(MAX_ROWS + 5)  # more than a run keeps: the page stays bounded
    ]
    types = {
        f"{PAYLOAD}{i}": {"items": 1, "valid": 0, "warnings": 0, "errors": 1} for i in range(12)
    }
    report = _hostile_report()
    report.access = AccessMatrix(crawlers=["gptbot"], rows=rows, notes=[PAYLOAD])
    report.summary["structured_data"] = {"pages": 1, "types": types, "rdfa_blocks": 0}
    page = html.render(report)
    assert PAYLOAD not in page
    escaped = "&lt;/title&gt;&lt;/script&gt;&lt;script&gt;document.body"
    for section in ("structured-data", "access"):
        start = page.index(f'<section id="{section}">')
        assert escaped in page[start : page.index("</section>", start)]
    assert len(_table_rows(page, "access")) == MAX_ROWS
    assert "5 more sections in the JSON report" in page
    # the terminal's ten types, and the number left out, in both
    assert len(_table_rows(page, "structured-data")) == 10
    assert "2 more types in the JSON report" in page
    assert "2 more types in the JSON report" in " ".join(_console(report).split())
