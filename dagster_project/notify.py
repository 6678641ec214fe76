"""Push the month's headline figures and the dashboard's location to the team's chat group (optional, off by default).

Chinese sales teams read their numbers in DingTalk, WeCom (企业微信) or Lark (飞书) groups; each offers a "group
robot" webhook. `notify_run` posts one markdown message to the webhook in `SPM_NOTIFY_WEBHOOK` (unset: nothing is
sent). The kind is read from the URL's host (oapi.dingtalk.com, qyapi.weixin.qq.com, open.feishu.cn /
open.larksuite.com) or set with `SPM_NOTIFY_KIND` (`dingtalk`, `wecom`, `lark`) for a proxy or a private
deployment. `SPM_NOTIFY_SECRET` is the robot's signing secret (DingTalk's "加签" and Lark's signature check).

A failed post (refused connection, timeout, HTTP error, a non-zero code in the JSON answer) is logged and returns
False: a chat outage never fails a warehouse run. The webhook's token (query string and path) and the secret are
never logged: log lines name the host only (`redact`).

The payloads are the vendors' documented ones:
- DingTalk: `{"msgtype": "markdown", "markdown": {"title", "text"}}`; signed mode adds `timestamp` (ms) and `sign`
  = urlencode(base64(HMAC-SHA256(key=secret, msg="timestamp\\nsecret"))) to the query string; answer `errcode` 0.
- WeCom: `{"msgtype": "markdown", "markdown": {"content"}}`; answer `errcode` 0.
- Lark: `{"msg_type": "interactive", "card": {...}}` with a markdown element; signed mode adds `timestamp` (s) and
  `sign` = base64(HMAC-SHA256(key="timestamp\\nsecret", msg="")) to the body; answer `code` 0.
See docs/notify.md for how a run calls it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import duckdb

from dagster_project import db
from dagster_project.i18n import texts
from dagster_project.settings import reader_locale

log = logging.getLogger("spm.notify")

Kind = Literal["dingtalk", "wecom", "lark"]
KINDS: tuple[Kind, ...] = ("dingtalk", "wecom", "lark")
_HOSTS: dict[str, Kind] = {
    "oapi.dingtalk.com": "dingtalk",
    "qyapi.weixin.qq.com": "wecom",
    "open.feishu.cn": "lark",
    "open.larksuite.com": "lark",
}
TIMEOUT_SECONDS = 10.0


class NotifySettingError(ValueError):
    """A notify setting that cannot work (unknown kind, a URL that is not http(s)); names the setting."""


@dataclass(frozen=True)
class Headline:
    """The company's figures of one month, as the marts hold them (never re-summed here)."""

    month: date
    as_of_date: date | None
    currency: str
    bookings: Decimal | None
    won_deals: int | None
    reps: int | None
    average_deal_size: Decimal | None
    per_capita_bookings: Decimal | None


def read_headline(con: duckdb.DuckDBPyConnection, month: date) -> Headline | None:
    """The month's company row of marts.mart_deal_output and the run's as-of date and currency from
    marts.mart_data_freshness; None when the month has no company row. The one place to point at a company-scope
    mart once there is one."""
    row = con.execute(
        """
        select o.month, f.as_of_date, f.reporting_currency, o.bookings, o.won_deals, o.reps, o.average_deal_size,
               o.per_capita_bookings
        from marts.mart_deal_output o cross join marts.mart_data_freshness f
        where o.scope = 'company' and o.month = ?
        """,
        [month],
    ).fetchone()
    return None if row is None else Headline(*row)


def message(headline: Headline, dashboard: str, locale: str | None = None) -> tuple[str, str]:
    """(title, markdown text) of the month's post, in `locale` (default SPM_LOCALE, else English: docs/locale.md).
    English writes amounts to the cent after the currency code (`CNY 1,234,567.89`), Chinese in CLDR's compact
    form (`¥123.46万`)."""
    tx = texts(locale or reader_locale(), currency=headline.currency)

    def money(value: Decimal | None) -> str:
        if value is None:
            return "–"
        return f"{headline.currency} {tx.money_exact(value)}" if tx.locale == "en" else tx.money(value)

    title = tx._("Sales performance {month}", month=f"{headline.month:%Y-%m}")
    lines = [
        f"### {title}",
        "- " + tx._("Bookings: {amount}", amount=f"**{money(headline.bookings)}**"),
        "- " + tx._("Won deals: {count}", count="–" if headline.won_deals is None else headline.won_deals),
        "- " + tx._("Average deal size: {amount}", amount=money(headline.average_deal_size)),
        "- " + tx._("Per-capita bookings: {amount} ({reps} reps)", amount=money(headline.per_capita_bookings),
                    reps="–" if headline.reps is None else headline.reps),
        "- " + tx._("Data as of: {date}", date="–" if headline.as_of_date is None else headline.as_of_date.isoformat()),
        "- " + tx._("Dashboard: {link}", link=dashboard),
    ]
    return title, "\n".join(lines)


def detect_kind(url: str, kind: str | None = None) -> Kind:
    """The webhook's kind: `kind` (SPM_NOTIFY_KIND) when given, else from the URL's host."""
    if kind:
        if kind not in KINDS:
            raise NotifySettingError(f"SPM_NOTIFY_KIND={kind!r} is not one of {', '.join(KINDS)}")
        return kind  # type: ignore[return-value]
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if host in _HOSTS:
        return _HOSTS[host]
    raise NotifySettingError(
        f"cannot tell the chat kind of webhook host {host or '(none)'}: "
        f"set SPM_NOTIFY_KIND to one of {', '.join(KINDS)}"
    )


