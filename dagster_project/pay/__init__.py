"""Monthly pay statement tools over a built warehouse (docs/pay.md).

- `explain_pay(warehouse, employee_id, month)`: a readable derivation of every line of one statement, from the
  inputs down to the source rows (mart_pay_statement + audit_payout_lineage, read-only).
- `export_statements(warehouse, month, out_dir)`: one CSV and one XLSX per rep for payroll, byte-for-byte
  deterministic.

Both open the DuckDB file read-only and close it before returning (an open connection blocks dbt's writer,
docs/pitfalls.md 7).
"""

from __future__ import annotations

from dagster_project.pay.common import StatementNotFoundError, parse_month
from dagster_project.pay.explain import explain_pay
from dagster_project.pay.export import export_statements

__all__ = ["StatementNotFoundError", "explain_pay", "export_statements", "parse_month"]
