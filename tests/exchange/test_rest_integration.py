"""The REST client against the built-in exchange on loopback: every operation, every error class
from a real server answer, the clock resync, the rate limit, a lost order reply, a GET retry.

One exchange serves the whole module (starting one per test would cost most of the run); each
test gets its own funded account and API key through the ``/_sim/account`` control, so orders,
positions, balances and rate windows never leak between tests, and every fault switch is reset
around each test.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import pytest_asyncio

from gmo_tui.exchange import errors, models
from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.enums import ExchangeStatus, OrderStatus, Side
from gmo_tui.exchange.rest import GmoRestClient, iter_history_windows
from gmo_tui.exchange.transport import Payload

pytestmark = pytest.mark.asyncio(loop_scope="module")

D = Decimal
FUNDS = D("10000000")
_serial = itertools.count(1)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def exchange() -> AsyncIterator[Any]:
    from gmo_tui.sim.market import MarketRates
    from gmo_tui.sim.runner import SimServer

    rates = MarketRates(books_per_s=2, trades_per_s=1, tickers_per_s=1)
    server = SimServer(host="127.0.0.1", port=0, seed=42, control=True, rates=rates)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest_asyncio.fixture(loop_scope="module")
async def sim(exchange: Any) -> AsyncIterator[Any]:
    """The shared exchange with every fault off, and a fresh funded key for this test."""
    await exchange.control("reset_faults")
    await exchange.control("status", {"status": "OPEN"})
    n = next(_serial)
    exchange.key, exchange.secret = f"test-key-{n:04d}", f"test-secret-{n:04d}"
    await exchange.control(
        "account", {"apiKey": exchange.key, "apiSecret": exchange.secret, "jpy": str(FUNDS)}
    )
    try:
        yield exchange
    finally:
        await exchange.control("reset_faults")
        await exchange.control("status", {"status": "OPEN"})


def make_client(
    sim: Any, key: str | None = None, secret: str | None = None, **kw: Any
) -> GmoRestClient:
    credentials = Credentials(sim.key if key is None else key, secret or sim.secret)
    client = GmoRestClient(sim.endpoint, credentials, **kw)
    client.transport.get_retry_delays = (0.01, 0.02)
    return client


@pytest_asyncio.fixture(loop_scope="module")
async def client(sim: Any) -> AsyncIterator[GmoRestClient]:
    async with make_client(sim) as c:
        yield c


async def resting_buy(client: GmoRestClient, symbol: str = "BTC") -> int:
    """A LIMIT BUY 10 % under the bid: it rests."""
    [ticker] = await client.get_ticker(symbol)
    price = (ticker.bid * D("0.9")).quantize(D("1"))
    size = D("0.0001") if symbol == "BTC" else D("0.01")
    return await client.place_order(symbol, "BUY", "LIMIT", size, price=price)


async def open_long(client: GmoRestClient, size: str = "0.01") -> list[models.Position]:
    """A margin MARKET BUY on BTC_JPY; returns the open positions (one per execution)."""
    order_id = await client.place_order("BTC_JPY", "BUY", "MARKET", D(size))
    fills = await client.get_executions(order_id=order_id)
    assert sum(f.size for f in fills) == D(size), "the market order did not fill"
    positions = (await client.get_open_positions("BTC_JPY")).list
    opened = {f.position_id for f in fills}
    return [p for p in positions if p.position_id in opened]


# ============================================================================ public (6)


async def test_get_status(client: GmoRestClient) -> None:
    assert (await client.get_status()).status is ExchangeStatus.OPEN


async def test_get_ticker(client: GmoRestClient) -> None:
    everything = await client.get_ticker()
    assert {"BTC", "BTC_JPY"} <= {t.symbol for t in everything}
    [btc] = await client.get_ticker("BTC")
    assert btc.symbol == "BTC" and btc.ask >= btc.bid > 0


async def test_get_orderbook(client: GmoRestClient) -> None:
    book = await client.get_orderbook("BTC")
    asks = [level.price for level in book.asks]
    bids = [level.price for level in book.bids]
    assert asks and bids
    assert asks == sorted(asks) and bids == sorted(bids, reverse=True)
    assert bids[0] < asks[0]


async def test_get_trades(client: GmoRestClient) -> None:
    await client.place_order("BTC", "BUY", "MARKET", D("0.0001"))  # at least one print
    page = await client.get_trades("BTC", page=1, count=5)
    assert 1 <= len(page.list) <= 5
    stamps = [t.timestamp for t in page.list]
    assert stamps == sorted(stamps, reverse=True)
    assert page.pagination is not None and page.pagination.current_page == 1


@pytest.mark.parametrize(("interval", "fmt"), [("1min", "%Y%m%d"), ("1day", "%Y")])
async def test_get_klines(client: GmoRestClient, sim: Any, interval: str, fmt: str) -> None:
    now = sim.clock.now()
    # the trading day starts at 06:00 JST (21:00 UTC): ask for the day that holds "now"
    day = (now + timedelta(hours=3)).strftime(fmt)
    candles = await client.get_klines("BTC", interval, day)
    assert candles, f"no {interval} candles for {day}"
    opens = [c.open_ms for c in candles]
    assert opens == sorted(opens)
    assert all(c.low <= c.open <= c.high and c.low <= c.close <= c.high for c in candles)


async def test_get_symbols(client: GmoRestClient) -> None:
    rules = {r.symbol: r for r in await client.get_symbols()}
    assert rules["BTC"].min_order_size == D("0.0001")
    assert rules["BTC_JPY"].is_margin and not rules["BTC"].is_margin


# ============================================================================ private GET (13)


async def test_get_margin(client: GmoRestClient) -> None:
    margin = await client.get_margin()
    assert margin.available_amount > 0


async def test_get_assets(client: GmoRestClient) -> None:
    assets = {a.symbol: a for a in await client.get_assets()}
    assert assets["JPY"].amount == FUNDS
    await client.place_order("BTC", "BUY", "MARKET", D("0.001"))
    assets = {a.symbol: a for a in await client.get_assets()}
    assert assets["BTC"].amount == D("0.001")
    assert assets["JPY"].amount < FUNDS


async def test_get_trading_volume(client: GmoRestClient, sim: Any) -> None:
    volume = await client.get_trading_volume()
    assert volume.tier_level == 1
    await sim.control("tier", {"tier": 2, "apiKey": sim.key})
    volume = await client.get_trading_volume()
    assert volume.tier_level == 2
    client.set_tier(volume.tier_level)
    assert client.limiter.limit == 30


HISTORIES = {
    "fiat_deposit": (
        lambda c, a, b: c.get_fiat_deposit_history(a, b),
        lambda e, acct, a, b: e.fiat_deposit_history(acct, a, b),
    ),
    "fiat_withdrawal": (
        lambda c, a, b: c.get_fiat_withdrawal_history(a, b),
        lambda e, acct, a, b: e.fiat_withdrawal_history(acct, a, b),
    ),
    "deposit": (
        lambda c, a, b: c.get_deposit_history("BTC", a, b),
        lambda e, acct, a, b: e.deposit_history(acct, "BTC", a, b),
    ),
    "withdrawal": (
        lambda c, a, b: c.get_withdrawal_history("BTC", a, b),
        lambda e, acct, a, b: e.withdrawal_history(acct, "BTC", a, b),
    ),
}


@pytest.mark.parametrize("kind", sorted(HISTORIES))
async def test_history(client: GmoRestClient, sim: Any, kind: str) -> None:
    """Three hours walked in 30-minute windows return exactly what the exchange holds."""
    fetch, truth = HISTORIES[kind]
    end = sim.clock.now()
    start = end - timedelta(hours=3)
    seen: dict[Any, Any] = {}
    for a, b in iter_history_windows(start, end):
        for entry in await fetch(client, a, b):
            assert a <= entry.timestamp <= b
            seen[entry.timestamp] = entry
    account_id = sim.state.account_for_key(sim.key).account_id
    expected = {e.timestamp: e for e in truth(sim.engine, account_id, start, end)}
    assert expected, f"{kind}: the exchange seeded nothing in the last three hours"
    assert seen == expected


async def test_get_orders(client: GmoRestClient) -> None:
    first = await resting_buy(client)
    second = await resting_buy(client)
    found = {o.order_id: o for o in await client.get_orders([first, second])}
    assert set(found) == {first, second}
    assert found[first].status is OrderStatus.ORDERED


async def test_get_active_orders(client: GmoRestClient) -> None:
    order_id = await resting_buy(client)
    active = await client.get_active_orders("BTC", count=10)
    assert order_id in [o.order_id for o in active.list]


async def test_get_executions(client: GmoRestClient) -> None:
    order_id = await client.place_order("BTC", "BUY", "MARKET", D("0.0002"))
    by_order = await client.get_executions(order_id=order_id)
    assert by_order and all(e.order_id == order_id for e in by_order)
    assert sum(e.size for e in by_order) == D("0.0002")
    ids = [e.execution_id for e in by_order]
    by_id = await client.get_executions(execution_ids=ids)
    assert sorted(e.execution_id for e in by_id) == sorted(ids)


async def test_get_latest_executions(client: GmoRestClient) -> None:
    await client.place_order("BTC", "BUY", "MARKET", D("0.0002"))
    order_id = await client.place_order("BTC", "SELL", "MARKET", D("0.0001"))
    latest = await client.get_latest_executions("BTC", count=5)
    assert latest.list[0].order_id == order_id
    assert latest.list[0].side is Side.SELL
    assert latest.pagination is not None and latest.pagination.count == 5


async def test_get_open_positions(client: GmoRestClient) -> None:
    positions = await open_long(client, "0.02")
    assert positions and all(p.symbol == "BTC_JPY" and p.side is Side.BUY for p in positions)
    assert sum(p.size for p in positions) == D("0.02")
    page = await client.get_open_positions("BTC_JPY", page=1, count=1)
    assert len(page.list) == 1


async def test_get_position_summary(client: GmoRestClient) -> None:
    await open_long(client, "0.02")
    [summary] = await client.get_position_summary("BTC_JPY")
    assert summary.side is Side.BUY and summary.sum_position_quantity == D("0.02")
    assert [s.symbol for s in await client.get_position_summary()] == ["BTC_JPY"]


# ============================================================================ private POST (9)


async def test_transfer(client: GmoRestClient, sim: Any) -> None:
    result = await client.transfer(D("100000"), "WITHDRAWAL")
    assert result.transferred_amount == D("100000")
    assets = {a.symbol: a for a in await client.get_assets()}
    assert assets["JPY"].amount == D("9900000")
    # the exchange allows one transfer per 3 minutes: a second one is refused...
    with pytest.raises(errors.RateLimitError):
        await client.transfer(D("100000"), "DEPOSIT")
    # ...until the sim clock has moved on (no sleeping)
    await sim.control("clock", {"advance": 181})
    assert (await client.transfer(D("100000"), "DEPOSIT")).transferred_amount == D("100000")


async def test_place_order(client: GmoRestClient) -> None:
    order_id = await resting_buy(client)
    [order] = await client.get_orders([order_id])
    assert order.side is Side.BUY and order.size == D("0.0001")


async def test_change_order(client: GmoRestClient) -> None:
    order_id = await resting_buy(client)
    [order] = await client.get_orders([order_id])
    await client.change_order(order_id, order.price - 1)
    [changed] = await client.get_orders([order_id])
    assert changed.price == order.price - 1


async def test_cancel_order(client: GmoRestClient) -> None:
    order_id = await resting_buy(client)
    await client.cancel_order(order_id)
    [order] = await client.get_orders([order_id])
    assert order.status in (OrderStatus.CANCELLING, OrderStatus.CANCELED)


async def test_cancel_orders(client: GmoRestClient) -> None:
    ids = [await resting_buy(client) for _ in range(3)]
    result = await client.cancel_orders([*ids, 999_999_999])
    assert sorted(result.success) == sorted(ids)
    [failure] = result.failed
    assert failure.orderId == 999_999_999 and failure.message_code.startswith("ERR-")


async def test_cancel_bulk_order(client: GmoRestClient) -> None:
    ids = [await resting_buy(client) for _ in range(2)]
    cancelled = await client.cancel_bulk_order(["BTC"], side="BUY", desc=True)
    assert sorted(cancelled) == sorted(ids)
    assert (await client.get_active_orders("BTC")).list == ()


async def test_close_order(client: GmoRestClient) -> None:
    position, *_ = await open_long(client)
    order_id = await client.close_order(
        "BTC_JPY", "SELL", "MARKET", position.position_id, position.size
    )
    assert order_id > 0
    still_open = [p.position_id for p in (await client.get_open_positions("BTC_JPY")).list]
    assert position.position_id not in still_open


async def test_close_bulk_order(client: GmoRestClient) -> None:
    await open_long(client, "0.02")
    await open_long(client, "0.02")
    order_id = await client.close_bulk_order("BTC_JPY", "SELL", "MARKET", D("0.04"))
    assert order_id > 0
    assert (await client.get_open_positions("BTC_JPY")).list == ()


async def test_change_losscut_price(client: GmoRestClient) -> None:
    position, *_ = await open_long(client)
    target = (position.price * D("0.6")).quantize(D("1"))
    await client.change_losscut_price(position.position_id, target)
    positions = {p.position_id: p for p in (await client.get_open_positions("BTC_JPY")).list}
    assert positions[position.position_id].losscut_price == target


# ============================================================================ ws-auth (3)


async def test_create_ws_token(client: GmoRestClient) -> None:
    token = await client.create_ws_token()
    assert isinstance(token, str) and len(token) >= 8


async def test_extend_ws_token(client: GmoRestClient) -> None:
    token = await client.create_ws_token()
    await client.extend_ws_token(token)
    with pytest.raises(errors.InvalidParameterError):  # the exchange refuses an unknown token
        await client.extend_ws_token("not-a-token")


async def test_delete_ws_token(client: GmoRestClient) -> None:
    token = await client.create_ws_token()
    await client.delete_ws_token(token)
    with pytest.raises(errors.InvalidParameterError):  # gone: it cannot be extended any more
        await client.extend_ws_token(token)


# ============================================================================ authentication


async def test_bad_signature_is_5010(sim: Any) -> None:
    async with make_client(sim, secret="wrong-secret") as c:
        with pytest.raises(errors.AuthenticationError) as info:
            await c.get_margin()
    assert info.value.code == "ERR-5010"


async def test_empty_key_is_5011(sim: Any) -> None:
    async with make_client(sim, key="") as c:
        with pytest.raises(errors.AuthenticationError) as info:
            await c.get_margin()
    assert info.value.code == "ERR-5011"


async def test_unknown_key_is_5012(sim: Any) -> None:
    async with make_client(sim, key="nobody") as c:
        with pytest.raises(errors.AuthenticationError) as info:
            await c.get_assets()
    assert info.value.code == "ERR-5012"


# ============================================================================ clock


def sim_offset_ms(sim: Any) -> float:
    """How far the exchange's clock is from real time right now (advance + skew)."""
    return (sim.clock.timestamp() - time.time()) * 1000


