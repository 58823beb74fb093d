"""Headless market and account state: books, tapes, candles, orders, positions, balances.

Plain Python objects updated by the app's workers and read by the panes. No Textual import.
"""
