from __future__ import annotations

import pytest

from seoaudit.indexing import effective_directives, indexability
from seoaudit.models import Canonical, Directive, Hop, PageFacts, RobotsVerdict

URL = "https://a.test/p"


def page(**kw: object) -> PageFacts:
    return PageFacts(**{"url": URL, "final_url": URL, "status": 200, **kw})  # type: ignore[arg-type]


def meta(agent: str, *tokens: str, source: str = "meta") -> Directive:
    return Directive(source=source, agent=agent, value=", ".join(tokens), tokens=list(tokens))  # type: ignore[arg-type]


BLOCKED = RobotsVerdict(allowed=False, agent="googlebot", line=2, rule="Disallow: /p")


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (page(), "indexable"),
        (page(status=None, robots=BLOCKED), "blocked-by-robots"),
        (page(robots=BLOCKED), "blocked-by-robots"),
        (page(status=None, error="read-timeout"), "no-response"),
        (
            page(status=301, hops=[Hop(url=URL, status=301, location="https://a.test/q")]),
            "redirected",
        ),
        (page(status=404), "non-200"),
        (page(status=204), "non-200"),
        (page(directives=[meta("*", "noindex")]), "noindex"),
        (page(directives=[meta("googlebot", "none")]), "noindex"),
        (page(directives=[meta("bingbot", "noindex")]), "indexable"),
        (page(directives=[meta("*", "noindex", source="header")]), "noindex"),
        (
            page(canonicals=[Canonical(source="head", href="/q", url="https://a.test/q")]),
            "canonicalised",
        ),
        (page(canonicals=[Canonical(source="head", href="/p", url=URL)]), "indexable"),
        (
            page(canonicals=[Canonical(source="body", href="/q", url="https://a.test/q")]),
            "indexable",
        ),
        (
            page(
                canonicals=[
                    Canonical(source="head", href="/q", url="https://a.test/q", after_head_end=True)
                ]
            ),
            "indexable",
        ),
        (
            page(canonicals=[Canonical(source="header", href="/q", url="https://a.test/q")]),
            "canonicalised",
        ),
    ],
)
def test_indexability(facts: PageFacts, expected: str) -> None:
    assert indexability(facts) == expected


def test_most_restrictive_wins_across_sources_and_agents() -> None:
    facts = page(
        directives=[
            meta("*", "nofollow"),
            meta("googlebot", "noindex"),
            meta("bingbot", "noarchive"),
        ]
    )
    assert effective_directives(facts) == {"nofollow", "noindex"}
    assert effective_directives(facts, "bingbot") == {"nofollow", "noarchive"}


def test_googlebot_news_also_obeys_googlebot() -> None:
    facts = page(directives=[meta("googlebot", "noindex")])
    assert indexability(facts, "googlebot-news") == "noindex"
