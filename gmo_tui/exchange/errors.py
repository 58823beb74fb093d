"""Errors of the protocol layer: the exchange's error codes as typed exceptions.

``ERROR_MESSAGES`` is the seed's error table; the built-in exchange answers with these same
texts, so the client and the server share one copy. :func:`api_error` picks the most specific
class for a reply's codes (the first code decides; every code is kept).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ERROR_MESSAGES: dict[str, str] = {
    "ERR-70": "It will be returned when the BUY/SELL side of the specified position is incorrect in the settlement order.",
    "ERR-189": "The quantity of your close order exceeds your open position.",
    "ERR-200": "There are existing active orders and your order exceeds the maximum quantity that can be ordered. Please change the quantity to order or cancel an active order in order to create a new close order.",
    "ERR-201": "Insufficient funds.",
    "ERR-208": "The quantity of your order exceeds your available balance. Please check your balance or active orders.",
    "ERR-254": "The specified position does not exist.",
    "ERR-422": "It will be returned when the specified position does not exist in the close bulk order. Please make sure that the symbol or side (BUY/SELL) is correct.",
    "ERR-430": "Invalid parameter (orderId/executionId) in executions.",
    "ERR-554": "The server is unavalibale.",
    "ERR-626": "The server is busy. Please retry later.",
    "ERR-635": "The number of active orders has exceeded the limit. Please cancel an active order to create a new order.",
    "ERR-682": "A margin call has occurred. The operation cannot be executed.",
    "ERR-683": "Margin call processing is in progress. The operation cannot be executed.",
    "ERR-754": "Not enough transferable amount to transfer.",
    "ERR-846": "The difference between fromTimestamp and toTimestamp is greater than the maximum of 30 minutes.",
    "ERR-5003": "The API usage limits are exceeded.",
    "ERR-5007": "The API-TIMESTAMP is not set in the request header, or the value of API-TIMESTAMP is not a numeric value.",
    "ERR-5008": "The API-TIMESTAMP set in the request header is later than the system time of the API. Please try updating the system time.",
    "ERR-5009": "The API-TIMESTAMP set in the request header is earlier than the system time of the API. Please try updating the system time.",
    "ERR-5010": "The API-SIGN (Signature) is invalid. Please check Authentication.",
    "ERR-5011": "The API-KEY is empty. Please check Authentication.",
    "ERR-5012": "The API authentication is invalid.",
    "ERR-5014": "The membership agreement has not been completed.",
    "ERR-5106": "The request parameter is invalid.",
    "ERR-5111": "Invalid timeInForce values. Please see the possible timeInForce values in Order, Close Order and Close Bulk Order.",
    "ERR-5114": "The number of decimals exceeds the maximum precision. Please check the minimum order value here.",
    "ERR-5118": "Returned when LosscutPrice cannot be specified in the request body.",
    "ERR-5121": "Impossible to order due to order price is too low.",
    "ERR-5122": "The specified order can not be changed or canceled (already MODIFYING, CANCELLING, CANCELED, EXECUTED or EXPIRED). Orders can be changed or canceled only in ORDERED (WAITING for stop limit orders) status.",
    "ERR-5123": "The specified order doesn't exist.",
    "ERR-5125": "Returned when there is API restriction.",
    "ERR-5126": "The amount exceeds the maximum order amount or is less than the minimum order amount. Please check the trading rules here.",
    "ERR-5127": "Your API connection is restricted.",
    "ERR-5129": "Stop limit orders cannot be specified a price that will be executed immediately.",
    "ERR-5133": "Account transfers are not possible due to transfer restrictions.",
    "ERR-5135": "FxAccount not opened. Please try again ofter opening FxAccount.",
    "ERR-5201": "A response code that when Public/Private API is called while the service is in a regular maintenance.",
    "ERR-5202": "A response code that when Public/Private API is called while the service is in a emergency maintenance.",
    "ERR-5203": "A response code that when order or change order is called while the service is pre-open.",
    "ERR-5204": "The request API PATH is invalid.",
    "ERR-5206": "The limits of changing order for each order are exceeded. If you would like further changes for the order, please cancel the order and create a brand new order.",
    "ERR-5207": "Invalid symbol, interval or date values.",
    "ERR-5208": "OrderId(s) and executionId(s) cannot be used at the same time.",
}


class GmoError(Exception):
    """Base of every error raised by the protocol layer."""


class ProtocolError(GmoError):
    """A reply or frame that does not match the documented shape (names the field)."""


class ValidationError(GmoError):
    """A request refused by the client before sending: it would break a documented rule."""


class TransportError(GmoError):
    """The network failed before a reply arrived (connect error, reset, timeout)."""


class ReplyLost(TransportError):
    """A non-idempotent request was sent but its reply never came: the outcome is unknown.

    Never re-send the request: find out what happened from the exchange's state.
    """

    def __init__(self, message: str, *, method: str, path: str, body: bytes, sent_at_ms: int):
        super().__init__(message)
        self.method = method
        self.path = path
        self.body = body
        self.sent_at_ms = sent_at_ms


class RateLimitQueueFull(GmoError):
    """The client's own request queue is full: the caller is asking far beyond the budget."""