@pytest.mark.parametrize("skew", [30, -30])
async def test_server_clock_skew_one_resync_and_resend(
    client: GmoRestClient, sim: Any, skew: int
) -> None:
    await client.get_margin()  # synced with the unskewed server
    base = sim_offset_ms(sim)
    assert abs(client.clock.offset_ms - base) < 1000
    await sim.control("skew", {"seconds": skew})
    order_id = await resting_buy(client)
    assert client.transport.timestamp_resends == 1
    assert abs(client.clock.offset_ms - (base + skew * 1000)) < 1000
    # exactly one order reached the book: the refused first try placed nothing
    assert [o.order_id for o in (await client.get_active_orders("BTC")).list] == [order_id]
    await client.get_margin()
    assert client.transport.timestamp_resends == 1  # the new offset holds


async def test_sim_clock_advance_is_followed(client: GmoRestClient, sim: Any) -> None:
    await client.get_margin()
    base = sim_offset_ms(sim)
    await sim.control("clock", {"advance": 3600})
    assert len(await client.get_assets()) > 0
    assert client.transport.timestamp_resends == 1
    assert abs(client.clock.offset_ms - (base + 3_600_000)) < 1000


# ============================================================================ rate limit


async def test_burst_of_60_never_meets_5003(client: GmoRestClient) -> None:
    results = await asyncio.gather(
        *(client.get_assets() for _ in range(30)),
        *(client.get_active_orders("BTC") for _ in range(30)),
        return_exceptions=True,
    )
    failures = [r for r in results if isinstance(r, BaseException)]
    assert failures == []
    assert client.limiter.granted("GET") >= 60


