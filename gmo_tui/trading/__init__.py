"""The trading service: the headless layer between the UI and the REST client that makes order
entry safe (pre-trade checks, the durable journal, lost replies, cancel races, reconciliation,
maintenance halts, the kill switch). No Textual here; notices reach the UI through a callback."""