@dataclass(frozen=True, slots=True)
class ErrorMessage:
    code: str
    text: str


class ApiError(GmoError):
    """A reply with a non-zero ``status``; carries every ``message_code``/``message_string``."""

    codes: frozenset[str] = frozenset()

    def __init__(self, status: int, messages: Sequence[ErrorMessage], *, path: str = ""):
        self.status = status
        self.messages = tuple(messages)
        self.path = path
        text = "; ".join(f"{m.code}: {m.text}" for m in self.messages) or f"status {status}"
        super().__init__(f"{path} {text}".strip())

    @property
    def code(self) -> str:
        return self.messages[0].code if self.messages else ""

    @property
    def all_codes(self) -> tuple[str, ...]:
        return tuple(m.code for m in self.messages)


class AuthenticationError(ApiError):
    codes = frozenset({"ERR-5007", "ERR-5010", "ERR-5011", "ERR-5012", "ERR-5014"})

    @property
    def key_rejected(self) -> bool:
        """The exchange refuses this API key or its signature (no retry can fix it)."""
        return bool(KEY_REJECTED_CODES.intersection(self.all_codes))


#: the codes that mean "this key or signature is not accepted" (PROTOCOL.md, "Authentication"):
#: bad signature, empty key, invalid auth, membership agreement not completed (not ERR-5007, a
#: missing timestamp: our bug, nor ERR-5008/5009, the clock)
KEY_REJECTED_CODES = frozenset({"ERR-5010", "ERR-5011", "ERR-5012", "ERR-5014"})


class TimestampError(ApiError):
    codes = frozenset({"ERR-5008", "ERR-5009"})


class RateLimitError(ApiError):
    codes = frozenset({"ERR-5003"})


class ServiceUnavailableError(ApiError):
    """Maintenance or pre-open: order entry must halt."""

    codes = frozenset({"ERR-5201", "ERR-5202", "ERR-5203", "ERR-554", "ERR-626"})


class MaintenanceError(ServiceUnavailableError):
    codes = frozenset({"ERR-5201", "ERR-5202"})


class PreOpenError(ServiceUnavailableError):
    codes = frozenset({"ERR-5203"})


class InsufficientFundsError(ApiError):
    codes = frozenset({"ERR-201", "ERR-208", "ERR-200", "ERR-754"})


class InvalidParameterError(ApiError):
    codes = frozenset(
        {
            "ERR-5106",
            "ERR-5114",
            "ERR-5126",
            "ERR-5111",
            "ERR-5118",
            "ERR-5121",
            "ERR-5129",
            "ERR-5204",
            "ERR-5206",
            "ERR-5207",
            "ERR-5208",
            "ERR-846",
            "ERR-430",
        }
    )


class OrderNotChangeableError(ApiError):
    codes = frozenset({"ERR-5122"})


class OrderNotFoundError(ApiError):
    codes = frozenset({"ERR-5123"})


class PositionError(ApiError):
    codes = frozenset({"ERR-254", "ERR-189", "ERR-70", "ERR-422"})


class OrderLimitError(ApiError):
    codes = frozenset({"ERR-635", "ERR-682", "ERR-683"})


class TransferRestrictedError(ApiError):
    codes = frozenset({"ERR-5133", "ERR-5135", "ERR-5125", "ERR-5127"})


_CLASSES: tuple[type[ApiError], ...] = (
    AuthenticationError,
    TimestampError,
    RateLimitError,
    MaintenanceError,
    PreOpenError,
    ServiceUnavailableError,
    InsufficientFundsError,
    InvalidParameterError,
    OrderNotChangeableError,
    OrderNotFoundError,
    PositionError,
    OrderLimitError,
    TransferRestrictedError,
)
_BY_CODE: dict[str, type[ApiError]] = {}
for _cls in _CLASSES:
    for _code in _cls.codes:
        _BY_CODE.setdefault(_code, _cls)


def error_class(code: str) -> type[ApiError]:
    return _BY_CODE.get(code, ApiError)


def api_error(status: int, messages: Iterable[ErrorMessage], *, path: str = "") -> ApiError:
    """The most specific :class:`ApiError` for these messages (the first code decides)."""
    messages = tuple(messages)
    cls = error_class(messages[0].code) if messages else ApiError
    return cls(status, messages, path=path)


def message_for(code: str) -> str:
    return ERROR_MESSAGES.get(code, "")
