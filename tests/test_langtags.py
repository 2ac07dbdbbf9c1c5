"""hreflang values as Google reads them: seoaudit.langtags.parse_hreflang."""

from __future__ import annotations

import pytest

from seoaudit.langtags import ISO639_1, ISO3166_1, ISO15924, parse_hreflang


def test_code_lists_have_the_expected_sizes() -> None:
    # ISO 639-1 (184), ISO 3166-1 alpha-2 officially assigned (249), ISO 15924 (226).
    assert (len(ISO639_1), len(ISO3166_1), len(ISO15924)) == (184, 249, 226)


@pytest.mark.parametrize(
    "value",
    [
        *("en", "EN", "de-AT", "en-gb", "zh-Hant", "zh-Hant-TW", "sr-latn-RS"),
        *("x-default", "X-Default", "iw", "sq-XK", " fr-CA "),
    ],
)
def test_valid(value: str) -> None:
    tag = parse_hreflang(value)
    assert tag.valid and not tag.extra, tag.reason


@pytest.mark.parametrize(
    ("value", "problem", "hint"),
    [
        ("jp", "language", "ja"),
        ("cz", "language", "cs"),
        ("gr", "language", "el"),
        ("eng", "language", "en"),
        ("english", "language", "en"),
        ("en_US", "language", "en-US"),
        ("us", "language", "en"),
        ("", "language", None),
        ("de-Xyzw", "language", None),
        ("de-1", "language", None),
        ("en-UK", "region", "GB"),
        ("en-EU", "region", "a country code"),
        ("es-419", "region", None),
        ("zh-Hans-QQ", "region", None),
    ],
)
def test_invalid(value: str, problem: str, hint: str | None) -> None:
    tag = parse_hreflang(value)
    assert tag.problem == problem
    assert tag.hint == hint
    assert tag.reason


def test_extra_subtags_are_flagged_but_readable() -> None:
    tag = parse_hreflang("de-DE-1996")
    assert tag.valid and tag.extra
    assert (tag.language, tag.region) == ("de", "DE")


def test_parts_are_normalised() -> None:
    tag = parse_hreflang("ZH-hant-tw")
    assert (tag.language, tag.script, tag.region, tag.key) == ("zh", "Hant", "TW", "zh-hant-tw")


def test_hostile_values_do_not_crash() -> None:
    for value in ["-", "--", "a" * 10_000, "en-" + "x" * 5000, "\x00", "ё-РУ", "en--gb"]:
        parse_hreflang(value)
