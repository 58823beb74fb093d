"""Every response example of the seed decodes into its model, and encodes back to the same JSON.

`tests/fixtures/seed_examples.json` is the seed's 38 response examples, extracted verbatim from
`gmo-coin-api-condensed.txt` (keyed `rest:<section>` / `ws:<section>`).
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest

from gmo_tui.exchange import models as m
from gmo_tui.exchange.codec import decode, decode_raw, dumps, to_wire
from gmo_tui.exchange.errors import ProtocolError

EXAMPLES: dict[str, dict] = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "seed_examples.json").read_text("utf-8")
)

# section -> type of `data` (None: the reply has no data)
REST_DATA: dict[str, object] = {
    "rest:Service Status": m.Status,
    "rest:Ticker": list[m.Ticker],
    "rest:Order Books": m.OrderBook,
    "rest:Trade History": m.TradesPage,
    "rest:KLine Data": list[m.Kline],
    "rest:Trade rules": list[m.SymbolRule],
    "rest:Margin": m.Margin,
    "rest:Assets": list[m.Asset],
    "rest:Trading Volume": m.TradingVolume,
    "rest:Fiat deposit history": list[m.FiatTransfer],
    "rest:Fiat withdrawal history": list[m.FiatTransfer],
    "rest:CryptoCurrency deposit history": list[m.CryptoTransfer],
    "rest:CryptoCurrency withdrawal history": list[m.CryptoTransfer],
    "rest:Orders": m.OrdersList,
    "rest:Active Orders": m.OrdersList,
    "rest:Executions": m.ExecutionsList,
    "rest:Latest Executions": m.ExecutionsList,
    "rest:Open Positions": m.PositionsList,
    "rest:Position Summary": m.PositionSummaryList,
    "rest:Transfer": list[m.Transfer],
    "rest:Order": str,
    "rest:Change Order": None,
    "rest:Cancel Order": None,
    "rest:Cancel Orders": m.CancelOrdersResult,
    "rest:Cancel Bulk Order": list[int],
    "rest:Close Order": str,
    "rest:Close Bulk Order": str,
    "rest:Change Margin Liquidation": None,
    "rest:Create Access Token": str,
    "rest:Extend Access Token": None,
    "rest:Delete Access Token": None,
}
WS_EVENTS: dict[str, type] = {
    "ws:Ticker": m.TickerEvent,
    "ws:Order Books": m.OrderBookEvent,
    "ws:Trades": m.TradeEvent,
    "ws:Execution Notifications": m.ExecutionEvent,
    "ws:Order Notifications": m.OrderEvent,
    "ws:Position Notifications": m.PositionEvent,
    "ws:Position Summary Notifications": m.PositionSummaryEvent,
}


def test_every_seed_example_is_covered() -> None:
    assert set(EXAMPLES) == set(REST_DATA) | set(WS_EVENTS)
    assert len(REST_DATA) == 31 and len(WS_EVENTS) == 7


def _money_fields_are_decimal(value: object) -> None:
    if isinstance(value, msgspec.Struct):
        for field in msgspec.structs.fields(value):
            item = getattr(value, field.name)
            if isinstance(item, float):
                raise AssertionError(f"{type(value).__name__}.{field.name} is a float")
            if isinstance(item, datetime):
                assert item.tzinfo is not None, field.name
            _money_fields_are_decimal(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _money_fields_are_decimal(item)


def _normalise(value: object) -> object:
    """The seed's JSON with key order ignored."""
    return json.loads(json.dumps(value, sort_keys=True))


@pytest.mark.parametrize("key", sorted(REST_DATA))
def test_rest_example_decodes_and_round_trips(key: str) -> None:
    example = EXAMPLES[key]
    envelope = decode(json.dumps(example).encode(), m.Envelope)
    assert envelope.status == 0
    assert envelope.responsetime is not None and envelope.responsetime.tzinfo is not None
    data_type = REST_DATA[key]
    if data_type is None:
        assert "data" not in example
        return
    data = decode_raw(envelope.data, data_type)
    _money_fields_are_decimal(data)
    # Encoding the model gives back exactly the seed's data (values and types), key order aside.
    assert _normalise(to_wire(data)) == _normalise(example["data"])


@pytest.mark.parametrize("key", sorted(WS_EVENTS))
def test_ws_example_decodes_by_channel_and_round_trips(key: str) -> None:
    example = EXAMPLES[key]
    union = m.PublicEvent if key in {"ws:Ticker", "ws:Order Books", "ws:Trades"} else m.PrivateEvent
    event = decode(json.dumps(example).encode(), union)
    assert type(event) is WS_EVENTS[key]
    _money_fields_are_decimal(event)
    assert _normalise(to_wire(event)) == _normalise(example)


def test_ids_are_ints_and_money_is_decimal() -> None:
    orders = decode(json.dumps(EXAMPLES["rest:Orders"]["data"]).encode(), m.OrdersList)
    first = orders.list[0]
    assert first.order_id == 223456789 and isinstance(first.order_id, int)
    assert first.size == Decimal("0.02") and first.price == Decimal("1430001")
    assert orders.list[1].cancel_type == "USER"


def test_missing_required_field_names_the_field() -> None:
    broken = dict(EXAMPLES["ws:Execution Notifications"])
    del broken["executionId"]
    with pytest.raises(ProtocolError, match="executionId"):
        decode(json.dumps(broken).encode(), m.PrivateEvent)


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity", "1e400", "abc", ""])
def test_malformed_number_is_a_protocol_error_naming_the_field(bad: str) -> None:
    broken = dict(EXAMPLES["ws:Ticker"], ask=bad)
    with pytest.raises(ProtocolError, match="ask"):
        decode(json.dumps(broken).encode(), m.PublicEvent)


def test_number_sent_as_a_json_float_is_still_a_decimal() -> None:
    tolerant = dict(EXAMPLES["ws:Trades"], price=750760.5)
    event = decode(json.dumps(tolerant).encode(), m.PublicEvent)
    assert event.price == Decimal("750760.5")


def test_unknown_extra_fields_are_tolerated() -> None:
    extra = dict(EXAMPLES["ws:Order Notifications"], brandNewField={"x": 1})
    event = decode(json.dumps(extra).encode(), m.PrivateEvent)
    assert isinstance(event, m.OrderEvent) and event.msg_type == "NOR"


def test_naive_timestamp_is_refused() -> None:
    broken = dict(EXAMPLES["ws:Trades"], timestamp="2018-03-30T12:34:56.789")
    with pytest.raises(ProtocolError, match="timestamp"):
        decode(json.dumps(broken).encode(), m.PublicEvent)


def test_dumps_writes_milliseconds_and_plain_decimals() -> None:
    trade = m.Trade(
        price=Decimal("1E+7"),
        side=m.Side.BUY,
        size=Decimal("0.00010"),
        timestamp=datetime.fromisoformat("2020-01-02T03:04:05.678901+00:00"),
    )
    assert dumps(trade) == (
        b'{"price":"10000000","side":"BUY","size":"0.00010","timestamp":"2020-01-02T03:04:05.678Z"}'
    )
