"""Who reads what on the BI database: the roles, the pay/salary declaration, the grants and the per-rep policy.

The one place that says which data is pay: `PAY_TABLES` (every column is pay) and `SALARY_COLUMNS` (salary inside
an otherwise shared mart). `check_declaration` refuses to publish when a column whose name looks like pay is in a
shared mart without being declared, or when a declared table or column no longer exists, so a new salary column
cannot reach BI readers by default.

Roles (created if missing, privileges re-applied at every publication; passwords are never touched):
  spm_bi_reader  LOGIN  every mart except the pay marts; `dim_sales_rep` without its salary column
  spm_payroll    LOGIN  the pay marts (statements and their lineage)
  spm_auditor    LOGIN  every mart, read-only
  spm_rep        group  a rep's own login is a member; sees only its own pay statement rows (row-level security
                        through `spm_security.rep_logins`, login -> employee_id)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from psycopg import Connection, sql

BI_READER = "spm_bi_reader"
PAYROLL = "spm_payroll"
AUDITOR = "spm_auditor"
REP = "spm_rep"
LOGIN_ROLES = (BI_READER, PAYROLL, AUDITOR)
ALL_ROLES = (*LOGIN_ROLES, REP)

#: Marts in which every column is pay: read by payroll and auditors only (and reps, their own statement rows).
PAY_TABLES = frozenset({"mart_pay_statement", "audit_payout_lineage"})
#: The pay statement: row-level security by employee_id for rep logins.
REP_TABLE = "mart_pay_statement"
#: Salary columns inside shared marts: every other column of the table is granted to spm_bi_reader.
SALARY_COLUMNS: Mapping[str, frozenset[str]] = {"dim_sales_rep": frozenset({"base_monthly_salary"})}
#: The publication marker (bi/serve.py): every role may read it.
MARKER_TABLE = "bi_publication"

SECURITY_SCHEMA = "spm_security"
_PAYLIKE = re.compile(r"salary|base_pay|pay_line|payout|bonus|commission|clawback|wage|compensation")


class SensitivityError(ValueError):
    """The pay declaration and the marts disagree: nothing is published."""


def check_declaration(columns: Mapping[str, Sequence[str]]) -> None:
    """Fail when a pay-looking column in a shared mart is undeclared, or a declared table/column is gone."""
    problems = []
    for table in sorted(PAY_TABLES - columns.keys()):
        problems.append(f"declared pay table marts.{table} is not in the marts")
    for table, salary in sorted(SALARY_COLUMNS.items()):
        missing = salary - set(columns.get(table, ()))
        problems += [f"declared salary column marts.{table}.{c} is not in the marts" for c in sorted(missing)]
    for table, names in sorted(columns.items()):
        if table in PAY_TABLES:
            continue
        declared = SALARY_COLUMNS.get(table, frozenset())
        problems += [
            f"marts.{table}.{c} looks like pay but is not declared (add it to SALARY_COLUMNS or PAY_TABLES)"
            for c in names
            if _PAYLIKE.search(c) and c not in declared
        ]
    if problems:
        raise SensitivityError("pay declaration in dagster_project/bi/access.py: " + "; ".join(problems))


def ensure_roles(con: Connection) -> None:
    """Create the roles, the login -> employee_id mapping and its lookup function when missing (idempotent)."""
    existing = {r[0] for r in con.execute("select rolname from pg_roles where rolname = any(%s)", [list(ALL_ROLES)])}
    for role in ALL_ROLES:
        if role not in existing:
            login = sql.SQL("LOGIN" if role in LOGIN_ROLES else "NOLOGIN")
            con.execute(sql.SQL("CREATE ROLE {} {}").format(sql.Identifier(role), login))
    schema = sql.Identifier(SECURITY_SCHEMA)
    con.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))
    con.execute(
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {}.rep_logins ("
            " login name PRIMARY KEY, employee_id text NOT NULL)"
        ).format(schema)
    )
    con.execute(
        sql.SQL("COMMENT ON TABLE {}.rep_logins IS {}").format(
            schema, sql.Literal("A rep's database login -> their employee_id: what the pay statement policy reads.")
        )
    )
    # SECURITY DEFINER: a rep resolves its own employee_id without being able to read the mapping table.
    con.execute(
        sql.SQL(
            "CREATE OR REPLACE FUNCTION {}.employee_id_of(login name) RETURNS text"
            " LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp"
            " AS $$ SELECT employee_id FROM {}.rep_logins WHERE rep_logins.login = $1 $$"
        ).format(schema, schema)
    )
    con.execute(sql.SQL("REVOKE ALL ON FUNCTION {}.employee_id_of(name) FROM PUBLIC").format(schema))
    con.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, sql.Identifier(REP)))
    con.execute(sql.SQL("GRANT EXECUTE ON FUNCTION {}.employee_id_of(name) TO {}").format(schema, sql.Identifier(REP)))


def apply_grants(con: Connection, schema: str, columns: Mapping[str, Sequence[str]]) -> None:
    """Grant each role its tables and columns in `schema` (freshly loaded, so nothing is granted yet) and put
    the per-rep policy on the pay statement. Runs inside the swap transaction."""
    schema_id = sql.Identifier(schema)
    roles = sql.SQL(", ").join(sql.Identifier(r) for r in ALL_ROLES)
    con.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema_id, roles))
    for table, names in sorted(columns.items()):
        target = sql.Identifier(schema, table)
        readers = [AUDITOR]
        if table == MARKER_TABLE:
            readers = list(ALL_ROLES)
        elif table in PAY_TABLES:
            readers.append(PAYROLL)
        elif table in SALARY_COLUMNS:
            granted = [c for c in names if c not in SALARY_COLUMNS[table]]
            con.execute(
                sql.SQL("GRANT SELECT ({}) ON {} TO {}").format(
                    sql.SQL(", ").join(sql.Identifier(c) for c in granted), target, sql.Identifier(BI_READER)
                )
            )
        else:
            readers.append(BI_READER)
        con.execute(
            sql.SQL("GRANT SELECT ON {} TO {}").format(target, sql.SQL(", ").join(sql.Identifier(r) for r in readers))
        )
    if REP_TABLE in columns:
        _rep_policy(con, sql.Identifier(schema, REP_TABLE))


def _rep_policy(con: Connection, table: sql.Composable) -> None:
    """Row-level security on the pay statement: payroll and auditors see every row, a rep login only the rows
    of the employee its login maps to (`current_user` is the querying login, evaluated outside the function)."""
    con.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(table, sql.Identifier(REP)))
    con.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(table))
    con.execute(
        sql.SQL("CREATE POLICY pay_statement_staff ON {} FOR SELECT TO {}, {} USING (true)").format(
            table, sql.Identifier(PAYROLL), sql.Identifier(AUDITOR)
        )
    )
    con.execute(
        sql.SQL(
            "CREATE POLICY pay_statement_own_rows ON {} FOR SELECT TO {}"
            " USING (employee_id = {}.employee_id_of(current_user))"
        ).format(table, sql.Identifier(REP), sql.Identifier(SECURITY_SCHEMA))
    )
