"""The writing systems (scripts) of a text: letters counted per script, for ONP022 (a
title in another script than the page's content).

A table of Unicode blocks rather than a language detector: the script is certain from the
code point alone and costs one vectorised lookup per character (numpy), where language
detection needs a statistical model and text long enough to be sure, and would misread
the short, brand-laden texts titles are. Han, kana and Hangul are one group ("cjk"):
Japanese mixes kanji and kana, Korean may quote Hanja. Code points outside the table
(digits, punctuation, symbols, emoji) count for no script.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# (first, last, script) per Unicode block, ascending and not overlapping.
_BLOCKS: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x005A, "latin"),
    (0x0061, 0x007A, "latin"),
    (0x00C0, 0x00D6, "latin"),
    (0x00D8, 0x00F6, "latin"),
    (0x00F8, 0x024F, "latin"),
    (0x0370, 0x03FF, "greek"),
    (0x0400, 0x052F, "cyrillic"),
    (0x0531, 0x058F, "armenian"),
    (0x0591, 0x05FF, "hebrew"),
    (0x0600, 0x06FF, "arabic"),
    (0x0750, 0x077F, "arabic"),
    (0x08A0, 0x08FF, "arabic"),
    (0x0900, 0x097F, "devanagari"),
    (0x0980, 0x09FF, "bengali"),
    (0x0A00, 0x0A7F, "gurmukhi"),
    (0x0A80, 0x0AFF, "gujarati"),
    (0x0B00, 0x0B7F, "oriya"),
    (0x0B80, 0x0BFF, "tamil"),
    (0x0C00, 0x0C7F, "telugu"),
    (0x0C80, 0x0CFF, "kannada"),
    (0x0D00, 0x0D7F, "malayalam"),
    (0x0D80, 0x0DFF, "sinhala"),
    (0x0E00, 0x0E7F, "thai"),
    (0x0E80, 0x0EFF, "lao"),
    (0x0F00, 0x0FFF, "tibetan"),
    (0x1000, 0x109F, "myanmar"),
    (0x10A0, 0x10FF, "georgian"),
    (0x1100, 0x11FF, "cjk"),  # Hangul Jamo
    (0x1200, 0x139F, "ethiopic"),
    (0x1780, 0x17FF, "khmer"),
    (0x1E00, 0x1EFF, "latin"),
    (0x1F00, 0x1FFF, "greek"),
    (0x3040, 0x30FF, "cjk"),  # Hiragana, Katakana
    (0x3130, 0x318F, "cjk"),  # Hangul compatibility Jamo
    (0x3400, 0x4DBF, "cjk"),
    (0x4E00, 0x9FFF, "cjk"),
    (0xAC00, 0xD7AF, "cjk"),  # Hangul syllables
    (0xF900, 0xFAFF, "cjk"),
    (0xFB50, 0xFDFF, "arabic"),
    (0xFE70, 0xFEFF, "arabic"),
    (0xFF21, 0xFF3A, "latin"),  # fullwidth
    (0xFF41, 0xFF5A, "latin"),
    (0xFF66, 0xFF9F, "cjk"),  # halfwidth Katakana
)
SCRIPTS: tuple[str, ...] = tuple(dict.fromkeys(script for _, _, script in _BLOCKS))
# As messages name them.
SCRIPT_NAMES: dict[str, str] = {
    script: "CJK (Han, kana, Hangul)" if script == "cjk" else script.capitalize()
    for script in SCRIPTS
}
# Script number + 1 of each code point of the Basic Multilingual Plane (0: no script): one
# table lookup per character (64 KB). Scripts beyond it (historic scripts, emoji) are none.
_TABLE = np.zeros(0x10000, dtype=np.uint8)
for _first, _last, _script in _BLOCKS:
    _TABLE[_first : _last + 1] = SCRIPTS.index(_script) + 1
MAX_CHARS = 20_000  # of a page's text: enough to know its scripts, bounded work
SAMPLES = 4096  # characters looked up at most, evenly spaced (~40 us a page in all)
_ASCII_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))


def script_counts(text: str) -> dict[str, int]:
    """Letters of ``text`` (its first MAX_CHARS characters) per script, most first; scripts
    with none left out. Beyond SAMPLES characters, counted on every n-th character and
    scaled: an estimate, which is all a share of scripts needs."""
    text = text[:MAX_CHARS]
    if text.isascii():  # most pages: no array needed
        data = text.encode()
        latin = len(data) - len(data.translate(None, _ASCII_LETTERS))
        return {"latin": latin} if latin else {}
    codes: npt.NDArray[np.uint32] = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    step = -(-len(codes) // SAMPLES)
    codes = codes[::step]
    scripts = _TABLE[np.minimum(codes, 0xFFFF)]
    scripts[codes > 0xFFFF] = 0
    counts = np.bincount(scripts, minlength=len(SCRIPTS) + 1)[1:]
    found = {SCRIPTS[i]: int(n) * step for i, n in enumerate(counts.tolist()) if n}
    return dict(sorted(found.items(), key=lambda item: -item[1]))
