"""Unit tests of the structured-data package: value validators, the pinned vocabulary, the
graph of a page's nodes (@graph, arrays, @id references and merges), Google's requirement
tables, the visible-text probe and the health figure. The rules themselves are tested as
data in tests/rule_cases/structured_data.toml."""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from typing import Any

import pytest

from seoaudit.extract.structured import json_ld
from seoaudit.extract.visible import numbers, probe_visible
from seoaudit.models import Finding, PageFacts, StructuredData
from seoaudit.structured import values
from seoaudit.structured.analysis import analyse, cause
from seoaudit.structured.graph import Graph, context_verdict, local_name
from seoaudit.structured.health import UNPARSABLE, page_items, structured_health
from seoaudit.structured.requirements import requirements
from seoaudit.structured.vocab import vocabulary

URL = "https://shop.test/p/tent"


def _blocks(*documents: Any) -> list[StructuredData]:
    return [json_ld(json.dumps(d)) for d in documents]


def _page(*documents: Any) -> PageFacts:
    return PageFacts(url=URL, final_url=URL, status=200, structured_data=_blocks(*documents))


# --- values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2024-03-01",
        "2024-03",
        "2024",
        "20240301",
        "2024-03-01T09:00:00+01:00",
        "2024-03-01T09:00Z",
        "2024-03-01T09:00:00.123-05:00",
        "2024-03-01T24:00:00Z",
    ],
)
def test_iso_dates_are_accepted(value: str) -> None:
    assert values.date_problem(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "March 3, 2024",
        "03/04/2024",
        "2019-11-22 21:00:00 +0000 UTC",
        "2024-13-01",
        "2024-02-30",
        "2024-03-01T25:00:00",
        "2024-03T10:00",
        "",
        20240301,
        "٢٠٠١-٠١-٠١",  # Arabic-Indic digits: no date to Google
    ],
)
def test_non_iso_dates_are_rejected(value: object) -> None:
    assert values.date_problem(value) is not None


def test_date_time_and_offset_are_told_apart() -> None:
    assert values.parse_date("2024-03-01") == values.DateValue(has_time=False, has_offset=False)
    assert values.parse_date("2024-03-01T09:00:00") == values.DateValue(True, False)
    assert values.parse_date("2024-03-01T09:00:00Z") == values.DateValue(True, True)


@pytest.mark.parametrize(
    ("value", "latest"),
    [
        # A date runs to the end of its day (month, year) in the last time zone, UTC-12.
        ("2024-03-01", "2024-03-02T12:00:00+00:00"),
        ("2024-12", "2025-01-01T12:00:00+00:00"),
        ("2024", "2025-01-01T12:00:00+00:00"),
        ("2024-03-01T10:00", "2024-03-01T22:00:00+00:00"),
        ("2024-03-01T10:00:00+02:00", "2024-03-01T08:00:00+00:00"),
        ("2024-03-01T10:00:00-0530", "2024-03-01T15:30:00+00:00"),
        ("2024-03-01T24:00Z", "2024-03-02T00:00:00+00:00"),
        ("9999-12-31", "9999-12-31T23:59:59.999999+00:00"),
        ("March 3, 2024", None),
        (20240301, None),
        ("٢٠٠١-٠١-٠١", None),
    ],
)
def test_latest_instant_of_a_date(value: object, latest: str | None) -> None:
    found = values.latest_instant(value)
    assert (found.isoformat() if found else None) == latest


@pytest.mark.parametrize("value", ["PT30M", "PT1H5M", "PT00H30M5S", "P1DT2H", "P2W", "PT1.5S"])
def test_iso_durations(value: str) -> None:
    assert values.duration_problem(value) is None


@pytest.mark.parametrize("value", ["30 min", "1:30", "P", "PT", "PT1H5", "P1H", 30, "PT٣٠M"])
def test_non_iso_durations(value: object) -> None:
    assert values.duration_problem(value) is not None


