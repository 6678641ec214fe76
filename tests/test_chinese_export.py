"""A Chinese company's export of the generator's own data builds the same marts as the plain landing folder.

The generated landing folder is rewritten the way Chinese ERP/CRM/HR systems deliver it: every header in Chinese
(mapped to the contract only through `aliases:` in a source configuration), CRM CSVs saved as GB18030 with dates as
`YYYY/M/D`, amounts with thousands separators and checkboxes as `是` / empty, survey CSVs as UTF-16 and the planning
and FX CSVs with a UTF-8 BOM, and the finance and HR extracts as `.xlsx` workbooks (date cells, number cells, the
HR roster under a title row). Built with `spm run`, its marts equal the plain folder's, lineage aside: the file names
(`.xlsx`) and workbook row numbers differ by design.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dagster_project import cli
from dagster_project.extracts import BY_NAME, Extract

CHINESE: dict[str, str] = {
    "Id": "编号", "AccountId": "客户编号", "AccountNumber": "客户代码", "ActivityDate": "活动日期",
    "Amount": "金额", "CallDurationInSeconds": "通话时长秒", "CloseDate": "预计成交日期", "ContractTerm": "合同期限",
    "ConvertedAccountId": "转化客户编号", "ConvertedDate": "转化日期", "ConvertedOpportunityId": "转化商机编号",
    "CreatedDate": "创建时间", "CurrencyIsoCode": "币种", "Customer_Tier__c": "客户等级",
    "DurationInMinutes": "时长分钟", "EndDate": "结束日期", "Industry": "行业", "IsClosed": "已关闭",
    "IsConverted": "已转化", "IsDeleted": "已删除", "IsWon": "赢单", "LeadSource": "线索来源", "Name": "名称",
    "OpportunityId": "商机编号", "OwnerId": "负责人", "Product_Line__c": "产品线", "Rating": "评级",
    "SplitOwnerId": "分成负责人", "SplitPercentage": "分成比例", "StageName": "阶段", "StartDate": "开始日期",
    "Status": "状态", "Subject": "主题", "SystemModstamp": "最后修改时间", "Type": "类型", "WhatId": "关联对象",
    "account_id": "客户编号", "amount": "收款金额", "base_monthly_salary": "月薪", "certification": "证书",
    "channel": "渠道", "competency": "能力项", "completed_date": "完成日期", "course_name": "课程名称",
    "crm_user_id": "CRM用户编号", "currency": "币种", "customer_number": "客户代码", "cycle": "考核周期",
    "document_type": "单据类型", "due_date": "到期日", "email": "邮箱", "employee_id": "员工编号",
    "full_name": "姓名", "gross_amount": "价税合计", "hire_date": "入职日期", "hours": "学时",
    "invoice_date": "开票日期", "invoice_id": "发票编号", "invoice_number": "发票号码", "is_deleted": "已删除",
    "job_level": "职级", "manager_employee_id": "上级员工编号", "method": "收款方式", "metric": "指标",
    "net_amount": "不含税金额", "opportunity_id": "商机编号", "original_invoice_id": "原发票编号",
    "overall_score": "总体评分", "passed": "是否通过", "payment_date": "收款日期", "payment_id": "收款单编号",
    "payment_terms_days": "账期天数", "period_month": "期间", "problem_resolution": "问题解决",
    "rate_month": "汇率月份", "rate_to_reporting": "折算汇率", "region": "大区", "response_id": "问卷编号",
    "response_speed": "响应速度", "review_id": "评估编号", "reviewee_employee_id": "被评估人",
    "reviewer_id": "评估人", "reviewer_type": "评估人类型", "salesperson_employee_id": "销售员工编号",
    "score": "评分", "solution_fit": "方案匹配", "status": "状态", "submitted_at": "提交时间",
    "survey_date": "调查日期", "target_value": "目标值", "tax_amount": "税额", "team_id": "团队编号",
    "team_name": "团队名称", "termination_date": "离职日期", "training_id": "培训编号", "updated_at": "更新时间",
    "expense_id": "报销单编号", "expense_date": "费用日期", "category": "费用类型",
    "plan_year": "计划年度", "scope": "范围", "scope_value": "范围值", "period": "期间", "effective_from": "生效日期",
    "CaseNumber": "工单号", "Reason": "原因", "Priority": "优先级", "Origin": "来源渠道",
    "First_Response__c": "首次响应时间", "ClosedDate": "关闭时间", "OrderNumber": "订单号", "ContractId": "合同编号",
    "EffectiveDate": "生效日期", "ActivatedDate": "激活时间", "case_id": "工单编号", "nps_score": "推荐意愿评分",
    "resolution_satisfaction": "解决满意度", "usage_month": "使用月份", "active_users": "活跃用户数",
    "sessions": "使用次数",
}
WORKBOOKS = {"finance/invoice", "finance/payment", "hr/employee", "hr/training"}
UTF16 = {"surveys"}
BOM = {"planning", "finance/fx_rate"}
TITLE_ROW = "hr/employee"  # its roster has a title row above the header: header_row 2
LINEAGE = {"source_file", "source_sha256", "source_row", "loaded_at"}


def company_config(path: Path) -> Path:
    """The source configuration: Chinese aliases for every generated column, and the roster's header row."""
    lines = ["aliases:"]
    for extract in BY_NAME.values():
        lines.append(f"  {extract.name}:")
        lines += [f"    {c}: [{CHINESE[c]}]" for c in extract.generated_names]
    lines += ["file_formats:", "  hr__employee: {header_row: 2}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _kinds(extract: Extract, header: list[str]) -> list[str]:
    return [extract.column(h).kind for h in header]


def _csv_value(kind: str, value: str, crm: bool) -> str:
    if kind == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        y, m, d = value.split("-")
        return f"{y}/{int(m)}/{int(d)}"
    if kind == "decimal" and re.fullmatch(r"-?\d+\.\d+", value):
        return f"{Decimal(value):,}"
    if kind == "bool" and crm:
        return {"true": "是", "false": ""}.get(value, value)
    return value


def _cell(kind: str, value: str) -> object:
    if value == "":
        return None
    if kind == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value  # the generator's impossible date (2025-04-31) stays text and stays unparsable
    if kind in ("decimal", "int") and re.fullmatch(r"-?\d+(\.\d+)?", value):
        return float(value) if kind == "decimal" else int(value)
    if kind == "bool" and value in ("true", "false"):
        return value == "true"
    return value


def _rewrite(path: Path, extract: Extract, config_rel: str) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    kinds = _kinds(extract, header)
    chinese = [CHINESE[h] for h in header]
    crm = extract.system == "crm"
    if config_rel in WORKBOOKS:
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "导出数据"
        if config_rel == TITLE_ROW:
            ws.append(["员工花名册（导出）"])
        ws.append(chinese)
        for row in body:
            if len(row) != len(header):
                raise AssertionError(f"{path}: a malformed line cannot be a sheet row")
            ws.append([_cell(k, v) for k, v in zip(kinds, row, strict=True)])
        wb.save(path.with_suffix(".xlsx"))
        path.unlink()
        return
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(chinese)
    for row in body:
        w.writerow(row if len(row) != len(header) else
                   [_csv_value(k, v, crm) for k, v in zip(kinds, row, strict=True)])
    text = out.getvalue()
    if config_rel.split("/")[0] in UTF16:
        data = text.encode("utf-16")
    elif config_rel in BOM or config_rel.split("/")[0] in BOM:
        data = text.encode("utf-8-sig")
    else:
        data = text.encode("gb18030")
    path.write_bytes(data)


def rewrite_as_chinese_export(folder: Path) -> None:
    for extract in BY_NAME.values():
        rel = f"{extract.system}/{extract.entity}"
        for path in sorted((folder / rel).glob("*.csv")):
            _rewrite(path, extract, rel)


@pytest.fixture(scope="module")
def chinese(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int, str]:
    from conftest import TEST_SCALE, TEST_SEED

    from dagster_project.generator import generate

    landing = tmp_path_factory.mktemp("chinese_landing")
    generate(landing, scale=TEST_SCALE, seed=TEST_SEED)
    rewrite_as_chinese_export(landing)
    config = company_config(tmp_path_factory.mktemp("chinese_config") / "company.yml")
    warehouse = tmp_path_factory.mktemp("chinese_wh") / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        for var in ("SPM_LANDING_DIR", "SPM_WAREHOUSE", "SPM_SOURCE_CONFIG", "SPM_AS_OF", "SPM_REPORTING_CURRENCY"):
            mp.setenv(var, "")
        common = ["--landing", str(landing), "--source-config", str(config)]
        check = io.StringIO()
        with contextlib.redirect_stdout(check):
            checked = cli.main(["check-sources", *common])
        assert checked == 0, check.getvalue()[-3000:]
        with contextlib.redirect_stdout(io.StringIO()):
            status = cli.main(["run", *common, "--warehouse", str(warehouse)])
    return landing, warehouse, status, check.getvalue()


def _digests(warehouse: Path) -> dict[str, str]:
    from dagster_project.db import connect, content_digests

    with connect(warehouse) as con:
        return content_digests(con, ["marts"], skip_columns=LINEAGE)


def test_the_files_really_are_chinese_gb18030_utf16_and_workbooks(chinese: tuple[Path, Path, int, str]) -> None:
    landing, _, _, _ = chinese
    opp = sorted((landing / "crm/opportunity").glob("*.csv"))[1].read_bytes()
    assert opp.startswith("编号,客户编号,负责人".encode("gb18030"))
    text = opp.decode("gb18030")
    assert re.search(r",\d{4}/\d{1,2}/\d{1,2},", text) and re.search(r'"\d{1,3}(,\d{3})+\.\d{2}"', text)
    assert ",是," in text
    assert (landing / "surveys/review_360").glob("*.csv").__next__().read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert len(list((landing / "finance/invoice").glob("*.xlsx"))) == 13
    assert not list((landing / "hr/employee").glob("*.csv"))


def test_a_chinese_export_builds_marts_equal_to_the_plain_folders(
    chinese: tuple[Path, Path, int, str], built_warehouse  # type: ignore[no-untyped-def]
) -> None:
    _, warehouse, status, _ = chinese
    assert status == 0
    plain, got = _digests(built_warehouse.warehouse), _digests(warehouse)
    assert len(plain) > 20 and set(got) == set(plain)
    assert {t: d for t, d in got.items() if plain[t] != d} == {}
    assert int(plain["marts.fct_bookings"].split(":")[0]) > 0  # not two empty warehouses


def test_the_load_log_names_each_encoding_and_the_quarantine_matches(
    chinese: tuple[Path, Path, int, str], built_warehouse  # type: ignore[no-untyped-def]
) -> None:
    _, warehouse, _, _ = chinese
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        read_as = dict(con.execute(
            "SELECT extract, min(split_part(message, '; ', -1)) FROM raw._load_log WHERE status = 'loaded' "
            "GROUP BY 1").fetchall())
        quarantined = con.execute("SELECT extract, count(*) FROM raw._quarantine GROUP BY 1 ORDER BY 1").fetchall()
    finally:
        con.close()
    assert read_as["crm__opportunity"] == "read as GB18030"
    assert read_as["surveys__csat_response"] == "read as UTF-16"
    assert read_as["finance__fx_rate"] == "read as UTF-8 with BOM"
    assert read_as["finance__invoice"] == "read from sheet '导出数据', header in row 1"
    assert read_as["hr__employee"] == "read from sheet '导出数据', header in row 2"
    plain = duckdb.connect(str(built_warehouse.warehouse), read_only=True)
    try:
        expected = plain.execute("SELECT extract, count(*) FROM raw._quarantine GROUP BY 1 ORDER BY 1").fetchall()
    finally:
        plain.close()
    assert quarantined == expected  # the generator's malformed rows, and only those, in both


def test_check_sources_reads_the_chinese_files_as_the_load_does(chinese: tuple[Path, Path, int, str]) -> None:
    out = chinese[3]
    assert "ok   hr/employee/employee_20241231.xlsx" in out and "FAIL" not in out
    assert "matched by name: invoice_id <- 发票编号" in out
    assert "matched by name: Id <- 编号, AccountId <- 客户编号" in out
