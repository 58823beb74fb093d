"""The shared TLS contexts of the app's HTTP clients (gmo_tui/exchange/tls.py)."""

from __future__ import annotations

import ssl

from gmo_tui.exchange.tls import context_for


def test_https_verifies_against_the_default_bundle_made_once() -> None:
    context = context_for("https://api.coin.z.com")
    assert context is context_for("https://example.invalid:8443")
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0


def test_plain_http_gets_a_context_that_trusts_no_certificate() -> None:
    context = context_for("http://127.0.0.1:8080")
    assert context is not context_for("https://api.coin.z.com")
    # any TLS it meets (a redirect, a mistake) fails verification rather than passing
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0
