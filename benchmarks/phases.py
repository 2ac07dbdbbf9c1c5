"""Peak memory per phase of one audit (crawl + Site, rules, report, JSON), to see where a
large run's memory goes. Serves the generated site (sitegen.py) from its own process on
127.0.0.1 and runs the audit in this process with the phases instrumented.

    python benchmarks/phases.py 20000 [EXTRACT_WORKERS]

EXTRACT_WORKERS sets ``crawl.extract_workers`` (default: the setting's default, -1).
"""

from __future__ import annotations

import collections
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def rss_mb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return 0


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # reaped children: the workers
    return usage.ru_utime + usage.ru_stime


def _serve(queue: Any, pages: int) -> None:
    from sitegen import GeneratedSite

    from seoaudit.devserver import SiteServer

    server = SiteServer(handler=GeneratedSite(pages))
    queue.put(server.start())
    time.sleep(3600)  # the parent ends this daemon process when it exits


def main(pages: int, workers: int = -1) -> None:
    queue: Any = multiprocessing.Queue()
    multiprocessing.Process(target=_serve, args=(queue, pages), daemon=True).start()
    base = queue.get(timeout=60)
    import seoaudit.audit as audit
    from seoaudit.config import CrawlSettings, Settings
    from seoaudit.report import json as json_report

    judge, build_report, site_class = audit._judge, audit.build_report, audit.Site

    clock = [time.perf_counter(), time.process_time(), children_cpu()]

    def lap() -> str:
        now, cpu, children = time.perf_counter(), time.process_time(), children_cpu()
        spent = f"{now - clock[0]:.1f} s (CPU {cpu - clock[1]:.1f} s"
        if children > clock[2]:
            spent += f", workers {children - clock[2]:.1f} s"
        clock[:] = now, cpu, children
        return spent + ")"

    def memory() -> str:
        return f"peak {peak_mb()} MB, now {rss_mb()} MB"

    def timed_site(*args: Any, **kwargs: Any) -> Any:
        print(f"crawl: {lap()}, {memory()}", flush=True)
        site = site_class(*args, **kwargs)
        print(f"Site: {lap()}, {memory()}", flush=True)
        return site

    def timed_rules(*args: Any, **kwargs: Any) -> Any:
        judge(*args, **kwargs)
        print(f"rules (findings stored): {lap()}, {memory()}", flush=True)

    def timed_report(*args: Any, **kwargs: Any) -> Any:
        result = build_report(*args, **kwargs)
        print(f"report: {lap()}, {memory()}", flush=True)
        return result

    audit._judge, audit.build_report = timed_rules, timed_report
    audit.Site = timed_site  # type: ignore[misc]
    settings = Settings(
        start_urls=[base + "/"],
        crawl=CrawlSettings(max_pages=pages, extract_workers=workers),
        run_dir=Path(tempfile.mkdtemp()),
    )
    result = audit.run_audit(settings)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:  # as the CLI writes it
        json_report.write(result.report, out)
        print(f"JSON ({out.tell() // 1024} KB): {lap()}, {memory()}")
    print(f"{len(result.report.findings)} findings")
    rules = collections.Counter(f.rule for f in result.report.findings)
    print("most frequent findings:", rules.most_common(6))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000, *(int(a) for a in sys.argv[2:3]))
