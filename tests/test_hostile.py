"""Hostile and broken sites: one real server on 127.0.0.1 serves every nasty case at once,
and the real CLI must finish within bounded time and memory, write valid reports, and
describe what was wrong. Nothing here may crash, hang or lose the run."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import brotli
import pytest

from seoaudit.devserver import Request, Response, SiteServer

pytestmark = pytest.mark.e2e

BOMB_SIZE = 64 * 1024 * 1024
GZIP_BOMB = gzip.compress(b"\0" * BOMB_SIZE, 9)
BROTLI_BOMB = brotli.compress(b"\0" * BOMB_SIZE, quality=5)
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol9;</loc></url></urlset>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://x/&xxe;</loc></url></urlset>"""

CASES = [
    "/gzip-bomb",
    "/brotli-bomb",
    "/huge.html",
    "/endless-chunked",
    "/drip",
    "/reset",
    "/truncated",
    "/latin1-declared-utf8-sent",
    "/invalid-utf8",
    "/utf16",
    "/nul-bytes",
    "/malformed",
    "/calendar/2026/1",
    "/session?sid=0",
    "/filters?a=0",
    "/rep/",
    "/loop-a",
    "/chain/0",
    "/many-links",
    "/long-url",
]


def _html(body: str, charset: str = "utf-8") -> Response:
    return Response(200, [("Content-Type", f"text/html; charset={charset}")], body.encode())


async def _endless(chunk: bytes, pause: float = 0.0) -> AsyncIterator[bytes]:
    while True:  # the client must stop reading; the server stops when it disconnects
        yield chunk
        if pause:
            await asyncio.sleep(pause)


