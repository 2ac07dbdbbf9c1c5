"""URL list: every stored URL with its indexability (and why not), one row each. The
``canonical`` column holds the canonical URL when it is another URL, ``self`` when the
page names itself, and nothing when it names none.

``page_rows`` builds the ``Report.pages`` list from a Site (indexability comes from the
one definition in indexing.py, stored with each page); ``write`` is the ``urls-csv``
format. Cells go through ``csv.safe_cell``: URLs and canonicals come from crawled pages.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TextIO, overload

from seoaudit.models import PageRow, Report
from seoaudit.report.csv import safe_cell

if TYPE_CHECKING:
    from seoaudit.site import Site

COLUMNS = ("url", "status", "indexability", "canonical", "click_depth", "inlinks", "in_sitemap")


_Row = tuple[str, int | None, str, str | None, int | None, int, bool, bool]


class PageRows(Sequence[PageRow]):
    """``Report.pages`` as a large run holds it: one tuple per page, made into a PageRow
    when read. A PageRow model costs about 1 KB; 100,000 of them were 100 MB of the
    report's memory."""

    def __init__(self, rows: list[_Row]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> PageRow: ...
    @overload
    def __getitem__(self, index: slice) -> list[PageRow]: ...
    def __getitem__(self, index: int | slice) -> PageRow | list[PageRow]:
        if isinstance(index, slice):
            return [_model(row) for row in self._rows[index]]
        return _model(self._rows[index])

    def __iter__(self) -> Iterator[PageRow]:
        return map(_model, self._rows)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


_FIELDS = tuple(PageRow.model_fields)  # the order of a _Row


def _model(row: _Row) -> PageRow:
    values: dict[str, Any] = dict(zip(_FIELDS, row, strict=True))
    return PageRow.model_construct(**values)


def page_rows(site: Site) -> PageRows:
    """One row per stored page (fetched, blocked or a redirect hop), in URL-id order."""
    rows: list[_Row] = []
    for summary in site.summaries():
        url = summary.url
        rows.append(
            (
                url,
                summary.status,
                summary.indexability,
                summary.canonical if summary.canonical != url else None,
                site.click_depth(url),
                site.inlink_count(url),
                site.in_sitemap(url),
                summary.canonical == url,
            )
        )
    return PageRows(rows)


def write(report: Report, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in sorted(report.pages, key=lambda r: r.url):
        values = (
            row.url,
            row.status,
            row.indexability,
            # another URL, "self", or empty when the page names no canonical
            row.canonical or ("self" if row.canonical_self else None),
            row.click_depth,
            row.inlinks,
            "yes" if row.in_sitemap else "no",
        )
        writer.writerow([safe_cell(v) for v in values])
