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


def facets(g: TrapGuard, colors: int, sizes: int, brands: int) -> list[str | None]:
    return [
        g.check(f"http://a.test/shoes?color=c{c}&size=s{s}&brand=b{b}", 2)
        for c in range(colors)
        for s in range(sizes)
        for b in range(brands)
    ]


def test_facets_recombining_a_few_values_are_cut() -> None:
    # one set of parameter names, few values each, combinations multiplying
    g = TrapGuard(200, 5, 4, max_filter_combinations=20)
    reasons = facets(g, 5, 4, 3)  # 60 URLs, 5 + 4 + 3 values
    allowed = [r for r in reasons if r is None]
    # the URLs that brought a new value, then 20 recombinations
    assert 20 < len(allowed) <= 20 + 5 + 4 + 3
    assert set(reasons) == {None, "parameter-explosion"}
    assert reasons[-1] == "parameter-explosion"
    assert g.records[("parameter-explosion", "/")].count == len(reasons) - len(allowed)


def test_a_catalogue_with_several_parameters_is_not_an_explosion() -> None:
    g = TrapGuard(200, 5, 4, max_filter_combinations=20)
    # OpenCart / Joomla style: every URL brings a new value
    assert all(
        g.check(f"http://a.test/index.php?route=product&product_id={i}", 1) is None
        for i in range(500)
    )
    # a category's pages: page numbers are a series, not a filter
    assert all(
        g.check(f"http://a.test/list?cat=k{c}&page={p}", 2) is None
        for c in range(40)
        for p in range(1, 15)
    )


def test_pages_of_one_filter_combination_are_not_recombinations() -> None:
    g = TrapGuard(200, 5, 4, max_filter_combinations=1)
    assert g.check("http://a.test/s?color=red&size=m", 1) is None
    assert g.check("http://a.test/s?color=blue&size=s", 1) is None
    assert all(g.check(f"http://a.test/s?color=red&size=m&page={p}", 2) is None for p in range(9))
    assert g.check("http://a.test/s?color=red&size=s", 1) is None  # one recombination
    assert g.check("http://a.test/s?color=blue&size=m", 1) == "parameter-explosion"
    # a new value is never a recombination
    assert g.check("http://a.test/s?color=green&size=m", 1) is None


def test_parameters_in_ever_new_orders_are_cut_after_two() -> None:
    g = guard()
    orders = ["a=1&b=2&c=3", "b=2&a=1&c=3", "c=3&b=2&a=1", "c=3&a=1&b=2"]
    reasons = [g.check(f"http://a.test/x?{q}", 1) for q in orders]
    assert reasons == [None, None, "parameter-order", "parameter-order"]
    assert g.check("http://a.test/x?a=1&b=3&c=3", 1) is None  # other values: another URL
    # the same query on other paths: other pages, not other orders
    assert all(g.check(f"http://a.test/y{i}?c=3&b=2&a=1", 1) is None for i in range(3))


def test_a_skipped_recombination_stays_skipped_in_another_order() -> None:
    g = TrapGuard(200, 5, 4, max_filter_combinations=1)
    for q in ("a=1&b=1", "a=2&b=2", "a=1&b=2"):
        assert g.check(f"http://a.test/x?{q}", 1) is None
    assert g.check("http://a.test/x?a=2&b=1", 1) == "parameter-explosion"
    assert g.check("http://a.test/x?b=1&a=2", 1) == "parameter-explosion"
