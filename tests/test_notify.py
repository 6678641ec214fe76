"""Chat push (issue #25 item 5): each webhook kind's payload as a local HTTP server receives it, DingTalk's and
Lark's signatures worked by hand, failures that are logged and never raised, and no token or secret in a log line.

No test leaves the machine: every webhook is http://127.0.0.1:<port>, the kind given by SPM_NOTIFY_KIND.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

from dagster_project import notify

TOKEN = "tok3n-S3CRET-abc123"
SECRET = "SEC-signing-secret-0987"


@dataclass
class Recorder:
    """What the local webhook received, and what it answers."""

    status: int = 200
    answer: bytes = b'{"errcode":0,"errmsg":"ok","code":0,"msg":"success"}'
    delay: float = 0.0
    requests: list[tuple[str, dict]] = field(default_factory=list)


@pytest.fixture
def server() -> Iterator[tuple[str, Recorder]]:
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            recorder.requests.append((self.path, json.loads(body.decode("utf-8"))))
            if recorder.delay:
                threading.Event().wait(recorder.delay)
            self.send_response(recorder.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(recorder.answer)

        def log_message(self, *args: object) -> None:  # keep the test output clean
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", recorder
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """A real DuckDB file holding the two marts notify reads, with hand-picked figures for 2025-11."""
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("""create table marts.mart_deal_output (scope varchar, team_id varchar, month date, quarter varchar,
        reps integer, bookings decimal(38,8), won_deals integer, average_deal_size decimal(38,8),
        per_capita_bookings decimal(38,8))""")
    con.execute("""insert into marts.mart_deal_output values
        ('company', null, date '2025-11-01', '2025Q4', 20, 1234567.891, 37, 33366.69975676, 61728.39455),
        ('team', 'T01', date '2025-11-01', '2025Q4', 7, 999999.99, 12, 83333.3325, 142857.14142857),
        ('company', null, date '2025-10-01', '2025Q4', 19, 100, 1, 100, 5.26315789)""")
    con.execute("create table marts.mart_data_freshness (as_of_date date, reporting_currency varchar)")
    con.execute("insert into marts.mart_data_freshness values (date '2025-11-30', 'CNY')")
    con.close()
    return path


def _set_webhook(monkeypatch: pytest.MonkeyPatch, url: str, kind: str, secret: str | None = None) -> None:
    monkeypatch.setenv("SPM_NOTIFY_WEBHOOK", url)
    monkeypatch.setenv("SPM_NOTIFY_KIND", kind)
    if secret is None:
        monkeypatch.delenv("SPM_NOTIFY_SECRET", raising=False)
    else:
        monkeypatch.setenv("SPM_NOTIFY_SECRET", secret)


EXPECTED_TEXT = """### Sales performance 2025-11
- Bookings: **CNY 1,234,567.89**
- Won deals: 37
- Average deal size: CNY 33,366.70
- Per-capita bookings: CNY 61,728.39 (20 reps)
- Data as of: 2025-11-30
- Dashboard: {uri}"""


def test_read_headline_reads_the_company_row_not_a_team_sum(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        headline = notify.read_headline(con, date(2025, 11, 1))
        assert notify.read_headline(con, date(2025, 9, 1)) is None
    assert headline == notify.Headline(date(2025, 11, 1), date(2025, 11, 30), "CNY", Decimal("1234567.89100000"), 37,
                                       20, Decimal("33366.69975676"), Decimal("61728.39455000"))


def test_dingtalk_markdown_payload_with_the_signed_secret(
    warehouse: Path, tmp_path: Path, server: tuple[str, Recorder], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, recorder = server
    _set_webhook(monkeypatch, f"{base}/robot/send?access_token={TOKEN}", "dingtalk", SECRET)
    dashboard = tmp_path / "dashboard" / "index.html"
    assert notify.notify_run(warehouse, "2025-11", dashboard) is True
    [(path, payload)] = recorder.requests
    assert payload == {"msgtype": "markdown", "markdown": {
        "title": "Sales performance 2025-11", "text": EXPECTED_TEXT.format(uri=dashboard.resolve().as_uri())}}
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    assert query["access_token"] == [TOKEN]
    stamp = query["timestamp"][0]
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256).digest())
    assert query["sign"] == [expected.decode()]  # parse_qs undid the urlencoding


def test_dingtalk_signature_for_a_fixed_timestamp_worked_by_hand() -> None:
    """HMAC-SHA256(key="SEC-signing-secret-0987", msg="1700000000000\\nSEC-signing-secret-0987"), base64, then
    urlencoded (`+` -> %2B, `/` -> %2F, `=` -> %3D), as DingTalk's docs compute it."""
    raw = hmac.new(b"SEC-signing-secret-0987", b"1700000000000\nSEC-signing-secret-0987", hashlib.sha256).digest()
    by_hand = base64.b64encode(raw).decode().replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    assert notify.dingtalk_sign(1700000000000, SECRET) == by_hand
    url, _ = notify.build_request("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=t", "T", "x",
                                  secret=SECRET, now=1700000000.0)
    assert url == f"https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=1700000000000&sign={by_hand}"