async def test_post_burst_never_meets_5003(client: GmoRestClient) -> None:
    ids = await asyncio.gather(*(resting_buy(client) for _ in range(25)))
    assert len(set(ids)) == 25
    cancelled = await asyncio.gather(*(client.cancel_order(i) for i in ids), return_exceptions=True)
    assert [c for c in cancelled if isinstance(c, BaseException)] == []


async def test_the_exchange_does_enforce_the_limit(sim: Any) -> None:
    """Control: a client that believes in tier 2 (30/s) against a tier-1 key meets ERR-5003."""
    async with make_client(sim, tier=2) as greedy:
        await greedy.get_margin()
        results = await asyncio.gather(
            *(greedy.get_assets() for _ in range(28)), return_exceptions=True
        )
    limited = [r for r in results if isinstance(r, errors.RateLimitError)]
    assert limited and all(r.code == "ERR-5003" for r in limited)


# ============================================================================ service state


async def test_maintenance_is_5201(client: GmoRestClient, sim: Any) -> None:
    await sim.control("status", {"status": "MAINTENANCE"})
    assert (await client.get_status()).status is ExchangeStatus.MAINTENANCE
    with pytest.raises(errors.MaintenanceError) as private:
        await client.get_margin()
    with pytest.raises(errors.MaintenanceError) as public:
        await client.get_ticker("BTC")
    assert private.value.code == public.value.code == "ERR-5201"
    assert private.value.status == 5


