"""TokenManager: create once, extend when due, replace on failure, delete on close, never leak."""

from __future__ import annotations

import asyncio
import logging

import pytest

from gmo_tui.exchange.tokens import RedactingFilter, TokenManager


class FakeRest:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []
        self.serial = 0
        self.fail_extend = False
        self.fail_delete = False
        self.empty = False

    async def create_ws_token(self) -> str:
        await asyncio.sleep(0.01)
        self.serial += 1
        token = "" if self.empty else f"tok{self.serial:04d}SECRETSECRET"
        self.calls.append(("create", token))
        return token

    async def extend_ws_token(self, token: str) -> None:
        self.calls.append(("extend", token))
        if self.fail_extend:
            raise ConnectionError(f"PUT /v1/ws-auth {{'token': '{token}'}} failed")

    async def delete_ws_token(self, token: str) -> None:
        self.calls.append(("delete", token))
        if self.fail_delete:
            raise ConnectionError(f"could not delete {token}")


@pytest.fixture
def clock() -> list[float]:
    return [0.0]


@pytest.fixture
def rest() -> FakeRest:
    return FakeRest()


@pytest.fixture
def tokens(rest: FakeRest, clock: list[float]) -> TokenManager:
    return TokenManager(rest, extend_every=1800, clock=lambda: clock[0])


async def test_concurrent_gets_create_one_token(tokens: TokenManager, rest: FakeRest) -> None:
    got = await asyncio.gather(*(tokens.get() for _ in range(5)))
    assert set(got) == {"tok0001SECRETSECRET"}
    assert rest.calls == [("create", "tok0001SECRETSECRET")]
    assert tokens.url("ws://h:1") == "ws://h:1/ws/private/v1/tok0001SECRETSECRET"


async def test_extension_is_due_after_the_interval_and_resets_it(
    tokens: TokenManager, rest: FakeRest, clock: list[float]
) -> None:
    assert not tokens.due()
    await tokens.get()
    clock[0] = 1799.0
    assert not tokens.due() and tokens.seconds_until_due() == pytest.approx(1.0)
    clock[0] = 1800.0
    assert tokens.due()
    assert await tokens.extend() is True
    assert not tokens.due() and tokens.seconds_until_due() == pytest.approx(1800.0)
    assert rest.calls[-1] == ("extend", "tok0001SECRETSECRET")
    assert tokens.counters["extended"] == 1


async def test_a_failed_extension_forgets_the_token_and_the_next_get_creates_one(
    tokens: TokenManager, rest: FakeRest, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    first = await tokens.get()
    rest.fail_extend = True
    assert await tokens.extend() is False
    assert not tokens.has_token
    assert ("delete", first) in rest.calls  # best effort
    assert first not in tokens.last_error and "<token>" in tokens.last_error
    second = await tokens.get()
    assert second != first
    assert tokens.counters["extend_failures"] == 1 and tokens.counters["created"] == 2
    for record in caplog.records:
        assert first not in record.getMessage() and second not in record.getMessage()


async def test_ensure_valid_keeps_a_live_token_and_replaces_a_dead_one(
    tokens: TokenManager, rest: FakeRest
) -> None:
    first = await tokens.get()
    assert await tokens.ensure_valid() == first
    rest.fail_extend = True
    replacement = await tokens.ensure_valid()
    assert replacement != first and tokens.has_token


async def test_renew_deletes_the_old_token_and_creates_a_new_one(
    tokens: TokenManager, rest: FakeRest
) -> None:
    first = await tokens.get()
    second = await tokens.renew()
    assert second != first
    assert rest.calls[-2:] == [("delete", first), ("create", second)]


async def test_delete_on_close_never_raises_and_is_counted(
    tokens: TokenManager, rest: FakeRest
) -> None:
    token = await tokens.get()
    rest.fail_delete = True
    await tokens.delete()
    assert not tokens.has_token and ("delete", token) in rest.calls
    assert tokens.counters["delete_failures"] == 1
    await tokens.delete()  # nothing held: no call
    assert [c for c in rest.calls if c[0] == "delete"] == [("delete", token)]


async def test_an_empty_token_is_refused(tokens: TokenManager, rest: FakeRest) -> None:
    rest.empty = True
    with pytest.raises(ValueError, match="no token"):
        await tokens.get()
    assert not tokens.has_token


async def test_no_token_in_repr_str_or_url_errors(tokens: TokenManager) -> None:
    with pytest.raises(RuntimeError):
        tokens.url("ws://h")
    token = await tokens.get()
    assert token not in repr(tokens) and token not in str(tokens)
    assert repr(tokens) == "TokenManager(token=held, extend_every=1800)"


async def test_redaction_covers_every_token_ever_held(tokens: TokenManager) -> None:
    first = await tokens.get()
    second = await tokens.renew()
    text = f"wss://x/ws/private/v1/{first} then /ws/private/v1/{second}"
    assert tokens.redact(text) == "wss://x/ws/private/v1/<token> then /ws/private/v1/<token>"


async def test_the_logging_filter_redacts_formatted_messages(
    tokens: TokenManager, caplog: pytest.LogCaptureFixture
) -> None:
    token = await tokens.get()
    logger = logging.Logger("test.redacting")
    logger.parent = logging.getLogger("test")
    logger.addFilter(RedactingFilter(tokens))
    caplog.set_level(logging.DEBUG)
    logger.debug("> GET %s HTTP/1.1", f"/ws/private/v1/{token}")
    logger.info("plain line")
    lines = [r.getMessage() for r in caplog.records if r.name == "test.redacting"]
    assert lines == ["> GET /ws/private/v1/<token> HTTP/1.1", "plain line"]


async def test_a_create_cancelled_while_out_is_deleted_on_close(
    tokens: TokenManager, rest: FakeRest
) -> None:
    """A quit while the private stream was taking a new token: the exchange made the token,
    the cancelled caller never saw it, and it stayed alive at the exchange (found by
    `test_history_transfer_maintenance_and_clean_quit`: 1 token left after quitting)."""
    answer = asyncio.Event()

    async def create_then_answer_late() -> str:
        rest.serial += 1
        token = f"tok{rest.serial:04d}SECRETSECRET"
        rest.calls.append(("create", token))  # the exchange has made it
        await answer.wait()  # ... the reply is still on its way
        return token

    rest.create_ws_token = create_then_answer_late  # type: ignore[method-assign]
    taking = asyncio.create_task(tokens.get())
    await asyncio.sleep(0.01)
    taking.cancel()
    with pytest.raises(asyncio.CancelledError):
        await taking
    answer.set()
    await tokens.delete()
    assert rest.calls == [("create", "tok0001SECRETSECRET"), ("delete", "tok0001SECRETSECRET")]
    assert not tokens.has_token
