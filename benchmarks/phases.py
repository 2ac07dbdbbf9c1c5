"""Peak memory per phase of one audit (crawl + Site, rules, report, JSON), to see where a
large run's memory goes. Serves the generated site (sitegen.py) from its own process on
127.0.0.1 and runs the audit in this process with the phases instrumented.

    python benchmarks/phases.py 20000
"""

from __future__ import annotations

import collections
import io
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


def _serve(queue: Any, pages: int) -> None:
    from sitegen import GeneratedSite

    from seoaudit.devserver import SiteServer

    server = SiteServer(handler=GeneratedSite(pages))
    queue.put(server.start())
    time.sleep(3600)  # the parent ends this daemon process when it exits


def main(pages: int) -> None:
    queue: Any = multiprocessing.Queue()
    multiprocessing.Process(target=_serve, args=(queue, pages), daemon=True).start()
    base = queue.get(timeout=60)
    import seoaudit.audit as audit
    from seoaudit.config import CrawlSettings, Settings
    from seoaudit.report import json as json_report

    run_rules, build_report = audit.run_rules, audit.build_report

    def timed_rules(*args: Any, **kwargs: Any) -> Any:
        print(f"crawl + Site: peak {peak_mb()} MB", flush=True)
        result = run_rules(*args, **kwargs)
        print(f"rules: peak {peak_mb()} MB, {len(result[0])} findings", flush=True)
        return result

    def timed_report(*args: Any, **kwargs: Any) -> Any:
        result = build_report(*args, **kwargs)
        print(f"report: peak {peak_mb()} MB", flush=True)
        return result

    audit.run_rules, audit.build_report = timed_rules, timed_report  # type: ignore[assignment]
    settings = Settings(
        start_urls=[base + "/"],
        crawl=CrawlSettings(max_pages=pages),
        run_dir=Path(tempfile.mkdtemp()),
    )
    result = audit.run_audit(settings)
    out = io.StringIO()
    json_report.write(result.report, out)
    print(f"JSON ({len(out.getvalue()) // 1024} KB): peak {peak_mb()} MB")
    rules = collections.Counter(f.rule for f in result.report.findings)
    print("most frequent findings:", rules.most_common(6))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
