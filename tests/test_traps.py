from __future__ import annotations

import pytest

from seoaudit.crawl.traps import TrapGuard


def guard() -> TrapGuard:
    return TrapGuard(max_url_length=200, max_query_variants=5, depth_spread=4)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://a.test/" + "x" * 300, "url-too-long"),
        ("http://a.test/a/b/a/b/a/b/", "repeating-path-segments"),
        ("http://a.test/shop/shop/shop/x", "repeating-path-segments"),
        ("http://a.test/a/b/c/d", None),
        ("http://a.test/a/b/a/c", None),
    ],
)
def test_single_url_reasons(url: str, reason: str | None) -> None:
    assert guard().check(url, 1) == reason


def test_session_id_variants_after_the_first_are_skipped() -> None:
    g = guard()
    assert g.check("http://a.test/p?id=1&sid=AAA", 1) is None
    assert g.check("http://a.test/p?id=1&sid=BBB", 2) == "session-id"
    assert g.check("http://a.test/p;jsessionid=XYZ?id=1", 2) == "session-id"
    assert g.check("http://a.test/p?id=2&sid=BBB", 2) is None  # a different page


def test_parameter_explosion_on_one_path() -> None:
    g = guard()
    results = [g.check(f"http://a.test/list?color=1&f{i}=x", 1) for i in range(8)]
    assert results[:5] == [None] * 5
    assert results[5:] == ["parameter-explosion"] * 3


def test_a_catalogue_on_one_path_is_not_an_explosion() -> None:
    g = guard()
    assert all(g.check(f"http://a.test/product?id={i}", 1) is None for i in range(1000))
    assert g.check("http://a.test/product?id=1&ref=nav", 1) is None


def test_endless_next_links_are_cut_but_shallow_listings_are_not() -> None:
    g = guard()
    # a calendar: each month is one link deeper than the previous one
    reasons = [
        g.check(f"http://a.test/calendar/2026/{m}", depth)
        for depth, m in enumerate(range(1, 12), 1)
    ]
    assert reasons[:5] == [None] * 5
    assert set(reasons[5:]) == {"endless-pattern"}
    # 1,000 product pages found within two clicks are a catalogue, not a trap
    assert all(g.check(f"http://a.test/p/{i}.html", 1 + i % 2) is None for i in range(1000))


def test_skips_are_counted_per_reason_and_section_with_examples() -> None:
    g = guard()
    for depth, m in enumerate(range(1, 20), 1):
        g.check(f"http://a.test/calendar/2026/{m}", depth)
    record = g.records[("endless-pattern", "/calendar/")]
    assert record.count == 19 - 5
    assert len(record.examples) == 3