@pytest.mark.parametrize("value", [0, 12, 12.5, "12", "12.50", " 1299.00 "])
def test_plain_prices(value: object) -> None:
    assert values.price_problem(value) is None


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("$12.00", "more than a number"),
        ("1,299.00", "thousands separator"),
        ("12,50", "comma as decimal"),
        ("Free", "not a number"),
        ("١٢", "not a number"),  # Arabic-Indic digits
        ("10-20", "more than a number"),
        ("1e400", "exponent notation"),  # a JSON number beyond a double, kept as written
        ("2.5E3", "exponent notation"),
        (-1, "negative"),
        (True, "not a price"),
    ],
)
def test_prices_google_cannot_read(value: object, says: str) -> None:
    problem = values.price_problem(value)
    assert problem is not None and says in problem


def test_currencies_are_iso_4217() -> None:
    codes = vocabulary().currencies
    assert {"USD", "EUR", "GBP", "JPY", "CHF"} <= codes
    assert values.currency_problem("EUR", codes) is None
    assert values.currency_problem("eur", codes) == (
        "'eur': write ISO 4217 codes in upper case (EUR)",
        False,
    )
    assert values.currency_problem("$", codes) is not None
    assert values.currency_problem("US$", codes) is not None
    assert values.currency_problem("XYZ", codes) == ("'XYZ' is not an ISO 4217 currency code", True)


def test_urls_must_be_absolute() -> None:
    assert values.url_problem("https://a.test/x.png") is None
    assert values.url_problem("HTTP://a.test/") is None
    assert values.url_problem({"@type": "ImageObject"}) is None  # a node, not a URL
    relative = values.url_problem("/x.png")
    assert relative is not None and relative[1] is False
    assert values.url_problem("//cdn.test/x.png") is not None
    for serious in ("www.a.test/x.png", "data:image/png;base64,AAA", "javascript:void(0)"):
        found = values.url_problem(serious)
        assert found is not None and found[1] is True


@pytest.mark.parametrize(
    ("value", "best", "worst", "ok"),
    [
        (4.5, None, None, True),
        ("4", None, None, True),
        (5, None, None, True),
        (0, None, None, False),  # default scale 1-5
        (8, None, None, False),
        (8, 10, None, True),
        (8, "10", "0", True),
        ("60%", None, None, True),
        ("120%", None, None, False),
        ("6 / 10", None, None, True),
        ("11/10", None, None, False),
        ("great", None, None, False),
        (4, "ten", None, False),
    ],
)
def test_rating_values(value: object, best: object, worst: object, ok: bool) -> None:
    assert (values.rating_problem(value, best, worst) is None) is ok


def test_decimal_comma_rating_is_not_serious() -> None:
    found = values.rating_problem("4,5", None, None)
    assert found is not None and found[1] is False


def test_counts_and_positions() -> None:
    assert values.count_problem(12) is None and values.count_problem("12") is None
    assert values.count_problem(0) is not None and values.count_problem("1.5") is not None
    assert [values.position(v) for v in (1, "2", 3.0, " 4 ", "x", 1.5, True, None)] == [
        1,
        2,
        3,
        4,
        None,
        None,
        None,
        None,
    ]


# --- vocabulary --------------------------------------------------------------------------


def test_vocabulary_is_pinned_and_complete_enough() -> None:
    vocab = vocabulary()
    assert "schema-dts" in vocab.source
    assert len(vocab.parents) > 900 and len(vocab.ranges) > 1400
    assert vocab.is_a("Restaurant", "LocalBusiness") and vocab.is_a("Restaurant", "Place")
    assert vocab.is_a("BlogPosting", "Article") and vocab.is_a("URL", "Text")
    assert vocab.is_a("EmployeeRole", "Role")
    assert {"offers", "name", "gtin13", "hasMerchantReturnPolicy"} <= vocab.properties("Product")
    assert "address" in vocab.properties("Restaurant")
    assert "price" not in vocab.properties("Product")
    # recent releases: shipping services and member programs (schema.org 28+)
    assert vocab.is_type("ShippingService") and vocab.is_type("MemberProgram")


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("Prodcut", "Product"),
        ("Organisation", "Organization"),
        ("LocalBussiness", "LocalBusiness"),
        ("product", "Product"),
        ("BreadCrumbList", "BreadcrumbList"),
    ],
)
def test_type_suggestions(written: str, meant: str) -> None:
    assert vocabulary().suggest_type(written) == meant