async def _huge(total: int) -> AsyncIterator[bytes]:
    block = b"<p>" + b"x" * 65_530 + b"</p>"
    for _ in range(total // len(block)):
        yield block


async def hostile(request: Request) -> Response | None:
    path, query = request.path, request.query
    if path == "/":
        links = "".join(f'<a href="{c}">{c}</a>' for c in CASES)
        return _html(f"<title>Hostile</title><h1>Cases</h1>{links}")
    if path == "/robots.txt":  # 10 MB of rules
        line = b"Disallow: /nothing-here-" + b"x" * 40 + b"\n"
        body = b"User-agent: *\nSitemap: " + request.origin.encode() + b"/bomb-sitemap.xml\n"
        body += b"Sitemap: " + request.origin.encode() + b"/xxe-sitemap.xml\n"
        body += b"Sitemap: " + request.origin.encode() + b"/self-index.xml\n"
        return Response(
            200, [("Content-Type", "text/plain")], body + line * (10_000_000 // len(line))
        )
    if path == "/bomb-sitemap.xml":
        return Response(200, [("Content-Type", "application/xml")], BILLION_LAUGHS)
    if path == "/xxe-sitemap.xml":
        return Response(200, [("Content-Type", "application/xml")], XXE)
    if path == "/self-index.xml":
        body = (
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{request.origin}/self-index.xml</loc></sitemap></sitemapindex>"
        )
        return Response(200, [("Content-Type", "application/xml")], body.encode())
    if path == "/gzip-bomb":
        return Response(
            200, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], GZIP_BOMB
        )
    if path == "/brotli-bomb":
        return Response(
            200, [("Content-Type", "text/html"), ("Content-Encoding", "br")], BROTLI_BOMB
        )
    if path == "/huge.html":
        size = 50 * 1024 * 1024
        return Response(
            200, [("Content-Type", "text/html"), ("Content-Length", str(size))], stream=_huge(size)
        )
    if path == "/endless-chunked":
        return Response(200, [("Content-Type", "text/html")], stream=_endless(b"<p>more</p>" * 100))
    if path == "/drip":
        return Response(200, [("Content-Type", "text/html")], stream=_endless(b"x", pause=1.0))
    if path == "/reset":
        return Response(
            200, [("Content-Type", "text/html")], b"<title>reset</title>" * 100, reset_after=60
        )
    if path == "/truncated":
        return Response(
            200, [("Content-Type", "text/html"), ("Content-Length", "100000")], stream=_huge(70_000)
        )
    if path == "/latin1-declared-utf8-sent":
        return _html("<title>Café crème – déjà vu</title><p>naïve</p>", charset="iso-8859-1")
    if path == "/invalid-utf8":
        return Response(
            200,
            [("Content-Type", "text/html; charset=utf-8")],
            b"<title>bad \xff\xfe\xc3 bytes</title>",
        )
    if path == "/utf16":
        return Response(
            200,
            [("Content-Type", "text/html")],
            "\ufeff<title>UTF-16 page</title><a href='/'>home</a>".encode("utf-16-le"),
        )
    if path == "/nul-bytes":
        return Response(
            200,
            [("Content-Type", "text/html")],
            b"<title>nul\x00title</title>\x00<a href='/\x00x'>x</a>",
        )
    if path == "/malformed":
        return _html(
            "<title>unclosed<div><form><form><table><p><a href='/'>home<b><i></div></span>" * 50
        )
    if path.startswith("/calendar/"):
        year, month = (int(p) for p in path.split("/")[2:4])
        nxt = (year + month // 12, month % 12 + 1)
        return _html(f'<title>{year}-{month}</title><a href="/calendar/{nxt[0]}/{nxt[1]}">next</a>')
    if path == "/session":
        n = int(query.split("=")[1]) + 1
        return _html(f'<title>session</title><a href="/session?sid={n}">again</a>')
    if path == "/filters":
        params = dict(p.split("=") for p in query.split("&"))
        links = "".join(
            f'<a href="/filters?{query}&{k}{len(params)}={v}">{k}</a>'
            for k in "abc"
            for v in range(2)
        )
        return _html(f"<title>filters</title>{links}")
    if path.startswith("/rep/"):
        return _html('<title>rep</title><a href="rep/">deeper</a>')
    if path in ("/loop-a", "/loop-b"):
        return Response.redirect("/loop-b" if path == "/loop-a" else "/loop-a")
    if path.startswith("/chain/"):
        n = int(path.rsplit("/", 1)[1])
        return Response.redirect(f"/chain/{n + 1}") if n < 20 else _html("<title>end</title>")
    if path == "/many-links":
        links = "".join(f'<a href="/m/{i}">{i}</a>' for i in range(100_000))
        return _html(f"<title>many</title>{links}")
    if path == "/long-url":
        weird = [
            "/" + "a" * 2500,
            "/with space/x y",
            "/ünïcödé/straße",
            "/bad%zz%escape%",
            "/%E0%A4%A",
        ]
        return _html("<title>weird urls</title>" + "".join(f'<a href="{u}">u</a>' for u in weird))
    return Response(404, [("Content-Type", "text/html")], b"<title>not found</title>")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("hostile")
    with SiteServer(handler=hostile) as server:
        started = time.monotonic()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "seoaudit",
                "audit",
                server.base_url + "/",
                "--max-pages",
                "400",
                "--deadline",
                "15",  # generous: a starved test machine must not fail fast hops,
                "--timeout",
                "3",
                "--retries",
                "0",
                "--exclude",
                r"/m/\d",  # the 100,000 links are extracted and recorded, not all fetched
                "--concurrency",
                "16",
                "--per-host",
                "16",
                "-q",
                "--run-dir",
                "runs",
                "-f",
                "json",
                "-o",
                "report.json",
                "-f",
                "csv",
                "-o",
                "report.csv",
            ],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=240,
            env={**os.environ, "NO_COLOR": "1"},
        )
        elapsed = time.monotonic() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    report = json.loads((work / "report.json").read_text())
    yield {
        "proc": proc,
        "report": report,
        "elapsed": elapsed,
        "peak_mb": peak_kb / 1024,
        "base": server.base_url,
        "work": work,
    }


def _findings(run: dict[str, Any], rule: str) -> set[str]:
    return {
        f["url"].removeprefix(run["base"]) for f in run["report"]["findings"] if f["rule"] == rule
    }


def test_finishes_in_bounded_time_and_memory_without_a_traceback(
    hostile_run: dict[str, Any],
) -> None:
    proc = hostile_run["proc"]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 1, proc.stderr[-2000:]  # findings, not a crash
    assert hostile_run["elapsed"] < 180
    assert hostile_run["peak_mb"] < 600, hostile_run["peak_mb"]
    assert hostile_run["report"]["run"]["state"] == "complete"
    assert hostile_run["report"]["rule_errors"] == []


