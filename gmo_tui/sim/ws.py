"""The built-in exchange's WebSockets: ``/ws/public/v1`` and ``/ws/private/v1/{token}``.

:class:`Hub` keeps every connection with its subscriptions and fans the engine's events out:
public trades to ``trades`` subscribers, book changes to ``orderbooks`` subscribers (coalesced
to the configured snapshots per second), tickers on the market's schedule, and each account's
execution/order/position/positionSummary events to its private sockets (INIT frames on
subscribe, PERIODIC every 5 s of sim-clock time with option ``PERIODIC``). A positionSummary
frame is one position summary (a symbol and a side, as the docs' frame shows): an account
without positions gets none, INIT and PERIODIC included; the close of a side's last position
sends one UPDATE with zero quantities.

Every print is one ``trades`` frame carrying the taker's side, with or without ``TAKER_ONLY``
(the seed does not say what else GMO sends without it); re-subscribing replaces the option.
Invalid commands (not a JSON object, nested too deep, a field of the wrong type) answer
``{"error": "ERR-5106 ..."}``; messages over 64 KiB close the socket (1009); an unknown, expired or deleted token is
refused at the handshake with HTTP 401.

Commands are ``{"command": "subscribe"|"unsubscribe", "channel", "symbol", "option"}``; more than
one per second per connection answers ``{"error": "ERR-5003 Request too many."}``. During
maintenance a connection attempt gets HTTP 503. A private socket whose token expires or is
deleted is closed (code 1008). Frames go through one sender task per connection, where the
fault switches (silence, chaos) apply.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import TYPE_CHECKING, Any

import msgspec
from starlette.responses import Response
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from gmo_tui.exchange import models
from gmo_tui.exchange.codec import to_wire
from gmo_tui.exchange.enums import ExchangeStatus, PrivateChannel, PublicChannel
from gmo_tui.sim.replies import ApiFail, parse_object
from gmo_tui.sim.symbols import SYMBOL_RULES

if TYPE_CHECKING:
    from gmo_tui.sim.market_source import FrameSource
    from gmo_tui.sim.state import SimState

TOO_MANY = b'{"error":"ERR-5003 Request too many."}'
INVALID = b'{"error":"ERR-5106 The request parameter is invalid."}'
PERIODIC_S = 5.0
# Commands are counted over a one-second window less this grace, so a client pacing at exactly
# one per second is not refused because of scheduling jitter.
WS_GRACE_S = 0.03
MAX_QUEUE = 20000
HOLD_S = 0.25  # the longest a chaos-held frame waits for a successor
_encoder = msgspec.json.Encoder()

PUBLIC_CHANNELS = frozenset(c.value for c in PublicChannel)
PRIVATE_CHANNELS = frozenset(c.value for c in PrivateChannel)


def encode(event: Any) -> bytes:
    return _encoder.encode(to_wire(event))


class Conn:
    """One accepted socket: subscriptions, command window, outgoing queue."""

    def __init__(
        self, hub: Hub, ws: WebSocket, *, account_id: str | None = None, token: str | None = None
    ):
        self.hub = hub
        self.ws = ws
        self.account_id = account_id
        self.token = token
        self.subs: dict[tuple[str, str | None], str | None] = {}
        self.commands: deque[float] = deque()
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.periodic_due: float | None = None
        self.held: bytes | None = None
        self.closed = False

    @property
    def private(self) -> bool:
        return self.account_id is not None

    def push(self, channel: str, frame: bytes) -> None:
        if self.closed or self.hub.state.faults.silenced(channel):
            return
        if self.queue.qsize() >= MAX_QUEUE:
            self.close(1008, "too slow")
            return
        self.queue.put_nowait(frame)

    def push_reply(self, frame: bytes) -> None:
        if not self.closed:
            self.queue.put_nowait(frame)

    def close(self, code: int = 1000, reason: str = "") -> None:
        if self.closed:
            return
        self.closed = True
        self.queue.put_nowait(None)
        self.hub.detach(self)
        asyncio.get_running_loop().create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        try:
            await self.ws.close(code, reason)
        except Exception:  # noqa: BLE001 - the peer may be gone already
            pass

    async def run_sender(self) -> None:
        faults = self.hub.state.faults
        try:
            while True:
                if self.held is None:
                    frame = await self.queue.get()
                else:
                    try:
                        frame = await asyncio.wait_for(self.queue.get(), HOLD_S)
                    except TimeoutError:
                        # nothing came after the held frame: it goes out late, not never
                        held, self.held = self.held, None
                        await self.ws.send_text(held.decode())
                        continue
                if frame is None:
                    return
                if faults.chaos:
                    draw = faults.rng.random()
                    if draw < faults.chaos_malformed:
                        frame = frame[: max(1, len(frame) // 2)]
                    elif (
                        draw < faults.chaos_malformed + faults.chaos_out_of_order
                        and self.held is None
                    ):
                        self.held = frame
                        continue
                await self.ws.send_text(frame.decode())
                if self.held is not None:
                    held, self.held = self.held, None
                    await self.ws.send_text(held.decode())
        except Exception:  # noqa: BLE001 - a closed peer ends the sender quietly
            return


class Hub:
    def __init__(self, state: SimState) -> None:
        self.state = state
        self.conns: set[Conn] = set()
        self.public_subs: dict[tuple[str, str], set[Conn]] = {}
        self.book_last_sent: dict[str, float] = {}
        self.book_pending: set[str] = set()
        # set by a replay or live feed (sim/replay.py): public frames come from it, not the engine
        self.frames: FrameSource | None = None

    # ------------------------------------------------------------------------ connections

    def detach(self, conn: Conn) -> None:
        self.conns.discard(conn)
        for key in list(conn.subs):
            if key[1] is not None:
                self._unindex(conn, key[0], key[1])
        conn.subs.clear()

    def _unindex(self, conn: Conn, channel: str, symbol: str) -> None:
        subs = self.public_subs.get((channel, symbol))
        if subs is not None:
            subs.discard(conn)
            if not subs:
                del self.public_subs[(channel, symbol)]

    def drop_all(self, code: int = 1012, reason: str = "dropped") -> int:
        conns = list(self.conns)
        for conn in conns:
            conn.close(code, reason)
        return len(conns)

    def on_token_revoked(self, token: str) -> None:
        for conn in [c for c in self.conns if c.token == token]:
            conn.close(1008, "token expired")

    def subscribers(self, channel: str, symbol: str) -> int:
        return len(self.public_subs.get((channel, symbol), ()))

    def active_symbols(self) -> set[str]:
        return {symbol for (_, symbol) in self.public_subs}

    # ------------------------------------------------------------------------ commands

    def command(self, conn: Conn, text: str) -> None:
        now = time.monotonic()
        window = conn.commands
        while window and now - window[0] >= 1.0 - WS_GRACE_S:
            window.popleft()
        if len(window) >= self.state.ws_commands_per_s:
            conn.push_reply(TOO_MANY)
            return
        window.append(now)
        try:
            cmd = parse_object(text)
        except ApiFail:
            conn.push_reply(INVALID)
            return
        channel = cmd.get("channel")
        option = cmd.get("option")
        if (
            cmd.get("command") not in ("subscribe", "unsubscribe")
            or not isinstance(channel, str)
            or not isinstance(option, str | None)
        ):
            conn.push_reply(INVALID)
            return
        subscribe = cmd["command"] == "subscribe"
        if conn.private:
            if channel not in PRIVATE_CHANNELS:
                conn.push_reply(INVALID)
                return
            self._private_command(conn, channel, subscribe, option)
            return
        symbol = cmd.get("symbol")
        if (
            channel not in PUBLIC_CHANNELS
            or not isinstance(symbol, str)
            or symbol not in SYMBOL_RULES
        ):
            conn.push_reply(INVALID)
            return
        key = (channel, symbol)
        if subscribe:
            conn.subs[key] = option if channel == "trades" and option == "TAKER_ONLY" else None
            self.public_subs.setdefault(key, set()).add(conn)
            self.state.market.activate(symbol)
            if self.frames is not None:
                initial = self.frames.latest(channel, symbol)
                if initial is not None:
                    conn.push(channel, initial)
            elif channel == "ticker":
                conn.push(channel, self._ticker_frame(symbol))
            elif channel == "orderbooks":
                conn.push(channel, self._book_frame(symbol))
        else:
            conn.subs.pop(key, None)
            self._unindex(conn, channel, symbol)

    def _private_command(self, conn: Conn, channel: str, subscribe: bool, option: Any) -> None:
        key = (channel, None)
        if not subscribe:
            conn.subs.pop(key, None)
            if channel == PrivateChannel.POSITION_SUMMARY_EVENTS:
                conn.periodic_due = None
            return
        conn.subs[key] = option if option == "PERIODIC" else None
        if channel == PrivateChannel.POSITION_SUMMARY_EVENTS:
            self._send_summaries(conn, "INIT")
            if option == "PERIODIC":
                conn.periodic_due = self.state.clock.timestamp() + PERIODIC_S
            else:
                conn.periodic_due = None

    def _send_summaries(self, conn: Conn, msg_type: str) -> None:
        if conn.account_id is None:  # a public socket: no account, no positions
            return
        now = self.state.clock.now()
        for summary in self.state.engine.position_summary(conn.account_id):
            event = models.PositionSummaryEvent(
                symbol=summary.symbol,
                side=summary.side,
                average_position_rate=summary.average_position_rate,
                position_loss_gain=summary.position_loss_gain,
                sum_order_quantity=summary.sum_order_quantity,
                sum_position_quantity=summary.sum_position_quantity,
                timestamp=now,
                msg_type=msg_type,
            )
            conn.push(PrivateChannel.POSITION_SUMMARY_EVENTS, encode(event))

    def periodic(self) -> None:
        """PERIODIC summaries for sockets whose 5 s (sim time) are up."""
        now = self.state.clock.timestamp()
        for conn in list(self.conns):
            if conn.periodic_due is not None and now >= conn.periodic_due:
                self._send_summaries(conn, "PERIODIC")
                while conn.periodic_due <= now:
                    conn.periodic_due += PERIODIC_S

    # ------------------------------------------------------------------------ public frames

    def _ticker_frame(self, symbol: str) -> bytes:
        ticker = self.state.engine.ticker(symbol)
        return encode(models.TickerEvent(**msgspec.structs.asdict(ticker)))

    def _book_frame(self, symbol: str) -> bytes:
        book = self.state.engine.orderbook(symbol)
        event = models.OrderBookEvent(
            symbol=symbol,
            asks=book.asks,
            bids=book.bids,
            timestamp=book.timestamp or self.state.clock.now(),
        )
        return encode(event)

    def publish_ticker(self, symbol: str) -> None:
        subs = self.public_subs.get(("ticker", symbol))
        if subs:
            frame = self._ticker_frame(symbol)
            for conn in list(subs):
                conn.push("ticker", frame)

    def publish_frame(self, channel: str, symbol: str, frame: bytes) -> None:
        """Send ``frame`` as it is to the subscribers of ``channel``/``symbol``."""
        for conn in list(self.public_subs.get((channel, symbol), ())):
            conn.push(channel, frame)

    def _book_changed(self, symbol: str) -> None:
        if self.frames is not None:
            return
        if not self.public_subs.get(("orderbooks", symbol)) or symbol in self.book_pending:
            return
        rate = self.state.market.rates.books_per_s
        interval = 1.0 / rate if rate > 0 else 0.0  # 0: a quiet market sends each change
        wait = self.book_last_sent.get(symbol, 0.0) + interval - time.monotonic()
        self.book_pending.add(symbol)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.book_pending.discard(symbol)
            return
        loop.call_later(max(0.0, wait), self._flush_book, symbol)

    def _flush_book(self, symbol: str) -> None:
        self.book_pending.discard(symbol)
        subs = self.public_subs.get(("orderbooks", symbol))
        if not subs:
            return
        self.book_last_sent[symbol] = time.monotonic()
        frame = self._book_frame(symbol)
        for conn in list(subs):
            conn.push("orderbooks", frame)

    def _trade(self, symbol: str, trade: models.Trade) -> None:
        subs = self.public_subs.get(("trades", symbol))
        if not subs or self.frames is not None:
            return
        frame = encode(
            models.TradeEvent(
                price=trade.price,
                side=trade.side,
                size=trade.size,
                timestamp=trade.timestamp,
                symbol=symbol,
            )
        )
        for conn in list(subs):
            conn.push("trades", frame)

    def _account_event(self, account_id: str, event: Any) -> None:
        channel = event.__struct_config__.tag
        frame: bytes | None = None
        for conn in list(self.conns):
            if conn.account_id == account_id and (channel, None) in conn.subs:
                frame = frame or encode(event)
                conn.push(channel, frame)

    def on_engine_event(self, event: Any) -> None:
        kind = type(event).__name__
        if kind == "PublicTrade":
            self._trade(event.symbol, event.trade)
        elif kind == "BookChanged":
            self._book_changed(event.symbol)
        elif kind == "AccountEvent":
            self._account_event(event.account_id, event.event)

    # ------------------------------------------------------------------------ endpoints

    async def _serve(self, websocket: WebSocket, conn: Conn) -> None:
        self.conns.add(conn)
        sender = asyncio.create_task(conn.run_sender())
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                if text is None and message.get("bytes") is not None:
                    text = message["bytes"].decode("utf-8", "replace")
                if text is not None and not conn.closed:
                    self.command(conn, text)
        except Exception:  # noqa: BLE001 - a broken peer just ends the connection
            pass
        finally:
            if not conn.closed:
                conn.closed = True
                conn.queue.put_nowait(None)
                self.detach(conn)
            await asyncio.wait([sender], timeout=1.0)
            sender.cancel()

    async def public_endpoint(self, websocket: WebSocket) -> None:
        if self.state.status is ExchangeStatus.MAINTENANCE:
            await websocket.send_denial_response(Response(status_code=503))
            return
        await websocket.accept()
        await self._serve(websocket, Conn(self, websocket))

    async def private_endpoint(self, websocket: WebSocket) -> None:
        if self.state.status is ExchangeStatus.MAINTENANCE:
            await websocket.send_denial_response(Response(status_code=503))
            return
        token = websocket.path_params.get("token", "")
        api_key = self.state.tokens.owner(token)
        account = self.state.account_for_key(api_key) if api_key else None
        if account is None:
            await websocket.send_denial_response(Response(status_code=401))
            return
        await websocket.accept()
        await self._serve(
            websocket, Conn(self, websocket, account_id=account.account_id, token=token)
        )

    def routes(self) -> list[WebSocketRoute]:
        return [
            WebSocketRoute("/ws/public/v1", self.public_endpoint),
            WebSocketRoute("/ws/private/v1/{token}", self.private_endpoint),
        ]