def test_wecom_markdown_payload(
    warehouse: Path, tmp_path: Path, server: tuple[str, Recorder], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, recorder = server
    _set_webhook(monkeypatch, f"{base}/cgi-bin/webhook/send?key={TOKEN}", "wecom")
    assert notify.notify_run(warehouse, "2025-11", tmp_path / "index.html") is True
    [(path, payload)] = recorder.requests
    assert path == f"/cgi-bin/webhook/send?key={TOKEN}"
    assert payload == {"msgtype": "markdown", "markdown": {
        "content": EXPECTED_TEXT.format(uri=(tmp_path / "index.html").resolve().as_uri())}}


def test_lark_interactive_card_with_its_signature(
    warehouse: Path, tmp_path: Path, server: tuple[str, Recorder], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, recorder = server
    _set_webhook(monkeypatch, f"{base}/open-apis/bot/v2/hook/{TOKEN}", "lark", SECRET)
    assert notify.notify_run(warehouse, "2025-11", tmp_path / "index.html") is True
    [(path, payload)] = recorder.requests
    assert path == f"/open-apis/bot/v2/hook/{TOKEN}"
    stamp = payload.pop("timestamp")
    expected = base64.b64encode(hmac.new(f"{stamp}\n{SECRET}".encode(), b"", hashlib.sha256).digest()).decode()
    assert payload.pop("sign") == expected
    assert payload == {"msg_type": "interactive", "card": {
        "header": {"title": {"tag": "plain_text", "content": "Sales performance 2025-11"}},
        "elements": [{"tag": "markdown", "content": EXPECTED_TEXT.format(
            uri=(tmp_path / "index.html").resolve().as_uri())}]}}


def test_kind_is_read_from_the_vendor_host() -> None:
    assert notify.detect_kind("https://oapi.dingtalk.com/robot/send?access_token=x") == "dingtalk"
    assert notify.detect_kind("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x") == "wecom"
    assert notify.detect_kind("https://open.feishu.cn/open-apis/bot/v2/hook/x") == "lark"
    assert notify.detect_kind("https://open.larksuite.com/open-apis/bot/v2/hook/x") == "lark"
    with pytest.raises(notify.NotifySettingError, match="set SPM_NOTIFY_KIND"):
        notify.detect_kind("https://chat.example.com/hook/x")
    with pytest.raises(notify.NotifySettingError, match="SPM_NOTIFY_KIND='slack'"):
        notify.detect_kind("https://oapi.dingtalk.com/robot/send", "slack")


@pytest.mark.parametrize(
    ("status", "answer", "logged"),
    [
        (500, b"oops", "answered HTTP 500"),
        (200, b'{"errcode":310000,"errmsg":"sign not match"}', "refused the message (code 310000: sign not match)"),
        (200, b"<html>proxy</html>", "answer is not JSON"),
    ],
)
def test_a_failed_post_is_logged_with_the_host_only_and_never_raises(
    warehouse: Path, tmp_path: Path, server: tuple[str, Recorder], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, status: int, answer: bytes, logged: str,
) -> None:
    base, recorder = server
    recorder.status, recorder.answer = status, answer
    _set_webhook(monkeypatch, f"{base}/robot/send?access_token={TOKEN}", "dingtalk", SECRET)
    with caplog.at_level(logging.DEBUG, logger="spm.notify"):
        assert notify.notify_run(warehouse, "2025-11", tmp_path / "index.html") is False
    assert len(recorder.requests) == 1
    assert logged in caplog.text and f"{base}/…" in caplog.text
    assert TOKEN not in caplog.text and SECRET not in caplog.text and "sign=" not in caplog.text


def test_a_timeout_or_a_closed_port_is_logged_and_never_raises(
    warehouse: Path, server: tuple[str, Recorder], caplog: pytest.LogCaptureFixture
) -> None:
    base, recorder = server
    recorder.delay = 1.0
    with caplog.at_level(logging.INFO, logger="spm.notify"):
        assert notify.post(f"{base}/hook/{TOKEN}", "t", "x", kind="wecom", timeout=0.2) is False
    assert "unreachable" in caplog.text and TOKEN not in caplog.text
    caplog.clear()
    sock = socket.socket()  # a port nobody listens on: bind one, close it, then post to it
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with caplog.at_level(logging.INFO, logger="spm.notify"):
        assert notify.post(f"http://127.0.0.1:{port}/hook/{TOKEN}", "t", "x", kind="lark", secret=SECRET) is False
    assert "unreachable" in caplog.text and TOKEN not in caplog.text and SECRET not in caplog.text


def test_a_success_log_line_shows_no_token_or_secret(
    warehouse: Path, tmp_path: Path, server: tuple[str, Recorder], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    base, _ = server
    _set_webhook(monkeypatch, f"{base}/robot/send?access_token={TOKEN}", "dingtalk", SECRET)
    with caplog.at_level(logging.DEBUG):
        assert notify.notify_run(warehouse, "2025-11", tmp_path / "index.html") is True
    assert "posted 'Sales performance 2025-11' to the dingtalk webhook" in caplog.text
    assert TOKEN not in caplog.text and SECRET not in caplog.text


def test_off_by_default_and_nothing_raised_for_a_bad_month_or_setting(
    warehouse: Path, tmp_path: Path, server: tuple[str, Recorder], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    base, recorder = server
    monkeypatch.delenv("SPM_NOTIFY_WEBHOOK", raising=False)
    assert notify.notify_run(warehouse, "2025-11", tmp_path / "index.html") is False
    _set_webhook(monkeypatch, f"{base}/robot/send?access_token={TOKEN}", "dingtalk")
    with caplog.at_level(logging.INFO, logger="spm.notify"):
        assert notify.notify_run(warehouse, "2025-09", tmp_path / "index.html") is False  # no company row
        assert notify.notify_run(warehouse, "Nov 2025", tmp_path / "index.html") is False
        assert notify.notify_run(tmp_path / "missing.duckdb", "2025-11", tmp_path / "index.html") is False
        monkeypatch.setenv("SPM_NOTIFY_KIND", "slack")
        assert notify.notify_run(warehouse, "2025-11", tmp_path / "index.html") is False
    assert recorder.requests == []
    assert "no company row for 2025-09" in caplog.text and "'Nov 2025' is not YYYY-MM" in caplog.text
    assert "SPM_NOTIFY_KIND='slack'" in caplog.text and TOKEN not in caplog.text


def test_the_query_runs_on_a_built_warehouse(built_warehouse: object) -> None:
    """read_headline's columns exist in the real marts: the as-of month's company row equals the mart's row."""
    warehouse = built_warehouse.warehouse  # type: ignore[attr-defined]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        as_of = con.execute("select as_of_date from marts.mart_data_freshness").fetchone()[0]
        month = as_of.replace(day=1)
        headline = notify.read_headline(con, month)
        bookings, won = con.execute(
            "select bookings, won_deals from marts.mart_deal_output where scope = 'company' and month = ?", [month]
        ).fetchone()
    assert headline is not None and headline.as_of_date == as_of
    assert (headline.bookings, headline.won_deals) == (bookings, won)


# --- the run's `dashboard/notify` asset ------------------------------------------------------------------------------
def _materialize_notify(warehouse: Path):  # type: ignore[no-untyped-def]
    import dagster as dg

    from dagster_project.assets.run import dashboard__notify
    from dagster_project.resources import WarehouseResource

    resource = WarehouseResource(warehouse_path=str(warehouse), landing_dir=str(warehouse.parent))
    return dg.materialize([dashboard__notify], resources={"warehouse": resource}, raise_on_error=False)


def test_the_build_job_posts_after_the_dashboard(
    warehouse: Path, server: tuple[str, Recorder], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`dashboard/notify` is in build_warehouse, downstream of the dashboard; it posts the as-of month's figures
    and the dashboard's start page, and is a no-op (still a success) without SPM_NOTIFY_WEBHOOK or when the post
    fails."""
    from dagster_project.assets.run import DASHBOARD_KEY, NOTIFY_KEY
    from dagster_project.dashboard import default_out
    from dagster_project.definitions import defs

    job = defs.resolve_job_def("build_warehouse")
    assert NOTIFY_KEY in job.asset_layer.executable_asset_keys
    assert DASHBOARD_KEY in defs.resolve_asset_graph().get(NOTIFY_KEY).parent_keys

    base, recorder = server
    index = default_out(warehouse, "2025-11") / "index.html"
    index.parent.mkdir(parents=True)
    index.write_text("<html></html>", encoding="utf-8")

    monkeypatch.delenv("SPM_NOTIFY_WEBHOOK", raising=False)
    result = _materialize_notify(warehouse)
    assert result.success and recorder.requests == []

    _set_webhook(monkeypatch, f"{base}/robot/send?access_token={TOKEN}", "dingtalk")
    result = _materialize_notify(warehouse)
    assert result.success
    ((_path, payload),) = recorder.requests
    assert payload["markdown"]["text"] == EXPECTED_TEXT.format(uri=index.resolve().as_uri())
    [materialization] = result.asset_materializations_for_node("dashboard__notify")
    assert materialization.metadata["posted"].value is True

    recorder.status = 500
    result = _materialize_notify(warehouse)
    assert result.success  # a failed post never fails the run
    [materialization] = result.asset_materializations_for_node("dashboard__notify")
    assert materialization.metadata["posted"].value is False


def test_the_message_follows_the_locale(warehouse: Path) -> None:
    """docs/locale.md: in zh-CN the post is Chinese with CLDR's compact amounts; the figures are the same."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        headline = notify.read_headline(con, date(2025, 11, 1))
    title, text = notify.message(headline, "file:///d/index.html", locale="zh-CN")
    assert title == "销售业绩 2025-11"
    assert text.splitlines()[1:] == ["- 签约额：**¥123.46万**", "- 赢单数：37", "- 客单价：¥3.34万",
                                     "- 人均签约额：¥6.17万（20 名销售代表）", "- 数据截至：2025-11-30",
                                     "- 仪表盘：file:///d/index.html"]
    assert notify.message(headline, "x", locale="en")[1] == EXPECTED_TEXT.format(uri="x")
