"""Rebuild the binary fixtures of this folder: `python tests/data/sitemaps/build_fixtures.py`.

They are kept as files so that tests read exactly the bytes described here; the build is
deterministic (gzip mtime 0, fixed compression level).
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
)


def entries(count: int) -> bytes:
    return b"".join(
        b"  <url><loc>https://www.example.com/p/%d</loc></url>\n" % i for i in range(count)
    )


def gzip_stream(parts: list[tuple[bytes, int]]) -> bytes:
    """gzip of each (unit, repeat) in turn, compressed piece by piece (never all in memory)."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = []
    for unit, repeat in parts:
        block_repeat = max(1, 1_048_576 // len(unit))
        while repeat > 0:
            n = min(repeat, block_repeat)
            out.append(z.compress(unit * n))
            repeat -= n
    out.append(z.flush())
    gz = b"".join(out)
    return gz[:4] + b"\0\0\0\0" + gz[8:]  # mtime 0


def utf16(name: str) -> None:
    """The UTF-16 twin of a UTF-8 fixture: a byte scan for "<!ENTITY" cannot see it."""
    text = (HERE / name).read_text(encoding="utf-8").replace('"?>', '" encoding="UTF-16"?>', 1)
    (HERE / name.replace(".xml", "_utf16.xml")).write_bytes(text.encode("utf-16"))


def main() -> None:
    utf16("billion_laughs.xml")
    utf16("xxe_entity.xml")
    # 100 MB of empty comments under a valid root: decompresses at ~1000:1.
    (HERE / "bomb.xml.gz").write_bytes(gzip_stream([(HEAD, 1), (b"<!---->", 100_000_000 // 7)]))
    # A loc of 20 MB, over libxml2's 10 MB text node limit, after two good entries.
    (HERE / "huge_text_node.xml.gz").write_bytes(
        gzip_stream(
            [(HEAD + entries(2) + b"  <url><loc>https://www.example.com/", 1), (b"a", 20_000_000)]
        )
    )
    whole = gzip.compress(HEAD + entries(2000) + b"</urlset>\n", 9, mtime=0)
    # The stream stops before its end (no trailer, last blocks missing).
    (HERE / "truncated.xml.gz").write_bytes(whole[: len(whole) * 2 // 3])
    # Bytes flipped in the middle of the deflate data.
    middle = len(whole) // 2
    corrupt = (
        whole[:middle] + bytes(b ^ 0xFF for b in whole[middle : middle + 64]) + whole[middle + 64 :]
    )
    (HERE / "corrupt.xml.gz").write_bytes(corrupt)
    # Two gzip members (as `cat a.gz b.gz`): one document split across them.
    doc = HEAD + entries(3) + b"</urlset>\n"
    (HERE / "members.xml.gz").write_bytes(
        gzip.compress(doc[:100], mtime=0) + gzip.compress(doc[100:], mtime=0)
    )


if __name__ == "__main__":
    main()