def test_bombs_and_huge_bodies_are_cut_at_the_cap(hostile_run: dict[str, Any]) -> None:
    store = sorted((hostile_run["work"] / "runs").glob("*.sqlite"))[-1]
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "import sys; from seoaudit.store import Store\n"
                "s = Store(__import__('pathlib').Path(sys.argv[1]))\n"
                "for p in s.iter_pages():\n"
                "    print(p.url.rsplit('/', 1)[-1], p.status, p.error, p.truncated, p.size)"
            ),
            str(store),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    rows = {line.split()[0]: line.split()[1:] for line in out.stdout.splitlines()}
    for name in ("gzip-bomb", "brotli-bomb", "huge.html", "endless-chunked"):
        status, error, truncated, size = rows[name]
        assert (status, error, truncated) == ("200", "None", "True"), (name, rows[name])
        if name == "huge.html":  # identity body: the declared size is reported, 2 MB read
            assert int(size) == 50 * 1024 * 1024
        else:  # compressed: decoding stopped at the cap, the real size is unknowable cheaply
            assert int(size) <= 2 * 1024 * 1024 + 512 * 1024


def test_slow_reset_and_truncated_responses_are_server_errors(hostile_run: dict[str, Any]) -> None:
    failing = _findings(hostile_run, "HTTP002")
    assert {"/drip", "/reset", "/truncated"} <= failing


def test_redirect_loops_and_long_chains(hostile_run: dict[str, Any]) -> None:
    assert "/loop-a" in _findings(hostile_run, "HTTP008")
    assert "/chain/0" in _findings(hostile_run, "HTTP007")


def test_endless_url_spaces_are_skipped_and_described(hostile_run: dict[str, Any]) -> None:
    traps = {(t["reason"], t["section"]) for t in hostile_run["report"]["summary"]["crawl_traps"]}
    assert ("endless-pattern", "/calendar/") in traps
    assert ("session-id", "/") in traps or ("endless-pattern", "/") in traps
    assert ("repeating-path-segments", "/rep/") in traps
    assert any(reason == "url-too-long" for reason, _ in traps)
    perf003 = [f["message"] for f in hostile_run["report"]["findings"] if f["rule"] == "PERF003"]
    assert any(m.startswith("URL space looks endless under /calendar/") for m in perf003)
    # the junk did not eat the crawl: every case page was fetched
    assert hostile_run["report"]["run"]["pages_fetched"] >= len(CASES)


def test_hostile_sitemaps_and_robots_are_contained(hostile_run: dict[str, Any]) -> None:
    report_text = (hostile_run["work"] / "report.json").read_text()
    assert "root:x:0:0" not in report_text  # the external entity was never read
    assert "lollollol" not in report_text  # no entity was expanded
    store = sorted((hostile_run["work"] / "runs").glob("*.sqlite"))[-1]
    import sqlite3

    db = sqlite3.connect(store)
    sitemaps = {
        url.rsplit("/", 1)[-1]: facts
        for url, facts in db.execute("SELECT url, facts FROM sitemaps")
    }
    assert "entities-forbidden" in sitemaps["bomb-sitemap.xml"]
    assert "entities-forbidden" in sitemaps["xxe-sitemap.xml"]
    assert list(db.execute("SELECT COUNT(*) FROM sitemaps WHERE url LIKE '%self-index.xml'")) == [
        (1,)
    ]
    outcome, size = next(iter(db.execute("SELECT outcome, length(body) FROM robots")))
    assert outcome == "parsed" and size < 1_000_000  # 10 MB robots.txt read only up to the cap


def test_reports_are_valid_and_spreadsheet_safe(hostile_run: dict[str, Any]) -> None:
    csv_text = (hostile_run["work"] / "report.csv").read_text()
    for line in csv_text.splitlines()[1:]:
        for cell in line.split(","):
            assert not cell.startswith(("=", "+", "@")), cell
    assert hostile_run["report"]["schema_version"] == 1
