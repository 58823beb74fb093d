"""The TLS context of the app's HTTP clients, made once per process.

httpx makes a verifying context (certifi's bundle, ~30 ms to load) for every client it builds;
the app builds two at start. :func:`context_for` hands them one shared context instead, and
for a plain-``http://`` endpoint (the built-in exchange on loopback) one that trusts no
certificate, so that a redirect or a mistake that reaches TLS fails closed.
"""

from __future__ import annotations

import ssl
from functools import cache
from urllib.parse import urlsplit

import httpx


@cache
def _verifying() -> ssl.SSLContext:
    return httpx.create_ssl_context()  # httpx's default: certifi's bundle, SSL_CERT_FILE/DIR


@cache
def _trusting_nothing() -> ssl.SSLContext:
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, with no certificate to trust


def context_for(base_url: str) -> ssl.SSLContext:
    """The context for a client of ``base_url``: httpx's verifying default for ``https://``,
    one that verifies against an empty trust store for ``http://``."""
    if urlsplit(base_url).scheme == "http":
        return _trusting_nothing()
    return _verifying()
