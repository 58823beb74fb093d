"""Benchmarks of gmo-tui's hot path (issue 6): ingest, tick-to-screen latency, CPU, terminal
bytes, cold start and soak, each against the built-in exchange with a fixed seed.

Run them from the repository root with ``.venv/bin/python -m bench.<name>`` (see README.md).
"""
