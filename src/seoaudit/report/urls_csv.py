"""URL list: every stored URL with its indexability (and why not), one row each.

``page_rows`` builds the ``Report.pages`` list from a Site (indexability comes from the
one definition in indexing.py, stored with each page); ``write`` is the ``urls-csv``
format. Cells go through ``csv.safe_cell``: URLs and canonicals come from crawled pages.
"""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING, TextIO

from seoaudit.models import PageRow, Report
from seoaudit.report.csv import safe_cell

if TYPE_CHECKING:
    from seoaudit.site import Site

COLUMNS = ("url", "status", "indexability", "canonical", "click_depth", "inlinks", "in_sitemap")


def page_rows(site: Site) -> list[PageRow]:
    """One row per stored page (fetched, blocked or a redirect hop), in URL-id order."""
    rows = []
    for summary in site.summaries():
        url = summary.url
        canonical = summary.canonical if summary.canonical != url else None
        rows.append(
            PageRow(
                url=url,
                status=summary.status,
                indexability=summary.indexability,
                canonical=canonical,
                click_depth=site.click_depth(url),
                inlinks=site.inlink_count(url),
                in_sitemap=site.in_sitemap(url),
            )
        )
    return rows


def write(report: Report, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in sorted(report.pages, key=lambda r: r.url):
        values = (
            row.url,
            row.status,
            row.indexability,
            row.canonical,
            row.click_depth,
            row.inlinks,
            "yes" if row.in_sitemap else "no",
        )
        writer.writerow([safe_cell(v) for v in values])
