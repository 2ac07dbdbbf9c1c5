"""GitLab Code Quality JSON: one entry per finding that counts (suppressed ones are left
out), in the format GitLab's merge-request widget reads (docs.gitlab.com, "Code Quality",
"Code Quality report format"): description, check_name, fingerprint, severity and a
location. A finding has a URL, not a file, so ``location.path`` is the URL relative to
the site's origin and ``lines.begin`` is 1. Entries come worst severity first, each
severity in report order (rule, URL). The fingerprint is the portable one
(baseline.py), so GitLab sees the same finding as the same across environments and runs.
"""

from __future__ import annotations

import json
from typing import TextIO

from seoaudit.baseline import relative
from seoaudit.models import Report
from seoaudit.report.ci_view import Item, one_line, view

# Our severities on GitLab's scale (info, minor, major, critical, blocker).
SEVERITY = {"error": "critical", "warning": "major", "notice": "info"}


def write(report: Report, out: TextIO) -> None:
    ci = view(report)

    def render(item: Item) -> str:
        finding = item.finding
        entry = {
            "description": one_line(f"{finding.rule} {finding.name}: {finding.message}", 500),
            "check_name": finding.rule,
            "fingerprint": item.fingerprint,
            "severity": SEVERITY[finding.severity],
            "categories": ["SEO"],
            "location": {"path": relative(finding.url, ci.base) or "/", "lines": {"begin": 1}},
        }
        return "  " + json.dumps(entry, indent=2, ensure_ascii=False).replace("\n", "\n  ")

    with ci.ranked(render, counted_only=True, sep=",\n") as ranked:
        if not ranked.count:
            out.write("[]\n")
            return
        out.write("[\n")
        ranked.write_to(out)
        out.write("\n]\n")