def test_property_suggestions() -> None:
    vocab = vocabulary()
    assert vocab.suggest_property(("Product",), "price") == "offers.price"
    assert vocab.suggest_property(("Product",), "descripton") == "description"
    assert vocab.suggest_property(("Product",), "reviewCount") == "aggregateRating.reviewCount"
    assert vocab.suggest_property(("Offer",), "PriceCurrency") == "priceCurrency"


def test_the_data_files_ship_with_the_package() -> None:
    data = resources.files("seoaudit") / "data"
    for name in ("schemaorg.json", "iso4217.txt", "google_rich_results.toml"):
        assert (data / name).is_file(), name
    tables = tomllib.loads((data / "google_rich_results.toml").read_text("utf-8"))
    vocab = vocabulary()
    for name, profile in tables["profiles"].items():
        for type_name in profile["types"] + profile.get("exclude", []):
            assert vocab.is_type(type_name), f"{name}: {type_name}"
    for name, retired in tables["retired"].items():
        assert vocab.is_type(retired["type"]), name


# --- graph -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("context", "verdict"),
    [
        ("https://schema.org", "ok"),
        ("http://schema.org/", "ok"),
        ("HTTPS://SCHEMA.ORG", "ok"),
        ("https://schema.org/docs/jsonldcontext.json", "ok"),
        ({"@vocab": "https://schema.org/"}, "ok"),
        (["https://schema.org", {"@language": "de"}], "ok"),
        (None, "missing"),
        ("schema.org", "wrong"),
        ("https://schema.org/Product", "wrong"),
        ("https://www.schema.org", "wrong"),
        ("https://shema.org", "wrong"),
        ("https://www.w3.org/ns/activitystreams", "other-vocabulary"),
    ],
)
def test_context_verdicts(context: object, verdict: str) -> None:
    assert context_verdict(context) == verdict


def test_local_names() -> None:
    assert local_name("Product") == "Product"
    assert local_name("schema:Product") == "Product"
    assert local_name("https://schema.org/Product") == "Product"
    assert local_name("http://schema.org/name/") == "name"
    assert local_name("og:title") is None
    assert local_name("http://purl.org/dc/terms/title") is None


def test_graph_reads_every_shape() -> None:
    graph = Graph(
        _blocks(
            {
                "@context": "https://schema.org",
                "@graph": [
                    {"@type": "WebPage", "@id": "#page", "mainEntity": {"@id": "#p"}},
                    {"@type": "Product", "@id": "#p", "name": "Tent", "review": {"@id": "#r"}},
                    {"@type": "Review", "@id": "#r", "author": {"@type": "Person", "name": "M"}},
                ],
            },
            [
                {"@context": "https://schema.org", "@id": URL + "#p", "offers": {"price": 1}},
                {"@context": "https://schema.org", "@type": ["Organization", "Brand"], "name": "R"},
            ],
        ),
        URL,
    )
    assert [n.types for n in graph.roots] == [
        ("WebPage",),
        ("Product",),
        ("Review",),
        (),
        ("Organization", "Brand"),
    ]
    product = graph.roots[1]
    assert product.id == URL + "#p"  # relative @id resolved against the page
    assert graph.present(product, "offers.price")  # merged from the other block
    assert graph.types(graph.roots[3]) == ("Product",)
    items = graph.items(requirements().nested_properties)
    # the Review is part of the Product (linked from review); the Product is one item
    assert [i.label for i in items] == ["WebPage", "Product", "Organization"]


def test_graph_is_bounded_and_never_raises_on_junk() -> None:
    deep: Any = {"@type": "Thing"}
    for _ in range(200):
        deep = {"@type": "Thing", "subjectOf": deep}
    blocks = _blocks(deep, [1, "x", None], {"@graph": "nope"}, {"@type": 5, "@id": 7})
    graph = Graph(blocks, URL)
    assert len(graph.nodes) < 200
    wide = [
        {"@context": "https://schema.org", "@type": "Thing", "name": str(i)} for i in range(20_000)
    ]
    assert len(Graph(_blocks(wide), URL).nodes) <= 5000