async def test_pre_open_is_5203(client: GmoRestClient, sim: Any) -> None:
    await sim.control("status", {"status": "PREOPEN"})
    with pytest.raises(errors.PreOpenError) as info:
        await client.place_order("BTC", "BUY", "MARKET", D("0.0001"))
    assert info.value.code == "ERR-5203"
    assert len(await client.get_assets()) > 0  # queries still work


# ============================================================================ funds


async def test_spot_buy_beyond_balance_is_208(client: GmoRestClient) -> None:
    with pytest.raises(errors.InsufficientFundsError) as info:
        await client.place_order("BTC", "BUY", "MARKET", D("5"))
    assert info.value.code == "ERR-208"


async def test_margin_beyond_funds_is_201(client: GmoRestClient) -> None:
    with pytest.raises(errors.InsufficientFundsError) as info:
        await client.place_order("BTC_JPY", "BUY", "MARKET", D("5"))
    assert info.value.code == "ERR-201"


# ============================================================================ parameters


async def _last_price(client: GmoRestClient, symbol: str = "BTC") -> Decimal:
    [ticker] = await client.get_ticker(symbol)
    return ticker.last


INVALID_AT_SERVER = {
    "ERR-5106": lambda c, p: c.place_order("NOPE", "BUY", "MARKET", D("1")),
    "ERR-5114": lambda c, p: c.place_order("BTC", "BUY", "MARKET", D("0.00005")),
    "ERR-5126": lambda c, p: c.place_order("BTC", "SELL", "MARKET", D("6")),
    "ERR-5111": lambda c, p: c.place_order(
        "BTC", "BUY", "MARKET", D("0.0001"), time_in_force="FAS"
    ),
    "ERR-5118": lambda c, p: c.place_order(
        "BTC", "BUY", "LIMIT", D("0.0001"), price=p - 1000, losscut_price=p - 5000
    ),
    "ERR-5129": lambda c, p: c.place_order("BTC", "BUY", "STOP", D("0.0001"), price=p - 1000),
    "ERR-5207": lambda c, p: c.get_klines("BTC", "1min", "20200101"),
}


