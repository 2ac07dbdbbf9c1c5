"""Allocator tuning, so a large run's peak memory is its live data, not allocator slack.

glibc's malloc serves big blocks (numpy arrays of a link graph with millions of edges)
with mmap and gives them back to the system when freed, but after the first such free it
raises its mmap threshold to that block's size ("dynamic threshold"): later arrays of up
to 32 MB then come from the heap, and freed heap memory is not returned. Python objects
live in their own arenas and cannot reuse it, so every transient array of one phase of
an audit stays in the resident set through the next. Fixing the threshold (mallopt
M_MMAP_THRESHOLD, which also turns the dynamic adjustment off) keeps big blocks on mmap:
at 20,000 pages the Site's graph phase ended at 102 MB resident instead of 152 MB. It
is set when a Site is built, after the crawl: during the crawl it would only cost heap
trimming on every page.

Only glibc has mallopt; elsewhere this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

M_MMAP_THRESHOLD = -3  # from glibc's malloc.h
THRESHOLD = 256 * 1024  # blocks this big or bigger are mmapped, and unmapped when freed


@functools.cache  # once per process, whether it worked or not
def keep_big_blocks_returnable() -> bool:
    """Set a fixed mmap threshold. True when the allocator took it."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, THRESHOLD))
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