def redact(url: str) -> str:
    """The webhook as a log line may show it: scheme and host only (the token sits in the query or the path)."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}{':' + str(parts.port) if parts.port else ''}/…"


def dingtalk_sign(timestamp_ms: int, secret: str) -> str:
    """DingTalk's signed mode: urlencoded base64 of HMAC-SHA256(key=secret, msg="timestamp\\nsecret")."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


def lark_sign(timestamp_s: int, secret: str) -> str:
    """Lark's signature check: base64 of HMAC-SHA256(key="timestamp\\nsecret", msg=b"")."""
    return base64.b64encode(hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()


def build_request(
    kind: Kind, url: str, title: str, text: str, secret: str | None = None, now: float | None = None
) -> tuple[str, dict[str, Any]]:
    """(URL to post to, JSON payload) of `kind`; `now` (seconds) pins the signature's timestamp in tests."""
    now = time.time() if now is None else now
    if kind == "dingtalk":
        payload: dict[str, Any] = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
        if secret:
            stamp = int(now * 1000)
            joiner = "&" if urllib.parse.urlsplit(url).query else "?"
            url += f"{joiner}timestamp={stamp}&sign={dingtalk_sign(stamp, secret)}"
        return url, payload
    if kind == "wecom":
        return url, {"msgtype": "markdown", "markdown": {"content": text}}
    payload = {
        "msg_type": "interactive",
        "card": {
            "header": {"title": {"tag": "plain_text", "content": title}},
            "elements": [{"tag": "markdown", "content": text}],
        },
    }
    if secret:
        stamp = int(now)
        payload = {"timestamp": str(stamp), "sign": lark_sign(stamp, secret), **payload}
    return url, payload


def _answer_ok(kind: Kind, body: bytes) -> tuple[bool, str]:
    """Whether the vendor's JSON answer reports success, and its code and message for the log."""
    try:
        answer = json.loads(body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False, "answer is not JSON"
    if not isinstance(answer, dict):
        return False, "answer is not a JSON object"
    if kind == "lark":
        code = answer.get("code", answer.get("StatusCode"))
        msg = answer.get("msg", answer.get("StatusMessage"))
    else:
        code, msg = answer.get("errcode"), answer.get("errmsg")
    return code == 0, f"code {code}: {msg}"


def post(
    url: str,
    title: str,
    text: str,
    kind: str | None = None,
    secret: str | None = None,
    timeout: float = TIMEOUT_SECONDS,
    now: float | None = None,
) -> bool:
    """Post one markdown message; True when the vendor accepted it. Never raises on a network or vendor failure
    (logged with the host only); a setting that cannot work raises NotifySettingError naming it."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise NotifySettingError(f"SPM_NOTIFY_WEBHOOK must be an http(s) URL, not {redact(url)}")
    chat = detect_kind(url, kind)
    target, payload = build_request(chat, url, title, text, secret, now)
    request = urllib.request.Request(
        target, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    where = redact(url)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # http(s) only: checked above
            body = response.read()
    except urllib.error.HTTPError as error:
        log.warning("notify: %s webhook %s answered HTTP %s; nothing was posted", chat, where, error.code)
        return False
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        log.warning("notify: %s webhook %s unreachable (%s); nothing was posted", chat, where,
                    type(reason).__name__ if not isinstance(reason, str) else reason)
        return False
    ok, detail = _answer_ok(chat, body)
    if ok:
        log.info("notify: posted %r to the %s webhook %s", title, chat, where)
    else:
        log.warning("notify: %s webhook %s refused the message (%s)", chat, where, detail)
    return ok


def notify_run(warehouse: Path, month: str, dashboard_path: Path) -> bool:
    """After a successful run: post `month`'s (YYYY-MM) company figures and the dashboard's location to the chat
    webhook of SPM_NOTIFY_WEBHOOK. False when notification is off (no webhook), the month has no company figures,
    a setting is wrong, or the post failed: each logged, none raised, so the run's result never depends on it."""
    url = os.environ.get("SPM_NOTIFY_WEBHOOK", "").strip()
    if not url:
        log.debug("notify: SPM_NOTIFY_WEBHOOK is not set; no chat message")
        return False
    try:
        first_day = date.fromisoformat(f"{month}-01")
    except ValueError:
        log.warning("notify: month %r is not YYYY-MM; no chat message", month)
        return False
    try:
        with db.connect(warehouse, read_only=True) as con:
            headline = read_headline(con, first_day)
    except (duckdb.Error, OSError, db.NotAWarehouseError) as error:
        log.warning("notify: cannot read the company figures from %s (%s); no chat message", warehouse,
                    type(error).__name__)
        return False
    if headline is None:
        log.warning("notify: marts.mart_deal_output has no company row for %s; no chat message", month)
        return False
    title, text = message(headline, Path(dashboard_path).resolve().as_uri())
    try:
        return post(url, title, text, kind=os.environ.get("SPM_NOTIFY_KIND") or None,
                    secret=os.environ.get("SPM_NOTIFY_SECRET") or None)
    except NotifySettingError as error:
        log.warning("notify: %s; no chat message", error)
        return False