@pytest.mark.parametrize("code", sorted(INVALID_AT_SERVER))
async def test_invalid_parameters_refused_by_the_exchange(client: GmoRestClient, code: str) -> None:
    price = await _last_price(client)
    with pytest.raises(errors.InvalidParameterError) as info:
        await INVALID_AT_SERVER[code](client, price)
    assert info.value.code == code
    assert info.value.messages[0].text == errors.message_for(code)


async def test_both_id_kinds_is_5208_at_the_exchange(client: GmoRestClient) -> None:
    """The client refuses this itself; sent raw, the exchange's answer maps to the same class."""
    with pytest.raises(errors.ValidationError):
        await client.get_executions(order_id=1, execution_ids=[2])
    with pytest.raises(errors.InvalidParameterError) as info:
        await client.transport.private(
            "GET", "/v1/executions", params={"orderId": "1", "executionId": "2"}
        )
    assert info.value.code == "ERR-5208"


async def test_history_window_over_30_minutes_is_846_at_the_exchange(
    client: GmoRestClient, sim: Any
) -> None:
    end = sim.clock.now()
    start = end - timedelta(minutes=31)
    with pytest.raises(errors.ValidationError):
        await client.get_fiat_deposit_history(start, end)
    params = {"fromTimestamp": start.isoformat(), "toTimestamp": end.isoformat()}
    with pytest.raises(errors.InvalidParameterError) as info:
        await client.transport.private("GET", "/v1/account/fiatDeposit/history", params=params)
    assert info.value.code == "ERR-846"


