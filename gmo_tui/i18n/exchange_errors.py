"""GMO Coin's error messages in Japanese, keyed by error code, beside the English ones of
:data:`gmo_tui.exchange.errors.ERROR_MESSAGES`; :func:`error_text` picks the language.

The seed documents carry only the English texts; these follow GMO Coin's Japanese terms
(建玉, 決済注文, 取引余力, 執行数量条件, メンテナンス).
"""

from __future__ import annotations

from gmo_tui.exchange.errors import ApiError, message_for
from gmo_tui.i18n import _, current_language

ERROR_MESSAGES_JA: dict[str, str] = {
    "ERR-70": "決済注文で指定した建玉の売買区分(BUY/SELL)が正しくありません。",
    "ERR-189": "決済注文の数量が建玉の数量を超えています。",
    "ERR-200": "有効な注文があり、注文可能な数量を超えています。注文数量を変更するか、有効な注文を取消してから決済注文を発注してください。",
    "ERR-201": "取引余力が不足しています。",
    "ERR-208": "注文数量が利用可能な残高を超えています。残高または有効な注文をご確認ください。",
    "ERR-254": "指定された建玉が存在しません。",
    "ERR-422": "一括決済注文で指定した建玉が存在しません。銘柄と売買区分(BUY/SELL)をご確認ください。",
    "ERR-430": "約定情報のパラメータ(orderId/executionId)が正しくありません。",
    "ERR-554": "サーバーが利用できません。",
    "ERR-626": "サーバーが混雑しています。しばらくしてから再度お試しください。",
    "ERR-635": "有効な注文の件数が上限を超えています。有効な注文を取消してから新規注文を発注してください。",
    "ERR-682": "ロスカットが発生しました。この操作は実行できません。",
    "ERR-683": "ロスカット処理中です。この操作は実行できません。",
    "ERR-754": "振替可能額が不足しています。",
    "ERR-846": "fromTimestamp と toTimestamp の差が上限の30分を超えています。",
    "ERR-5003": "APIの呼出上限を超えました。",
    "ERR-5007": "リクエストヘッダーに API-TIMESTAMP が設定されていないか、数値ではありません。",
    "ERR-5008": "リクエストヘッダーの API-TIMESTAMP がAPIのシステム時刻より遅れています。システム時刻を更新してください。",
    "ERR-5009": "リクエストヘッダーの API-TIMESTAMP がAPIのシステム時刻より進んでいます。システム時刻を更新してください。",
    "ERR-5010": "API-SIGN(署名)が正しくありません。認証方法をご確認ください。",
    "ERR-5011": "API-KEY が設定されていません。認証方法をご確認ください。",
    "ERR-5012": "API認証に失敗しました。",
    "ERR-5014": "会員登録が完了していません。",
    "ERR-5106": "リクエストのパラメータが正しくありません。",
    "ERR-5111": "執行数量条件(timeInForce)の値が正しくありません。注文・決済注文・一括決済注文で指定できる値をご確認ください。",
    "ERR-5114": "小数点以下の桁数が上限を超えています。最小注文単位をご確認ください。",
    "ERR-5118": "このリクエストではロスカットレート(losscutPrice)を指定できません。",
    "ERR-5121": "注文価格が低すぎるため注文できません。",
    "ERR-5122": "指定した注文は変更・取消できません(変更中・取消中・取消済・約定済・失効済)。変更・取消できるのは注文中(逆指値は待機中)の注文だけです。",
    "ERR-5123": "指定した注文は存在しません。",
    "ERR-5125": "APIの取引規制がかかっています。",
    "ERR-5126": "注文数量が最大注文数量を超えているか、最小注文数量未満です。取引ルールをご確認ください。",
    "ERR-5127": "APIの接続が制限されています。",
    "ERR-5129": "逆指値注文に、すぐに約定する価格は指定できません。",
    "ERR-5133": "振替規制のため振替できません。",
    "ERR-5135": "FX口座が開設されていません。FX口座を開設してから再度お試しください。",
    "ERR-5201": "定期メンテナンス中です。",
    "ERR-5202": "緊急メンテナンス中です。",
    "ERR-5203": "プレオープン中のため、注文・注文変更はできません。",
    "ERR-5204": "リクエストのAPIパスが正しくありません。",
    "ERR-5206": "注文ごとの変更回数の上限を超えました。さらに変更する場合は、注文を取消して新しく発注してください。",
    "ERR-5207": "銘柄・間隔・日付の値が正しくありません。",
    "ERR-5208": "orderId と executionId は同時に指定できません。",
}


def error_text(code: str, english: str = "") -> str:
    """The exchange's message for ``code`` in the current language: the Japanese text when
    the app speaks Japanese and knows the code, else the English one (``english`` as the
    exchange sent it, else the seed's)."""
    if current_language() == "ja" and code in ERROR_MESSAGES_JA:
        return ERROR_MESSAGES_JA[code]
    return english or message_for(code) or _("unknown error")


def describe(error: ApiError) -> str:
    """Every ``code: text`` of an exchange reply, in the current language."""
    parts = [f"{m.code}: {error_text(m.code, m.text)}" for m in error.messages]
    return "; ".join(parts) or _("status {status}").format(status=error.status)
