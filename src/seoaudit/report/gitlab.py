"""GitLab Code Quality JSON: one entry per finding that counts (suppressed ones are left
out), in the format GitLab's merge-request widget reads (docs.gitlab.com, "Code Quality",
"Code Quality report format"): description, check_name, fingerprint, severity and a
location. A finding has a URL, not a file, so ``location.path`` is the URL relative to
the site's origin and ``lines.begin`` is 1. The fingerprint is the portable one
(baseline.py), so GitLab sees the same finding as the same across environments and runs.
"""

from __future__ import annotations

import json
from typing import TextIO

from seoaudit.baseline import relative
from seoaudit.models import Report
from seoaudit.report.ci_view import one_line, view

# Our severities on GitLab's scale (info, minor, major, critical, blocker).
SEVERITY = {"error": "critical", "warning": "major", "notice": "info"}


def write(report: Report, out: TextIO) -> None:
    ci = view(report)
    entries = []
    for item in ci.counted():
        finding = item.finding
        entries.append(
            {
                "description": one_line(f"{finding.rule} {finding.name}: {finding.message}", 500),
                "check_name": finding.rule,
                "fingerprint": item.fingerprint,
                "severity": SEVERITY[finding.severity],
                "categories": ["SEO"],
                "location": {"path": relative(finding.url, ci.base) or "/", "lines": {"begin": 1}},
            }
        )
    json.dump(entries, out, indent=2, ensure_ascii=False)
    out.write("\n")