# --- requirements ------------------------------------------------------------------------


def test_merchant_listing_requirements_are_nested() -> None:
    page = _page(
        {
            "@context": "https://schema.org",
            "@type": "Product",
            "name": "Tent",
            "offers": [
                {"@type": "Offer", "price": "10"},
                {"@type": "Offer", "priceCurrency": "USD"},
            ],
        }
    )
    analysis = analyse(page)
    missing = {(m.path, m.level) for m in analysis.evaluations[id(analysis.items[0])].missing}
    assert ("offers.priceCurrency", "required") in missing
    assert ("offers.price", "required") in missing
    assert ("image", "required") in missing  # merchant listing: a Product with an Offer


def test_most_specific_profile_wins() -> None:
    reqs = requirements()
    names = [p.name for p, _ in reqs.item_profiles(("Restaurant",))]
    assert names == ["LocalBusiness"]
    assert [p.name for p, _ in reqs.item_profiles(("Product", "Car"))] == ["Product"]
    assert reqs.item_profiles(("ProductGroup",)) == []
    assert reqs.item_profiles(("FAQPage",)) == []  # retired: never checked
    assert [p.name for p, _ in reqs.item_profiles(("Recipe",))] == ["Recipe"]


def test_cause_groups_by_type_and_problem() -> None:
    assert (
        cause("Product", "offers.priceCurrency missing") == "Product: offers.priceCurrency missing"
    )
    assert cause("", "unknown @type Prodcut") == "unknown @type Prodcut"


# --- visible text ------------------------------------------------------------------------


def test_numbers_in_text_whatever_the_separators() -> None:
    from decimal import Decimal

    found = numbers("Was $1,299.00, now 1.099,50 € or 999 - 12,5 %")
    for value in ("1299", "1099.5", "999", "12.5"):
        assert Decimal(value) in found


_PRICE_TEXT = (
    "Was $1,299.00, now 1.099,50 € or 999 - 12,5 % - 0,05 - 007 - 0.5 - 1 234,5 - 2'500 -"
    " model 450 of 0 ; SKU 0012.50 ; 9.999.000 and 1.299 ; 0"
)


def test_number_tokens_are_those_of_the_plain_pattern() -> None:
    """The skipping pattern finds exactly the tokens of the obvious one, in order."""
    import random
    import re

    from seoaudit.extract.visible import _NUMBER

    plain = re.compile(r"\d(?:[\d.,'\u00a0\u202f ]*\d)?")
    rng = random.Random(3)
    alphabet = "ab 1234567890.,'\u00a0\u202f\u0663x\n"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        skipping = [m.group(1) for m in _NUMBER.finditer(text) if m.group(1) is not None]
        assert skipping == [m.group() for m in plain.finditer(text)], text


@pytest.mark.parametrize(
    "wanted",
    [
        "1299",
        "1099.50",
        "999",
        "12.5",
        "0.05",
        "7",
        "0.5",
        "1234.5",
        "2500",
        "450",
        "0",
        "12.50",
        "9999000",
        "1.299",
        "1299.0",
        "5",
        "3",
        "0.007",
    ],
)
def test_numbers_skipped_by_leading_digit_never_hide_a_wanted_one(wanted: str) -> None:
    from seoaudit.extract.visible import _decimal, _leading_digits

    value = _decimal(wanted)
    everything = numbers(_PRICE_TEXT)
    filtered = numbers(_PRICE_TEXT, frozenset({_leading_digits(wanted)}))
    assert (value in filtered) == (value in everything)
    assert filtered <= everything


def test_probe_records_names_and_prices() -> None:
    blocks = _blocks(
        {
            "@type": "Product",
            "name": "Trail &amp; Peak 45",
            "offers": {"price": "189.00", "lowPrice": 5},
        }
    )
    probe_visible(blocks, "TRAIL & PEAK 45 backpack — $189")
    assert blocks[0].visible == {"t:Trail &amp; Peak 45": True, "n:189.00": True, "n:5": False}


