"""Per-run lookups shared by the canonical, duplicate and hreflang rules.

Owns: dictionaries built once per ``Site`` from ``site.summaries()`` (never by iterating
pages again) and kept for as long as the Site lives, so a page rule that needs another
page's canonical or language pays a dictionary lookup, not a query. Built lazily: a run
whose pages never need them never builds them.

Must not: decide anything (what is indexable or canonical is ``indexing.py``'s business).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from seoaudit.persite import per_site

if TYPE_CHECKING:
    from seoaudit.site import Site
    from seoaudit.summary import PageSummary


@dataclass
class Lookups:
    summary: dict[str, PageSummary]  # url -> its summary
    canonical: dict[str, str]  # url of a 200 page -> the other URL it canonicalises to


@per_site
def lookups(site: Site) -> Lookups:
    summaries = site.summaries()
    return Lookups(
        summary={s.url: s for s in summaries},
        canonical={
            s.url: s.canonical
            for s in summaries
            if s.status == 200 and s.canonical is not None and s.canonical != s.url
        },
    )
