"""Page summaries are made where the page is extracted and stored with it (summary.py):
what the store gives back must be exactly what summarising the page's facts gives, and a
run file written before summaries were stored must still be summarised."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from seoaudit import summary
from seoaudit.extract import extract
from seoaudit.models import FetchResult, PageFacts, RunInfo
from seoaudit.site import Site
from seoaudit.store import Store
from seoaudit.summary import PageSummary

PAGE = """<!doctype html><html lang="de"><head><title>Zelte für 2 – „Sommer“</title>
<title>second</title><meta name="description" content="Leichte Zelte">
<link rel="canonical" href="/zelte"><meta http-equiv="refresh" content="5; url=/neu">
<link rel="alternate" hreflang="en" href="/en/tents">
<link rel="alternate" hreflang="de" href="/zelte">
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Product",
 "name": "Zelt", "offers": {"@type": "Offer", "price": "99", "priceCurrency": "EUR"}}</script>
<script type="application/ld+json">{ broken</script>
</head><body><h1>Zelte</h1><h1>Sale</h1><p>Ein Zelt für zwei Personen und Regen.</p>
<a href="/a">A</a></body></html>""".encode()


def _page(url: str = "https://shop.example/zelte?x=1") -> PageFacts:
    result = FetchResult(
        url=url,
        final_url=url,
        status=200,
        headers=[
            ("content-type", "text/html; charset=utf-8"),
            ("link", '</en/tents>; rel="alternate"; hreflang="en-GB"'),
        ],
        body=PAGE,
        depth=1,
        source="link",
        ttfb=0.25,
        total=0.5,
    )
    return extract(result)


def test_packed_summary_reads_back_as_the_summary_of_the_facts() -> None:
    page = _page()
    made = summary.summarise(page, "canonicalised")
    assert made.title_count == 2 and made.h1 == ["Zelte", "Sale"]  # a page worth comparing
    assert made.structured_items and made.hreflangs and made.hreflangs_read
    assert summary.unpack(page.url, "canonicalised", summary.pack(page)) == made


def test_a_summary_of_another_layout_is_not_read() -> None:
    assert summary.unpack("https://a.test/", None, b"[12345, 200]") is None


def _store_with_page(path: Path) -> PageFacts:
    store = Store(path, create=True)
    page = _page("https://shop.example/zelte")
    store.save_run(RunInfo(run_id="r", tool_version="t", start_urls=[page.url]))
    url_id, _ = store.url_id(page.url, depth=0, source="start")
    store.add_page(url_id, page)
    store.close()
    return page


def _summary_after(path: Path, change: str) -> tuple[PageFacts, PageSummary]:
    """The page stored in a new run file, and its summary as a Site reads it after
    ``change`` (SQL) was made to the file."""
    page = _store_with_page(path)
    db = sqlite3.connect(path)
    db.execute(change)
    db.commit()
    db.close()
    store = Store(path)
    (got,) = Site(store).summaries()
    store.close()
    return page, got


def test_site_summaries_come_from_the_stored_summary(tmp_path: Path) -> None:
    # the facts are not read for summaries
    page, got = _summary_after(tmp_path / "run.sqlite", "UPDATE pages SET facts = x'00'")
    assert got == summary.summarise(page, got.indexability)


def test_a_run_file_without_stored_summaries_is_summarised_from_its_facts(
    tmp_path: Path,
) -> None:
    # as written before summaries were stored
    page, got = _summary_after(tmp_path / "run.sqlite", "ALTER TABLE pages DROP COLUMN summary")
    assert got == summary.summarise(page, got.indexability)
    columns = [
        row[1]
        for row in sqlite3.connect(tmp_path / "run.sqlite").execute("PRAGMA table_info(pages)")
    ]
    assert columns[-1] == "summary"  # added, so a resumed crawl stores them
