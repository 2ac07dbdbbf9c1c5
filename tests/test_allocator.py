"""The allocator setting that keeps a large run's transient arrays from staying resident."""

from __future__ import annotations

import platform
import subprocess
import sys
import textwrap

import pytest


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_freed_big_arrays_leave_the_resident_set() -> None:
    """With the fixed threshold, 64 MB of 1 MB blocks freed after a first big free (which
    raises glibc's dynamic threshold) go back to the system; without it they stay
    resident. RSS is measured in a fresh interpreter so nothing else interferes."""
    script = textwrap.dedent(
        """
        import sys
        from seoaudit.allocator import keep_big_blocks_returnable

        def rss_mb():
            for line in open("/proc/self/status"):
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) // 1024

        if sys.argv[1] == "tuned":
            assert keep_big_blocks_returnable() and keep_big_blocks_returnable()
        first = bytearray(16 * 2**20)  # freed: glibc would now raise its threshold to 16 MB
        del first
        blocks = [bytearray(2**20) for _ in range(64)]  # 1 MB blocks: below it
        pin = bytearray(4096)  # on the heap above them: the heap top cannot be trimmed
        before = rss_mb()
        del blocks
        print(before - rss_mb())
        """
    )
    released = {}
    for mode in ("tuned", "default"):
        out = subprocess.run(
            [sys.executable, "-c", script, mode], capture_output=True, text=True, check=True
        )
        released[mode] = int(out.stdout)
    assert released["tuned"] >= 60  # every block went back
    assert released["default"] < released["tuned"]  # what the setting is for
