"""The landing contract of docs/sources.md, written once as data.

The generator writes these columns, the ingest validates against them, and the dbt sources name the same raw
tables, so a column added here is added everywhere. Validation rules are deliberately declarative: ingest turns
each rule into one SQL predicate so a whole file is checked by DuckDB in a single pass, not row by row in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["str", "date", "timestamp", "decimal", "int", "bool", "enum", "month", "cycle"]

TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})?$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"
INT_PATTERN = r"^-?\d+$"
BOOL_VALUES = ("true", "false", "1", "0")
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
CYCLE_PATTERN = r"^\d{4}Q[1-4]$"


@dataclass(frozen=True)
class Column:
    """One column of an extract and what a valid value looks like."""

    name: str
    kind: Kind = "str"
    required: bool = False
    values: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    hint: str = ""
    """Appended to a failed value check, e.g. which source-configuration map to extend."""
    generated: bool = True
    """False for a column real exports carry but the generator does not write (its files stay as they were)."""
    required_when_closed: bool = False
    """Required only on a closed deal (IsClosed true): an open deal may not have a CloseDate or CreatedDate yet."""
    date_order: str = ""
    """For a date or timestamp column: `day_first` or `month_first` for `D-M-YYYY` values, as one file's values or
    the source configuration settle it at ingest (ingest/values.py); empty while nothing has."""


@dataclass(frozen=True)
class Extract:
    """One entity delivered by one source system."""

    system: str
    entity: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    change_stamp: str
    deleted_flag: str
    optional: bool = False
    description: str = ""
    generated: bool = True
    """False for an extract `spm generate` does not write (the annual plan YAML: docs/planning.md)."""
    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_names", tuple(c.name for c in self.columns))

    @property
    def generated_names(self) -> tuple[str, ...]:
        """The columns the generator writes, in contract order."""
        return tuple(c.name for c in self.columns if c.generated)

    @property
    def name(self) -> str:
        """`crm__opportunity`: the raw table name and the Dagster asset name."""
        return f"{self.system}__{self.entity}"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name: str, kind: Kind = "str", required: bool = False, *values: str, **limits: float) -> Column:
    return Column(name, kind, required, tuple(values), limits.get("minimum"), limits.get("maximum"))


def _crm_tail() -> tuple[Column, ...]:
    return (_c("IsDeleted", "bool"), _c("SystemModstamp", "timestamp", True))


def _erp_tail() -> tuple[Column, ...]:
    return (_c("is_deleted", "bool"), _c("updated_at", "timestamp", True))


def _crm(entity: str, cols: tuple[Column, ...], **kw: object) -> Extract:
    return Extract("crm", entity, (*cols, *_crm_tail()), ("Id",), "SystemModstamp", "IsDeleted", **kw)  # type: ignore[arg-type]


def _erp(system: str, entity: str, cols: tuple[Column, ...], key: tuple[str, ...], **kw: object) -> Extract:
    return Extract(system, entity, (*cols, *_erp_tail()), key, "updated_at", "is_deleted", **kw)  # type: ignore[arg-type]


STAGES = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Proposal",
    "Negotiation",
    "Closed Won",
    "Closed Lost",
)
COMPETENCIES = (
    "needs_discovery",
    "negotiation",
    "product_knowledge",
    "digital_tools",
    "collaboration",
    "knowledge_sharing",
)
JOB_LEVELS = ("Sales Rep", "Senior Sales Rep", "Sales Supervisor", "Sales Manager")
TASK_TYPES = ("Call", "Visit", "Email", "Meeting", "Demo", "Proposal")

EXTRACTS: tuple[Extract, ...] = (
    _crm(
        "account",
        (
            _c("Id", required=True),
            _c("Name"),
            _c("AccountNumber"),
            _c("OwnerId"),
            _c("Industry"),
            _c("Customer_Tier__c", "enum", False, "A", "B", "C"),
            _c("Type", "enum", False, "Prospect", "Customer", "Former Customer"),
            _c("CreatedDate", "timestamp"),
        ),
        description="CRM accounts (customers and prospects).",
    ),
    _crm(
        "opportunity",
        (
            _c("Id", required=True),
            _c("AccountId"),
            _c("OwnerId", required=True),
            _c("Name"),
            _c("Type", "enum", False, "New Business", "Existing Business", "Renewal"),
            _c("StageName", "enum", True, *STAGES),
            _c("Amount", "decimal", minimum=0),
            _c("CurrencyIsoCode", required=True),
            Column("CloseDate", "date", required_when_closed=True),
            Column("CreatedDate", "timestamp", required_when_closed=True),
            _c("IsClosed", "bool", True),
            _c("IsWon", "bool", True),
            _c("Product_Line__c"),
            _c("LeadSource"),
            Column("Probability", "decimal", False, (), 0, 100, generated=False),
        ),
        description="CRM opportunities (deals).",
    ),
    Extract(
        "crm",
        "opportunity_history",
        (
            _c("Id", required=True),
            _c("OpportunityId", required=True),
            _c("StageName", "enum", True, *STAGES),
            _c("Amount", "decimal", minimum=0),
            _c("CloseDate", "date"),
            _c("CreatedDate", "timestamp", True),
            _c("IsDeleted", "bool"),
        ),
        key=("Id",),
        change_stamp="CreatedDate",
        deleted_flag="IsDeleted",
        description="One row per stage change of an opportunity.",
    ),
    _crm(
        "contract",
        (
            _c("Id", required=True),
            _c("AccountId", required=True),
            _c("OwnerId"),
            _c("StartDate", "date", True),
            _c("EndDate", "date", True),
            _c("Status", "enum", True, "Draft", "Activated", "Expired", "Terminated"),
            _c("ContractTerm", "int", minimum=0),
        ),
        description="Customer contracts; coverage drives retention.",
    ),
    _crm(
        "lead",
        (
            _c("Id", required=True),
            _c("OwnerId"),
            _c("Status", "enum", True, "Open", "Working", "Qualified", "Unqualified", "Converted"),
            _c("Rating", "enum", False, "A", "B", "C"),
            _c("LeadSource"),
            _c("CreatedDate", "timestamp", True),
            _c("IsConverted", "bool"),
            _c("ConvertedDate", "date"),
            _c("ConvertedAccountId"),
            _c("ConvertedOpportunityId"),
        ),
        description="CRM leads.",
    ),
    _crm(
        "task",
        (
            _c("Id", required=True),
            _c("OwnerId", required=True),
            _c("AccountId"),
            _c("WhatId"),
            _c("Type", "enum", True, *TASK_TYPES),
            _c("Subject"),
            _c("ActivityDate", "date", True),
            _c("Status", required=True),
            _c("CallDurationInSeconds", "int", minimum=0),
        ),
        description="CRM activities (calls, visits, ...).",
    ),
    _crm(
        "event",
        (
            _c("Id", required=True),
            _c("OwnerId", required=True),
            _c("AccountId"),
            _c("WhatId"),
            _c("Type", "enum", False, *TASK_TYPES),
            _c("Subject"),
            _c("ActivityDate", "date", True),
            _c("DurationInMinutes", "int", minimum=0),
        ),
        optional=True,
        description="CRM calendar events (meetings, visits, demos); a past event counts as a done activity.",
    ),
    _crm(
        "opportunity_split",
        (
            _c("Id", required=True),
            _c("OpportunityId", required=True),
            _c("SplitOwnerId", required=True),
            _c("SplitPercentage", "decimal", True, minimum=0, maximum=100),
        ),
        optional=True,
        description="Revenue credit shared between reps (optional extract).",
    ),
    _erp(
        "finance",
        "invoice",
        (
            _c("invoice_id", required=True),
            _c("invoice_number"),
            _c("document_type", "enum", True, "INV", "CRN"),
            _c("original_invoice_id"),
            _c("customer_number", required=True),
            _c("opportunity_id"),
            _c("salesperson_employee_id"),
            _c("invoice_date", "date", True),
            _c("due_date", "date", True),
            _c("payment_terms_days", "int", True, minimum=0),
            _c("currency", required=True),
            _c("net_amount", "decimal", minimum=0),
            _c("tax_amount", "decimal", minimum=0),
            _c("gross_amount", "decimal", True, minimum=0),
            _c("status", "enum", True, "OPEN", "PARTIAL", "PAID", "VOID"),
        ),
        ("invoice_id",),
        description="Accounts-receivable invoices and credit notes.",
    ),
    _erp(
        "finance",
        "payment",
        (
            _c("payment_id", required=True),
            _c("invoice_id"),
            _c("customer_number"),
            _c("payment_date", "date", True),
            _c("amount", "decimal", True),
            _c("currency", required=True),
            _c("method"),
        ),
        ("payment_id",),
        description="Customer payments; a reversal has a negative amount.",
    ),
    Extract(
        "finance",
        "fx_rate",
        (
            _c("rate_month", "month", True),
            _c("currency", required=True),
            _c("rate_to_reporting", "decimal", True, minimum=0),
            _c("updated_at", "timestamp", True),
        ),
        key=("rate_month", "currency"),
        change_stamp="updated_at",
        deleted_flag="",
        description="Monthly average FX rates to CNY.",
    ),
    _erp(
        "hr",
        "employee",
        (
            _c("employee_id", required=True),
            _c("crm_user_id"),
            _c("full_name"),
            _c("email"),
            _c("team_id", required=True),
            _c("team_name"),
            _c("region"),
            _c("manager_employee_id"),
            _c("job_level", "enum", True, *JOB_LEVELS),
            _c("hire_date", "date", True),
            _c("termination_date", "date"),
            _c("base_monthly_salary", "decimal", True, minimum=0),
            _c("currency", required=True),
        ),
        ("employee_id",),
        description="Employees; every version is kept (type-2 history).",
    ),
    _erp(
        "hr",
        "training",
        (
            _c("training_id", required=True),
            _c("employee_id", required=True),
            _c("course_name"),
            _c("completed_date", "date"),
            _c("hours", "decimal", minimum=0),
            _c("passed", "bool"),
            _c("certification"),
        ),
        ("training_id",),
        description="Training completions.",
    ),
    _erp(
        "planning",
        "target",
        (
            _c("employee_id", required=True),
            _c("period_month", "month", True),
            _c("metric", "enum", True, "revenue", "new_customers"),
            _c("target_value", "decimal", True, minimum=0),
        ),
        ("employee_id", "period_month", "metric"),
        description="Monthly targets per rep.",
    ),
    _erp(
        "planning",
        "plan",
        (
            _c("plan_year", "int", True, minimum=2000, maximum=2999),
            _c("scope", "enum", True, "company", "region", "team", "rep", "product_line", "customer_tier", "policy"),
            _c("scope_value", required=True),
            _c("metric", required=True),
            _c("period", required=True),
            _c("target_value", "decimal", True, minimum=0),
            _c("effective_from", "date", True),
        ),
        ("plan_year", "scope", "scope_value", "metric", "period", "effective_from"),
        optional=True,
        generated=False,
        description="The annual plan: company targets, their optional splits and the policy targets (one YAML a year).",
    ),
    _erp(
        "surveys",
        "csat_response",
        (
            _c("response_id", required=True),
            _c("account_id"),
            _c("employee_id"),
            _c("survey_date", "date", True),
            _c("solution_fit", "decimal", minimum=0, maximum=100),
            _c("response_speed", "decimal", minimum=0, maximum=100),
            _c("problem_resolution", "decimal", minimum=0, maximum=100),
            _c("overall_score", "decimal", True, minimum=0, maximum=100),
            _c("channel", "enum", False, "questionnaire", "wecom", "phone"),
            Column("nps_score", "int", False, (), 0, 10, generated=False),
        ),
        ("response_id",),
        description="Customer satisfaction survey answers.",
    ),
    _erp(
        "surveys",
        "review_360",
        (
            _c("review_id", required=True),
            _c("cycle", "cycle", True),
            _c("reviewee_employee_id", required=True),
            _c("reviewer_type", "enum", True, "self", "manager", "customer", "peer"),
            _c("reviewer_id"),
            _c("competency", "enum", True, *COMPETENCIES),
            _c("score", "decimal", True, minimum=1, maximum=5),
            _c("submitted_at", "timestamp"),
        ),
        ("review_id",),
        description="360-degree review scores.",
    ),
    _crm(
        "case",
        (
            _c("Id", required=True),
            _c("CaseNumber"),
            _c("AccountId"),
            _c("OwnerId"),
            _c("Type"),
            _c("Reason"),
            _c("Priority", required=True),
            _c("Status"),
            _c("Origin"),
            _c("CreatedDate", "timestamp", True),
            _c("First_Response__c", "timestamp"),
            _c("IsClosed", "bool"),
            _c("ClosedDate", "timestamp"),
        ),
        optional=True,
        description="Service cases (Salesforce Case): complaints, problems, questions; response and resolution times.",
    ),
    _crm(
        "order",
        (
            _c("Id", required=True),
            _c("OrderNumber"),
            _c("AccountId", required=True),
            _c("OpportunityId"),
            _c("ContractId"),
            _c("OwnerId"),
            _c("Status", required=True),
            _c("EffectiveDate", "date", True),
            _c("ActivatedDate", "timestamp"),
        ),
        optional=True,
        description="Deliveries (Salesforce Order, or an ERP shipment mapped onto it): the start of follow-up duty.",
    ),
    _erp(
        "surveys",
        "service_survey",
        (
            _c("response_id", required=True),
            _c("account_id"),
            _c("employee_id"),
            _c("case_id"),
            _c("survey_date", "date", True),
            _c("nps_score", "int", True, minimum=0, maximum=10),
            _c("resolution_satisfaction", "decimal", minimum=0, maximum=100),
        ),
        ("response_id",),
        optional=True,
        description="Service surveys: the NPS question (0-10) and, after a closed case, resolution satisfaction.",
    ),
    _erp(
        "product",
        "usage",
        (
            _c("account_id", required=True),
            _c("usage_month", "month", True),
            _c("active_users", "int", minimum=0),
            _c("sessions", "int", minimum=0),
        ),
        ("account_id", "usage_month"),
        optional=True,
        description="Product usage per account and month (optional): the usage of the customer health report.",
    ),
    _erp(
        "finance",
        "expense",
        (
            _c("expense_id", required=True),
            _c("employee_id", required=True),
            _c("expense_date", "date", True),
            _c("category", required=True),
            _c("amount", "decimal", True),
            _c("currency", required=True),
        ),
        ("expense_id",),
        description="Sales expense lines (Concur / ERP expense reports): the cost of sales.",
    ),
)

BY_NAME: dict[str, Extract] = {e.name: e for e in EXTRACTS}

REQUIRED_TO_RUN: dict[str, str] = {
    "hr__employee": "every rep, team, target and pay line is credited to an employee of the HR roster",
    "crm__opportunity": "bookings, the funnel, win rates and every pay line start from deals",
}
"""Extracts a run cannot go without, and why: `spm run` stops before ingest and dbt when one has no delivery file,
and `spm check-sources` exits non-zero."""

METRICS_FED_BY: dict[str, tuple[str, ...]] = {
    "crm__opportunity_history": ("entered", "advanced", "conversion_rate"),
    "finance__invoice": (
        "receivable_due", "collected", "collected_on_time", "collection_rate", "on_time_rate", "collection_target",
        "dso", "ar_aging",
    ),
    "finance__payment": ("collected", "collected_on_time", "collection_rate", "on_time_rate"),
    "planning__target": ("revenue_target", "attainment", "new_customers_target"),
    "hr__training": ("learning_hours", "certifications"),
    "surveys__csat_response": ("csat_score", "csat_responses", "at_risk", "referral_candidate"),
    "surveys__review_360": ("review_360_score", "collaboration_score"),
    "crm__case": ("first_response_rate", "median_response_hours", "complaint_resolution_rate"),
    "crm__order": ("deliveries", "followup_in_time_rate"),
    "surveys__service_survey": ("nps", "resolution_satisfaction"),
    "product__usage": ("active_users", "usage_score"),
    "finance__expense": ("expenses", "expense_ratio"),
}
"""Optional extracts -> the metrics (docs/metrics.md) that cannot be computed without them. A run without one of
them goes on; its summary lists these metrics as unavailable (they are null, never zero)."""

