"""The footprint of sessions killed with kill -9 (crawl/footprint.py): each session is
listed from its start, and every phase that sends requests saves what it did now and
then (engine.FOOTPRINT_SECONDS), so what the server received is counted even when the
process never reached its end. Real processes, killed by themselves mid-way
(test_resume._killed_python) at a given request: no timing is guessed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from seoaudit.store import Store
from tests.test_resume import _killed_python
from tests.test_resume_sessions import _KILLED_MID_CRAWL

# A resumed session killed at its tenth request, saving nothing on its way: the save
# interval is longer than any test, so only what the session wrote when it started is
# there. It prints how many requests it had sent.
_RESUMED_AND_KILLED = """
import os, sys
from pathlib import Path
from seoaudit.audit import run_audit
from seoaudit.crawl import engine
from tests.test_resume import _settings, _site, _slowed

engine.FOOTPRINT_SECONDS = 1e9  # no save while it crawls
inner = _slowed(_site())
handler = inner.handle_async_request
made = []

async def killed(request):
    made.append(str(request.url))
    if len(made) == 10:  # kill -9 while this request is out
        print(len(made), flush=True)
        os._exit(9)
    return await handler(request)

inner.handle_async_request = killed
folder = Path(sys.argv[1])
run_audit(_settings(folder), transport=inner, resume=folder / "r.sqlite")
"""


def _report(folder: Path) -> tuple[dict[str, Any], str, str]:
    """``seoaudit report r`` as a user runs it: the JSON report's crawl impact, the
    terminal's text (words joined by single spaces) and the HTML report."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "seoaudit",
            "report",
            "r",
            "--run-dir",
            str(folder),
            *("-f", "json", "-o", str(folder / "r.json")),
            *("-f", "html", "-o", str(folder / "r.html")),
            *("-f", "console"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stderr
    impact = json.loads((folder / "r.json").read_text())["summary"]["crawl_impact"]
    return impact, " ".join(done.stdout.split()), (folder / "r.html").read_text()


def test_a_resumed_session_killed_before_its_first_save_is_listed(tmp_path: Path) -> None:
    """kill -9, --resume, kill -9 again before the resumed session saved its footprint:
    the session had written only the list of sessions when it started, not the run's
    footprint merged from them, and ``seoaudit report`` showed the first session alone
    until the run was resumed once more."""
    _killed_python(_KILLED_MID_CRAWL, tmp_path)  # session 1: saved mid-crawl, then killed
    store = Store(tmp_path / "r.sqlite")
    first = store.get_meta("footprint")["sessions"][0]
    store.close()
    assert first["recorded"] and not first["complete"] and first["requests"] > 0

    sent = int(_killed_python(_RESUMED_AND_KILLED, tmp_path).stdout)
    assert sent == 10  # requests the killed resumed session made, none recorded

    impact, text, page = _report(tmp_path)
    one, two = impact["sessions"]
    assert one == first  # as saved mid-crawl, counted once
    assert two["session"] == 2 and two["recorded"] and not two["complete"]
    assert two["started_at"] >= first["started_at"] and two["recorded_until"]
    assert two["requests"] == 0  # recorded: none yet; the ten it made are not claimed
    assert impact["requests"] == first["requests"]
    # in words: both sessions, the second ended before its end was recorded, with no
    # request recorded (not "requests recorded up to", as if it had some)
    assert "over 2 sessions" in text
    assert f"session 1, started {first['started_at']}: ended before its end was recorded" in text
    session_2 = f"session 2, started {two['started_at']}: "
    assert (
        session_2 + "ended before its end was recorded (killed, or the disk was full); "
        "no request recorded up to "
    ) in text
    assert text.count("requests recorded up to") == 1  # the first session's
    section = page[page.index('<table class="sessions">') :]
    section = section[: section.index("</table>")]
    assert section.count("ended before its end was recorded") == 2
    assert "no request recorded up to" in section


# The post-crawl user-agent probe (crawl/probe.py) killed at its ninth request; the
# footprint saved as often as the probe lets it. Prints the requests the crawl sent with
# its own user agent, then those the probe sent before the one it was killed on.
_KILLED_IN_THE_PROBE = """
import os, sys
from pathlib import Path
from seoaudit.audit import run_audit
from seoaudit.crawl import engine
from tests.test_resume import _settings, _site, _slowed

engine.FOOTPRINT_SECONDS = 0.0  # saved whenever a phase may save it: the crawl...
engine.FOOTPRINT_COST_SHARE = 1.0
engine.FLUSH_EVERY = 5  # ... with every batch of five pages
inner = _slowed(_site())
handler = inner.handle_async_request
crawl, probe = [], []

async def killed(request):
    if "seoaudit/" in request.headers.get("user-agent", ""):
        crawl.append(str(request.url))
    else:  # a browser, Googlebot, Bingbot, GPTBot: the probe
        probe.append(str(request.url))
        if len(probe) == 9:  # kill -9 while this request is out
            print(len(crawl), len(probe) - 1, flush=True)
            os._exit(9)
    return await handler(request)

inner.handle_async_request = killed
run_audit(_settings(Path(sys.argv[1])), transport=inner, run_id="r")
"""


def test_a_session_killed_during_the_probe_counts_the_probes_requests(tmp_path: Path) -> None:
    """kill -9 during the post-crawl probe: it saved no footprint, so the run counted
    none of the requests it had sent as other crawlers (nor the crawl's last ones)."""
    from seoaudit.crawl.probe import MAX_WORKERS

    crawled, probed = map(int, _killed_python(_KILLED_IN_THE_PROBE, tmp_path).stdout.split())
    assert crawled > 100 and probed == 8
    impact, text, _ = _report(tmp_path)
    [session] = impact["sessions"]
    assert session["recorded"] and not session["complete"]
    # every request of the crawl's own user agent, all answered before the probe began
    assert sum(o["requests"] for o in impact["origins"].values()) == crawled
    # ... and the probe's: each one answered was saved, but for those of the other
    # probe workers still out when the ninth was sent
    counted = impact["requests"] - crawled
    assert probed - (MAX_WORKERS - 1) <= counted <= probed
    assert counted > 0
    assert f"Crawl footprint: {impact['requests']} requests" in text


def _site_with_sitemaps() -> dict[str, dict[str, Any]]:
    """robots.txt names a sitemap index of six sitemaps, two pages in each."""
    from tests.sites import ORIGIN

    xml = {"content_type": "application/xml"}
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    index = "".join(f"<sitemap><loc>{ORIGIN}/s{n}.xml</loc></sitemap>" for n in range(6))
    pages: dict[str, dict[str, Any]] = {
        "/": {"body": "<title>Home</title>"},
        "/robots.txt": {"body": f"User-agent: *\nAllow: /\nSitemap: {ORIGIN}/index.xml\n"},
        "/index.xml": {"body": f"<sitemapindex {ns}>{index}</sitemapindex>", **xml},
    }
    for n in range(6):
        locs = "".join(f"<url><loc>{ORIGIN}/s{n}/{i}</loc></url>" for i in range(2))
        pages[f"/s{n}.xml"] = {"body": f"<urlset {ns}>{locs}</urlset>", **xml}
        pages.update({f"/s{n}/{i}": {"body": f"<title>{n} {i}</title>"} for i in range(2)})
    return pages


# Killed while it reads the fourth sitemap of the index, before the crawl of pages
# began: the footprint saved as often as the sitemap reading lets it. Prints the
# requests sent before the one it was killed on (one at a time: sitemaps are read in turn).
_KILLED_IN_THE_SITEMAPS = """
import os, sys
from pathlib import Path
from seoaudit.audit import run_audit
from seoaudit.crawl import engine
from tests.sites import transport
from tests.test_footprint_saves import _site_with_sitemaps
from tests.test_resume import _settings

engine.FOOTPRINT_SECONDS = 0.0  # saved whenever a phase may save it
engine.FOOTPRINT_COST_SHARE = 1.0
inner = transport(_site_with_sitemaps())
handler = inner.handle_async_request
made = []

async def killed(request):
    if request.url.path == "/s3.xml":  # kill -9 while this request is out
        print(len(made), flush=True)
        os._exit(9)
    made.append(str(request.url))
    return await handler(request)

inner.handle_async_request = killed
run_audit(_settings(Path(sys.argv[1])), transport=inner, run_id="r")
"""


def test_a_session_killed_while_reading_sitemaps_counts_their_requests(tmp_path: Path) -> None:
    """kill -9 while a large sitemap index was being read, before any page: nothing
    saved the footprint before the crawl's first batch of pages, and the requests for
    robots.txt, the index and its sitemaps were not counted."""
    made = int(_killed_python(_KILLED_IN_THE_SITEMAPS, tmp_path).stdout)
    assert made == 5  # robots.txt, the index, three of its sitemaps
    impact, text, _ = _report(tmp_path)
    [session] = impact["sessions"]
    assert session["recorded"] and not session["complete"]
    assert impact["requests"] == made
    assert impact["status_mix"] == {"2xx": made}
    assert "requests recorded up to" in text