_NORMALISE_CASES = [
    "",
    "   ",
    "Trail_Peak 45-L backpack!",
    "ALL CAPS, mixed Case; tabs\tand\nnew lines",
    "Tom &amp; Jerry &#169; 2024",  # entities: unescaped to non-ASCII first
    "punctuation only: !?.,;:'\"()[]{}<>/\\|@#$%^*+=~`",
    "x" * 50 + " " + "0123456789",
    "Café — 1 299,00 € · naïve\u00a0coöperation › Straße",
    "ﬁne ＦＵＬＬ width e\u0301 \u0301 İstanbul ΣΊΣΥΦΟΣ",
    "日本語のテキスト、句読点。 mixed_with ascii",
    "lone \ud800 surrogate",
    "ünïcödé wörds: ½ ©2024 «quoted» x²",
]


def _general_normalise(text: str) -> str:
    import html
    import re
    import unicodedata

    general = unicodedata.normalize("NFKC", html.unescape(text)).casefold()
    return " " + " ".join(re.sub(r"[\W_]+", " ", general).split()) + " "


@pytest.mark.parametrize("text", _NORMALISE_CASES)
def test_fast_normalise_equals_nfkc_casefold_and_regex(text: str) -> None:
    """normalise() translates bytes in one pass and sends only tokens with non-ASCII
    characters through NFKC and the regular expression (it runs over every page's text);
    it must give exactly what NFKC + casefold + the regular expression give."""
    from seoaudit.extract.visible import normalise

    assert normalise(text) == _general_normalise(text)


@pytest.mark.parametrize("text", _NORMALISE_CASES)
def test_probed_words_are_the_normalised_words(text: str) -> None:
    """The probe looks words up as b" word " in the page's words with runs of spaces left
    in: right only if those bytes hold the same tokens and no whitespace but spaces."""
    from seoaudit.extract.visible import _words

    shown = b" " + _words(text) + b" "
    assert shown.split() == _general_normalise(text).encode("utf-8", "surrogatepass").split()
    assert not any(c in shown for c in b"\t\n\r\x0b\x0c")


# --- health ------------------------------------------------------------------------------


def test_health_counts_items_by_worst_finding() -> None:
    good = _page({"@context": "https://schema.org", "@type": "BreadcrumbList"})
    bad = _page({"@context": "https://schema.org", "@type": "Product", "name": "Tent"})
    bad = bad.model_copy(update={"url": URL + "2"})
    broken = PageFacts(url=URL + "3", final_url=URL + "3", structured_data=[json_ld("{,}")])

    class Summary:
        def __init__(self, page: PageFacts) -> None:
            self.url = page.url
            self.structured_items = page_items(page)

    product_key = page_items(bad)[0][0]
    findings = [
        Finding(
            rule="SD006",
            name="x",
            severity="error",
            url=URL + "2",
            message="m",
            evidence={"item": product_key},
        ),
        Finding(rule="SD007", name="x", severity="notice", url=URL, message="m", evidence={}),
    ]
    health = structured_health([Summary(good), Summary(bad), Summary(broken)], findings)
    assert health["pages"] == 3
    assert health["types"]["BreadcrumbList"] == {"items": 1, "valid": 1, "warnings": 0, "errors": 0}
    assert health["types"]["Product"] == {"items": 1, "valid": 0, "warnings": 0, "errors": 1}
    assert health["types"][UNPARSABLE]["errors"] == 1


@pytest.mark.parametrize(
    ("value", "compared"),
    [
        ("10.00", "10"),
        (10, "10"),
        ("12.50", "12.5"),
        ("  Alpine   Tent ", "alpine tent"),
        ("1e999999999", "1e999999999"),  # no number to expand (or overflow) here
        ("NaN", "nan"),
        ("\uff11\uff12", "\uff11\uff12"),  # full-width digits are text to Google
        (True, None),
        ({"@value": "3"}, None),
    ],
)
def test_values_compared_across_markup(value: object, compared: str | None) -> None:
    from seoaudit.rules.structured_eligibility import _comparable

    assert _comparable(value) == compared


def test_a_position_is_ascii_digits() -> None:
    from seoaudit.structured.values import position

    assert (position("2"), position(" 3 "), position(4)) == (2, 3, 4)
    assert position("²") is None  # str.isdigit says yes, int() says no
