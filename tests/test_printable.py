from __future__ import annotations

from seoaudit.printable import printable


def test_control_characters_and_escape_sequences_never_survive() -> None:
    hostile = "Title\x1b[2J\x1b]0;pwned\x07\r\nnext\x00"
    cleaned = printable(hostile)
    assert all(c.isprintable() for c in cleaned)
    assert cleaned.startswith("Title [2J ]0;pwned")


def test_limit_ends_with_an_ellipsis_and_replacement_is_configurable() -> None:
    assert printable("abcdef", 4) == "abc…"
    assert printable("abc", 4) == "abc"
    assert printable("a\tb", replacement="?") == "a?b"