async def test_bad_time_in_force_value_is_5111_at_the_exchange(client: GmoRestClient) -> None:
    body = Payload.json(
        {
            "symbol": "BTC",
            "side": "BUY",
            "executionType": "MARKET",
            "size": "0.0001",
            "timeInForce": "NOW",
        }
    )
    with pytest.raises(errors.InvalidParameterError) as info:
        await client.transport.private("POST", "/v1/order", body=body, type_=str)
    assert info.value.code == "ERR-5111"


# ============================================================================ orders and positions


async def test_cancel_of_a_just_filled_order_is_5122(client: GmoRestClient, sim: Any) -> None:
    order_id = await resting_buy(client)
    await sim.control("fill_on_cancel", {"orderId": order_id})
    with pytest.raises(errors.OrderNotChangeableError) as info:
        await client.cancel_order(order_id)
    assert info.value.code == "ERR-5122"
    [order] = await client.get_orders([order_id])
    assert order.status is OrderStatus.EXECUTED


async def test_unknown_order_is_5123(client: GmoRestClient) -> None:
    with pytest.raises(errors.OrderNotFoundError) as info:
        await client.cancel_order(987_654_321)
    assert info.value.code == "ERR-5123"


async def test_unknown_position_is_254(client: GmoRestClient) -> None:
    with pytest.raises(errors.PositionError) as info:
        await client.close_order("BTC_JPY", "SELL", "MARKET", 123_456_789, D("0.01"))
    assert info.value.code == "ERR-254"


async def test_closing_more_than_the_position_is_189(client: GmoRestClient) -> None:
    position, *_ = await open_long(client)
    with pytest.raises(errors.PositionError) as info:
        await client.close_order(
            "BTC_JPY", "SELL", "MARKET", position.position_id, position.size + D("0.01")
        )
    assert info.value.code == "ERR-189"


