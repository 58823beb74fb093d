"""Headless market and account state: books, tapes, candles, orders, positions, balances.

Plain Python objects updated by the app's workers and read by the panes. No Textual import,
no I/O, no asyncio.

* ``book``: order books (flat tuples, sanity, freshness, grouping, changed rows)
* ``tape``: bounded trades ring with large prints
* ``candles``: klines kept live from trades
* ``watchlist``: last, change vs the day's open, sparkline
* ``intent``: ``OrderIntent``, what the user asked to trade
* ``orders``: the order state machine, ``OrderTracker``, lost-reply matching
* ``fills``: the fills ledger, de-duplicated by executionId
* ``positions``: open positions, live P&L, summaries
* ``account``: assets, margin, trading volume, transfer history
* ``rules``: tick/step rounding and order-ticket validation
* ``safety``: pre-trade (fat-finger) checks and the kill switch
"""
