"""The built-in GMO Coin exchange (`gmo-tui sim`, `gmo-tui --demo`).

Serves GMO Coin's REST and WebSocket protocol on loopback with a matching engine, a synthetic
market and a funded demo account. Reuses the wire models and signing of
:mod:`gmo_tui.exchange`; shares nothing else with the app.
"""