async def test_closing_on_the_position_side_is_70(client: GmoRestClient) -> None:
    position, *_ = await open_long(client)
    with pytest.raises(errors.PositionError) as info:
        await client.close_order("BTC_JPY", "BUY", "MARKET", position.position_id, position.size)
    assert info.value.code == "ERR-70"


async def test_close_bulk_without_positions_is_422(client: GmoRestClient) -> None:
    with pytest.raises(errors.PositionError) as info:
        await client.close_bulk_order("BTC_JPY", "SELL", "MARKET", D("0.01"))
    assert info.value.code == "ERR-422"


# ============================================================================ network faults


async def test_lost_order_reply_is_reply_lost_and_one_order_exists(
    client: GmoRestClient, sim: Any
) -> None:
    [ticker] = await client.get_ticker("BTC")
    price = (ticker.bid * D("0.9")).quantize(D("1"))
    await sim.control("lose_next_order", {})
    with pytest.raises(errors.ReplyLost) as info:
        await client.place_order("BTC", "BUY", "LIMIT", D("0.0003"), price=price)
    lost = info.value
    assert (lost.method, lost.path) == ("POST", "/v1/order")
    assert b'"size":"0.0003"' in lost.body
    # the client never re-sent it: exactly one such order rests on the exchange
    active = (await client.get_active_orders("BTC")).list
    matching = [o for o in active if o.size == D("0.0003") and o.price == price]
    assert len(matching) == 1
    placed_ms = int(matching[0].timestamp.timestamp() * 1000)
    assert abs(placed_ms - lost.sent_at_ms) < 2000


class DropFirstReply(httpx.AsyncBaseTransport):
    """Really sends each request; the first ``drops`` replies are thrown away as if the
    connection had been cut after sending (the exchange did the work, the client saw nothing)."""

    def __init__(self, drops: int) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.drops = drops
        self.sent: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(f"{request.method} {request.url.path}")
        response = await self.inner.handle_async_request(request)
        await response.aread()
        if self.drops > 0 and "/status" not in request.url.path:
            self.drops -= 1
            await response.aclose()
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_get_is_retried_after_a_dropped_connection(sim: Any) -> None:
    dropper = DropFirstReply(drops=2)
    async with make_client(sim, transport=dropper) as c:
        assets = await c.get_assets()
    assert {a.symbol: a.amount for a in assets}["JPY"] == FUNDS
    assert dropper.sent.count("GET /private/v1/account/assets") == 3


async def test_post_is_not_retried_after_a_dropped_connection(sim: Any) -> None:
    dropper = DropFirstReply(drops=1)
    async with make_client(sim, transport=dropper) as c:
        with pytest.raises(errors.ReplyLost):
            await c.place_order("BTC", "BUY", "MARKET", D("0.0001"))
        executions = (await c.get_latest_executions("BTC")).list
    assert dropper.sent.count("POST /private/v1/order") == 1
    assert len({e.order_id for e in executions}) == 1  # placed once, never twice


async def test_unreachable_exchange_is_a_transport_error() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with GmoRestClient(f"http://127.0.0.1:{port}", Credentials("k", "s")) as c:
        c.transport.get_retry_delays = (0.01, 0.02)
        with pytest.raises(errors.TransportError) as get_error:
            await c.get_status()
        with pytest.raises(errors.TransportError) as post_error:
            await c.cancel_order(1)
    assert not isinstance(post_error.value, errors.ReplyLost)  # nothing was sent
    assert "3 tries" in str(get_error.value)


async def test_reply_delay_beyond_timeout_on_post_is_reply_lost(sim: Any) -> None:
    async with make_client(sim, timeout=0.2) as c:
        await c.get_margin()  # clock synced before the exchange turns slow
        await sim.control("delay", {"ms": 400})
        with pytest.raises(errors.ReplyLost):
            await c.place_order("BTC", "BUY", "MARKET", D("0.0001"))
    await sim.control("delay", {"ms": 0})
    async with make_client(sim) as c:
        executions = (await c.get_latest_executions("BTC")).list
    assert len({e.order_id for e in executions}) == 1  # the slow order did happen, once
