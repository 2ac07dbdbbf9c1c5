"""Benchmark: crawl a generated site with the real CLI and measure speed, memory and store.

    python benchmarks/run.py --pages 2000 [--pages 20000 ...] [--profile] [--timeout 1800]

For each size it starts the generated site (sitegen.py) in its own process, measures what
the server alone can deliver (loadgen.py), then runs ``seoaudit audit`` as a subprocess
exactly as a user would and records wall time, pages fetched (``run.pages_fetched`` of the
JSON report), pages per second, the peak RSS of the seoaudit process (VmHWM from /proc),
the peak of the summed RSS and of the summed PSS of it and its child processes (RSS sampled
every 50 ms, PSS every second; PSS does not count shared pages twice), and the size of the
run store. Results are printed as a table and written to benchmarks/out/results.json. Every
run has a timeout; everything talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import platform
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
SERVER_SAMPLE = 4000  # requests for the server-only measurement
SERVER_LIFETIME = 6 * 3600  # the site process ends by itself after this many seconds


@dataclass
class Result:
    pages: int
    exit_code: int | None
    wall_s: float
    pages_fetched: int | None
    pages_per_s: float | None
    peak_rss_mb: float | None  # the seoaudit process (VmHWM)
    peak_rss_all_mb: float | None  # with its extraction workers (sampled sum, errs high)
    peak_pss_all_mb: float | None  # the same as PSS: shared pages split, not counted twice
    store_mb: float
    server_rps: float
    server_mb_s: float
    error: str | None = None


def _serve(pages: int, urls: mp.Queue[str], stop: Event) -> None:
    """The site process: a SiteServer on its own event loop until told to stop."""
    sys.path.insert(0, str(HERE))
    from sitegen import GeneratedSite

    from seoaudit.devserver import SiteServer

    with SiteServer(handler=GeneratedSite(pages)) as server:
        urls.put(server.base_url)
        stop.wait(SERVER_LIFETIME)


def _vm_hwm_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _field_kb(path: Path, name: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(name):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _tree_memory_kb(pid: int, *, pss: bool = True) -> tuple[int, int]:
    """(RSS, PSS) of a process and its children (the extraction worker, the page-rule
    helper) right now. The RSS sum counts the pages a forked child shares with its parent
    twice, so it errs high; PSS splits each shared page between the processes sharing it:
    what the audit really takes from the machine."""
    pids = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            pids += [int(c) for c in (task / "children").read_text().split()]
    except (OSError, ValueError):
        pass
    rss = sum(_field_kb(Path(f"/proc/{one}/status"), "VmRSS:") for one in pids)
    if not pss:
        return rss, 0
    return rss, sum(_field_kb(Path(f"/proc/{one}/smaps_rollup"), "Pss:") for one in pids)


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _measure_server(base_url: str, pages: int) -> tuple[float, float]:
    from loadgen import run_load

    host, port = base_url.removeprefix("http://").rsplit(":", 1)
    paths = [f"/p/{i}.html" for i in range(min(pages, SERVER_SAMPLE))]
    paths = (paths * (SERVER_SAMPLE // len(paths) + 1))[:SERVER_SAMPLE]
    result = asyncio.run(run_load(host, int(port), paths, connections=8, timeout=60))
    if result.errors:
        raise RuntimeError(f"server answered {result.errors} requests with an error")
    return result.per_second, result.body_bytes / result.seconds / 1e6


def _audit(base_url: str, pages: int, work: Path, profile: bool, timeout: float) -> Result:
    report, run_dir = work / "report.json", work / "store"
    audit = ["seoaudit", "audit", base_url + "/", "--max-pages", str(pages)]
    audit += ["--format", "json", "--output", str(report), "-q", "--run-dir", str(run_dir)]
    prefix = [sys.executable, "-m"]
    if profile:
        prefix += ["cProfile", "-o", str(work / "profile.prof"), "-m"]
    started = time.perf_counter()
    peak_kb, error, tree_kb, tree_pss_kb, samples = None, None, 0, 0, 0
    with (work / "stdout.txt").open("wb") as out, (work / "stderr.txt").open("wb") as err:
        process = subprocess.Popen(prefix + audit, stdout=out, stderr=err)
        deadline = started + timeout
        while process.poll() is None:
            hwm = _vm_hwm_kb(process.pid)  # a high-water mark: the last read is the peak
            if hwm is not None:
                peak_kb = max(peak_kb or 0, hwm)
            samples += 1
            # PSS every second only: smaps_rollup walks the page tables of the process.
            rss, pss = _tree_memory_kb(process.pid, pss=samples % 20 == 0)
            tree_kb, tree_pss_kb = max(tree_kb, rss), max(tree_pss_kb, pss)
            if time.perf_counter() > deadline:
                process.kill()
                error = f"timeout after {timeout:.0f} s"
                break
            time.sleep(0.05)
        code = process.wait(timeout=30)
    wall = time.perf_counter() - started
    fetched = None
    try:
        fetched = int(json.loads(report.read_text())["run"]["pages_fetched"])
    except (OSError, ValueError, KeyError, TypeError):
        error = error or "no JSON report: " + (work / "stderr.txt").read_text()[-300:].strip()
    store = _dir_size(run_dir) if run_dir.exists() else 0
    return Result(
        pages=pages,
        # cProfile swallows the audit's SystemExit: a profiled run always ends 0.
        exit_code=None if profile else code,
        wall_s=round(wall, 2),
        pages_fetched=fetched,
        pages_per_s=round(fetched / wall, 1) if fetched else None,
        peak_rss_mb=round(peak_kb / 1024, 1) if peak_kb else None,
        peak_rss_all_mb=round(tree_kb / 1024, 1) if tree_kb else None,
        peak_pss_all_mb=round(tree_pss_kb / 1024, 1) if tree_pss_kb else None,
        store_mb=round(store / 1e6, 2),
        server_rps=0.0,
        server_mb_s=0.0,
        error=error,
    )


def bench(pages: int, profile: bool, timeout: float, keep: bool, out: Path) -> Result:
    ctx = mp.get_context("spawn")
    urls: mp.Queue[str] = ctx.Queue()
    stop = ctx.Event()
    server = ctx.Process(target=_serve, args=(pages, urls, stop), daemon=True)
    server.start()
    work = Path(tempfile.mkdtemp(prefix=f"bench-{pages}-", dir=out))
    try:
        base_url = urls.get(timeout=30)
        rps, mb_s = _measure_server(base_url, pages)
        result = _audit(base_url, pages, work, profile, timeout)
        result.server_rps, result.server_mb_s = round(rps), round(mb_s, 1)
        if profile and (work / "profile.prof").exists():
            print(f"\n--- profile, {pages} pages: top 25 by cumulative time ---")
            pstats.Stats(str(work / "profile.prof")).sort_stats("cumulative").print_stats(25)
        return result
    finally:
        stop.set()
        server.join(timeout=10)
        if server.is_alive():
            server.kill()
        if keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


COLUMNS = [
    ("pages", "pages", "{}"),
    ("fetched", "pages_fetched", "{}"),
    ("wall s", "wall_s", "{:.1f}"),
    ("pages/s", "pages_per_s", "{:.1f}"),
    ("peak RSS MB", "peak_rss_mb", "{:.0f}"),
    ("+workers MB", "peak_rss_all_mb", "{:.0f}"),
    ("+workers PSS MB", "peak_pss_all_mb", "{:.0f}"),
    ("store MB", "store_mb", "{:.1f}"),
    ("server req/s", "server_rps", "{:.0f}"),
    ("server MB/s", "server_mb_s", "{:.0f}"),
    ("exit", "exit_code", "{}"),
]


def table(results: list[Result]) -> str:
    rows = [[title for title, _, _ in COLUMNS]]
    for result in results:
        values = asdict(result)
        rows.append(
            [fmt.format(values[k]) if values[k] is not None else "-" for _, k, fmt in COLUMNS]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines += [f"{r.pages}: {r.error}" for r in results if r.error]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, action="append", help="site size (repeatable)")
    parser.add_argument("--profile", action="store_true", help="run the audit under cProfile")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per audit run")
    parser.add_argument("--keep", action="store_true", help="keep reports, logs and stores")
    parser.add_argument("--out", type=Path, default=OUT, help="where results.json goes")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for pages in args.pages or [2000]:
        print(f"benchmark: {pages} pages...", flush=True)
        results.append(bench(pages, args.profile, args.timeout, args.keep, args.out))
    print()
    print(table(results))
    summary: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {mp.cpu_count()} CPUs",
        "profiled": args.profile,
        "results": [asdict(r) for r in results],
    }
    (args.out / "results.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nwritten to {args.out / 'results.json'}")
    return 0 if all(r.error is None for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
