"""GMO Coin's protocol: wire models, signing, errors, REST client and WebSocket streams.

This package is headless: it never imports Textual (enforced by tests/test_layers.py).
"""
