"""https end to end: the real CLI against a real https server on 127.0.0.1, with
certificates from a test certificate authority (trustme): a good certificate trusted
through --ca-bundle, and rejected ones (expired, another host's, an unknown issuer)."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import trustme

from seoaudit.devserver import SiteServer
from seoaudit.rules.certificates import problem
from tests.test_e2e import BASIC, seoaudit

pytestmark = pytest.mark.e2e


@contextmanager
def https_site(cert: trustme.LeafCert) -> Iterator[str]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    with SiteServer(BASIC, tls=context) as server:
        yield server.base_url


def audit(base: str, work: Path, *extra: str) -> tuple[int, str, dict[str, Any]]:
    proc = seoaudit(
        "audit", base + "/", "-f", "json", "-o", "r.json", "-q", "--isolated",
        "--run-dir", "runs", "--no-probe", *extra, cwd=work,
    )  # fmt: skip
    return proc.returncode, proc.stderr, json.loads((work / "r.json").read_text())


def bundle(ca: trustme.CA, work: Path) -> str:
    path = work / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def test_a_site_certified_by_an_internal_ca_is_audited_with_ca_bundle(tmp_path: Path) -> None:
    ca = trustme.CA()
    with https_site(ca.issue_cert("127.0.0.1")) as base:
        assert base.startswith("https://")
        code, _, report = audit(base, tmp_path, "--ca-bundle", bundle(ca, tmp_path))
    assert code == 1  # the basic fixture's planted problems, found over https
    assert report["run"]["pages_fetched"] > 5
    rules = {f["rule"] for f in report["findings"]}
    assert "HTTP001" in rules and "ONP019" not in rules
    assert report["run"]["settings"]["crawl"]["ca_bundle"].endswith("ca.pem")


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("expired", "the certificate has expired"),
        ("other-host", "the certificate is for another host name"),
        ("unknown-issuer", "the issuer is unknown or the chain incomplete"),
    ],
)
def test_a_rejected_certificate_is_onp019_and_a_clear_start_error(
    kind: str, expected: str, tmp_path: Path
) -> None:
    ca = trustme.CA()
    if kind == "expired":
        cert = ca.issue_cert(
            "127.0.0.1",
            not_before=datetime(2019, 1, 1, tzinfo=UTC),
            not_after=datetime(2020, 1, 1, tzinfo=UTC),
        )
    else:
        cert = ca.issue_cert("www.example.org" if kind == "other-host" else "127.0.0.1")
    trust = () if kind == "unknown-issuer" else ("--ca-bundle", bundle(ca, tmp_path))
    with https_site(cert) as base:
        code, stderr, report = audit(base, tmp_path, *trust)
    assert code == 3  # the start URL could not be fetched
    host = base.removeprefix("https://")
    said = " ".join(stderr.split())
    assert f"TLS certificate of {host} is rejected ({expected})" in said
    # the CA-file hint only where a CA file can help
    assert ("--ca-bundle" in said) == (kind == "unknown-issuer")
    found = {f["url"]: f for f in report["findings"] if f["rule"] == "ONP019"}
    assert set(found) == {base + "/robots.txt", base + "/"}  # robots.txt, the uncrawled start
    robots = found[base + "/robots.txt"]
    assert robots["severity"] == "error"
    assert robots["cause"] == f"{host}: {expected}"
    detail = robots["evidence"]["detail"]
    assert "CERTIFICATE_VERIFY_FAILED" in detail and "Google" not in detail  # OpenSSL's words
    assert robots["evidence"]["urls_not_crawled"] == 1
    assert not [f for f in report["findings"] if f["rule"] in ("HTTP002", "ROB001", "PERF001")]


def test_the_start_error_names_the_certificate_whichever_rules_run(tmp_path: Path) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", not_after=datetime(2020, 1, 1, tzinfo=UTC))
    with https_site(cert) as base:
        code, stderr, report = audit(
            base, tmp_path, "--ca-bundle", bundle(ca, tmp_path), "--select", "HTTP"
        )
    assert code == 3
    host = base.removeprefix("https://")
    said = " ".join(stderr.split())
    assert f"TLS certificate of {host} is rejected (the certificate has expired)" in said
    assert not [f for f in report["findings"] if f["rule"] == "ONP019"]  # not selected


def test_a_stored_run_is_read_after_its_ca_file_is_gone(tmp_path: Path) -> None:
    ca = trustme.CA()
    with https_site(ca.issue_cert("127.0.0.1")) as base:
        code, _, report = audit(base, tmp_path, "--ca-bundle", bundle(ca, tmp_path))
    assert code == 1 and report["run"]["pages_fetched"] > 5
    (tmp_path / "ca.pem").unlink()
    proc = seoaudit(
        "report", "latest", "-f", "json", "-o", "again.json", "--run-dir", "runs", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    again = json.loads((tmp_path / "again.json").read_text())
    assert len(again["findings"]) == len(report["findings"])


def test_a_ca_bundle_that_is_not_pem_is_a_clear_settings_error(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("not a certificate")
    proc = seoaudit(
        "audit", "http://127.0.0.1:9/", "--isolated", "--ca-bundle", "ca.pem", cwd=tmp_path
    )
    assert proc.returncode == 2
    said = " ".join(proc.stderr.split())
    assert "crawl.ca_bundle" in said and "not a readable PEM file of CA certificates" in said


@pytest.mark.parametrize(
    ("detail", "expected"),
    [
        ("certificate verify failed: certificate has expired (_ssl.c:1006)", "expired"),
        ("certificate verify failed: self signed certificate", "self-signed"),
        ("certificate verify failed: self-signed certificate in certificate chain", "in the chain"),
        ("certificate verify failed: certificate is not yet valid", "not valid yet"),
        ("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)", "handshake"),
        (None, "handshake"),
    ],
)
def test_openssl_words_become_a_plain_problem(detail: str | None, expected: str) -> None:
    assert expected in problem(detail)


def test_robots_reads_a_staging_sites_robots_txt_with_ca_bundle(tmp_path: Path) -> None:
    ca = trustme.CA()
    with https_site(ca.issue_cert("127.0.0.1")) as base:
        refused = seoaudit("robots", base + "/private/x", "--isolated", cwd=tmp_path)
        trusted = seoaudit(
            "robots", base + "/private/x", "--isolated", "--ca-bundle", bundle(ca, tmp_path),
            cwd=tmp_path,
        )  # fmt: skip
        allowed = seoaudit(
            "robots", base + "/", "--isolated", "--ca-bundle", "ca.pem", cwd=tmp_path
        )
    # robots.txt unreachable: Google assumes all disallowed, but nothing could be checked
    assert refused.returncode == 3
    assert "its TLS certificate was rejected" in refused.stderr
    said = " ".join(refused.stdout.split())
    host = base.removeprefix("https://")
    assert "robots.txt could not be fetched (tls-error at" in said
    assert (
        f"the TLS certificate of {host} is rejected (the issuer is unknown or the chain "
        "incomplete); for a site certified by an internal CA, pass --ca-bundle FILE" in said
    )
    # Trusted through the file: the site's own rule decides, and no certificate complaint.
    assert trusted.returncode == 1, trusted.stderr
    assert "decided by" in trusted.stdout and "Disallow: /private/" in trusted.stdout
    assert "TLS certificate" not in trusted.stdout
    assert allowed.returncode == 0 and allowed.stdout.startswith("allowed:"), allowed.stdout
