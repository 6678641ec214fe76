"""Who reads what on the BI database: the roles, the classification of every published column, the grants, the
row-level security on pay and the DBA's one-time set-up.

The classification is declared once, beside each mart, in its dbt yml: `config.meta.bi_access` lists every column
of the mart under `shared` or `pay` (read here from the dbt manifest). A column of the warehouse that is listed
nowhere, a column listed twice or listed but absent, and a mart without a list stop the publication (fail closed):
a new pay column can never reach BI readers because its name did not look like pay.

Roles (created once by a DBA, `setup_sql`; the publisher needs no CREATEROLE):
  spm_bi_reader  LOGIN  every mart whose columns are all shared; `dim_sales_rep_shared` (no salary, versions that
                        differ only in salary merged) instead of `dim_sales_rep`
  spm_payroll    LOGIN  the pay marts (statements and their lineage)
  spm_auditor    LOGIN  every mart, read-only
  spm_rep        group  a rep's own login is a member; sees only its own pay statement rows (row-level security
                        through `spm_security.rep_logins`, login -> employee_id, resolved for `session_user` only)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from psycopg import Connection, sql

BI_READER = "spm_bi_reader"
PAYROLL = "spm_payroll"
AUDITOR = "spm_auditor"
REP = "spm_rep"
PUBLISHER = "spm_publisher"
LOGIN_ROLES = (BI_READER, PAYROLL, AUDITOR)
ALL_ROLES = (*LOGIN_ROLES, REP)
SHARED, PAY = "shared", "pay"
META_KEY = "bi_access"

#: The pay statement: row-level security by employee_id for rep logins.
REP_TABLE = "mart_pay_statement"
#: The publication marker (bi/serve.py): every role may read it.
MARKER_TABLE = "bi_publication"
MARKER_COLUMNS = ("publication_id", "published_at", "table_name", "row_count")
#: Shared views of marts that hold pay columns: name -> (mart, key, columns left out besides the pay ones). Rows of
#: one key that then look alike are merged (type-2 versions that differed only in salary), so a version boundary
#: cannot date a salary change. The mart itself goes to auditors only.
SHARED_VIEWS: Mapping[str, tuple[str, str, frozenset[str]]] = {
    "dim_sales_rep_shared": (
        "dim_sales_rep", "employee_id", frozenset({"version_no", "source_file", "source_sha256", "source_row"}),
    ),
}
SECURITY_SCHEMA = "spm_security"
#: Role attributes and memberships the publisher does not need; `spm serve-bi` warns when it has any.
EXCESS_ATTRIBUTES = ("rolsuper", "rolcreaterole", "rolcreatedb", "rolbypassrls")
EXCESS_MEMBERSHIPS = ("pg_execute_server_program", "pg_read_server_files", "pg_write_server_files")


class SensitivityError(ValueError):
    """The classification and the marts disagree: nothing is published."""


class SetupError(ValueError):
    """The roles or the security schema a DBA creates once are missing and the publisher may not create them."""


Classification = dict[str, dict[str, str]]  # table -> column -> SHARED | PAY


def read_classification(manifest: Path) -> dict[str, dict[str, list[str]]]:
    """`bi_access` of every model in the dbt manifest: model name -> {class: [columns]}."""
    if not manifest.is_file():
        raise SensitivityError(f"no dbt manifest at {manifest}: run `spm run` (or `dbt parse`) first; the column "
                               "classification is read from it")
    nodes = json.loads(manifest.read_text(encoding="utf-8")).get("nodes", {})
    out = {}
    for node in nodes.values():
        if node.get("resource_type") != "model":
            continue
        meta = {**node.get("meta", {}), **node.get("config", {}).get("meta", {})}
        if META_KEY in meta:
            out[node["name"]] = meta[META_KEY]
    return out


def classify(columns: Mapping[str, Sequence[str]], declared: Mapping[str, Mapping[str, Sequence[str]]]
             ) -> Classification:
    """Every column of every published mart -> its class, or SensitivityError naming every gap (fail closed)."""
    problems: list[str] = []
    out: Classification = {}
    for table, names in sorted(columns.items()):
        lists = declared.get(table)
        if not isinstance(lists, Mapping):
            problems.append(f"marts.{table} has no {META_KEY} in its dbt yml (config.meta)")
            continue
        where: dict[str, str] = {}
        for klass, listed in sorted(lists.items()):
            if klass not in (SHARED, PAY):
                problems.append(f"marts.{table}: unknown {META_KEY} class {klass!r} (use {SHARED} or {PAY})")
                continue
            for column in listed or ():
                if column in where:
                    problems.append(f"marts.{table}.{column} is classified twice")
                where[column] = klass
        problems += [f"marts.{table}.{c} is not classified as {SHARED} or {PAY} in {META_KEY}"
                     for c in names if c not in where]
        problems += [f"marts.{table}.{c} is classified in {META_KEY} but not in the marts"
                     for c in sorted(set(where) - set(names))]
        out[table] = {c: where[c] for c in names if c in where}
    if problems:
        raise SensitivityError("column classification (dbt yml meta.bi_access): " + "; ".join(problems))
    return out


def readers_of(table: str, classes: Mapping[str, str]) -> list[str]:
    """The roles granted SELECT on a served table, from its columns' classes."""
    if table == MARKER_TABLE:
        return list(ALL_ROLES)
    kinds = set(classes.values())
    if kinds == {SHARED}:
        return [BI_READER, AUDITOR]
    if kinds == {PAY}:
        return [PAYROLL, AUDITOR, *([REP] if table == REP_TABLE else [])]
    return [AUDITOR]  # mixed: BI readers read its shared view


def shared_view_sql(name: str, classes: Mapping[str, str], quote: Callable[[str], str]) -> tuple[str, list[str]]:
    """The DuckDB select of a shared view (`SHARED_VIEWS`) and its columns: pay and listed columns left out,
    consecutive rows of one key equal in every remaining column merged (valid_from the first, valid_to the last,
    is_current if any was)."""
    mart, key, left_out = SHARED_VIEWS[name]
    kept = [c for c, k in classes.items() if k == SHARED and c not in left_out]
    attrs = [c for c in kept if c not in (key, "valid_from", "valid_to", "is_current")]
    row = "hash(" + ", ".join(quote(c) for c in attrs) + ")"
    source = f"marts.{quote(mart)}"
    select = (
        f"with v as (select *, {row} as _h, lag({row}) over (partition by {quote(key)} order by valid_from) as _p"
        f" from {source}), g as (select *, sum(case when _p is not distinct from _h then 0 else 1 end)"
        f" over (partition by {quote(key)} order by valid_from rows unbounded preceding) as _g from v)"
        f" select {quote(key)}, min(valid_from) as valid_from, max(valid_to) as valid_to,"
        f" bool_or(is_current) as is_current, {', '.join(f'any_value({quote(c)}) as {quote(c)}' for c in attrs)}"
        f" from g group by {quote(key)}, _g order by 1, 2"
    )
    return select, [key, "valid_from", "valid_to", "is_current", *attrs]


def setup_sql(publisher: str = PUBLISHER, schema: str = "marts") -> str:
    """What a DBA runs once per database (docs/security.md): the roles, the publisher without CREATEROLE owning
    the served schema, the rep-login map and the one function a rep may call. Idempotent."""
    ident = lambda name: sql.Identifier(name).as_string(None)  # noqa: E731
    roles = [(r, "LOGIN" if r in LOGIN_ROLES else "NOLOGIN") for r in ALL_ROLES]
    roles.append((publisher, "LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB"))
    create = "\n".join(
        f"  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {sql.Literal(r).as_string(None)}) THEN"
        f" CREATE ROLE {ident(r)} {a}; END IF;"
        for r, a in roles
    )
    s, sec = ident(schema), ident(SECURITY_SCHEMA)
    return f"""-- spm BI set-up: run once per database as a DBA (a role with CREATEROLE), then set passwords
-- (ALTER ROLE ... PASSWORD) and publish as {publisher}, which needs no CREATEROLE.
DO $$ BEGIN
{create}
END $$;
CREATE SCHEMA IF NOT EXISTS {s} AUTHORIZATION {ident(publisher)};
CREATE SCHEMA IF NOT EXISTS {sec};
CREATE TABLE IF NOT EXISTS {sec}.rep_logins (login name PRIMARY KEY, employee_id text NOT NULL);
COMMENT ON TABLE {sec}.rep_logins IS 'A rep''s login -> their employee_id: what the pay statement policy reads.';
-- The old lookup answered for any login; CASCADE drops only the policies of older publications that used it.
DROP FUNCTION IF EXISTS {sec}.employee_id_of(name) CASCADE;
-- SECURITY DEFINER: a rep resolves its own employee_id (session_user: the login, which SET ROLE cannot change)
-- without reading the map, and cannot ask for another login's.
CREATE OR REPLACE FUNCTION {sec}.my_employee_id() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $f$ SELECT employee_id FROM {sec}.rep_logins WHERE rep_logins.login = session_user $f$;
REVOKE ALL ON FUNCTION {sec}.my_employee_id() FROM PUBLIC;
GRANT USAGE ON SCHEMA {s} TO {", ".join(ident(r) for r in ALL_ROLES)};
GRANT USAGE ON SCHEMA {sec} TO {ident(REP)}, {ident(publisher)};
GRANT EXECUTE ON FUNCTION {sec}.my_employee_id() TO {ident(REP)}, {ident(publisher)};
"""


def missing_setup(con: Connection, schema: str) -> list[str]:
    """What of the DBA's set-up is missing on this database (roles, schemas, the function), named."""
    existing = {r[0] for r in con.execute("select rolname from pg_roles where rolname = any(%s)", [list(ALL_ROLES)])}
    missing = [f"role {r}" for r in ALL_ROLES if r not in existing]
    for name in (schema, SECURITY_SCHEMA):
        if con.execute("select 1 from pg_namespace where nspname = %s", [name]).fetchone() is None:
            missing.append(f"schema {name}")
    if con.execute("select to_regprocedure(%s)", [f"{SECURITY_SCHEMA}.my_employee_id()"]).fetchone()[0] is None:
        missing.append(f"function {SECURITY_SCHEMA}.my_employee_id()")
    return missing


def excess_privileges(con: Connection) -> list[str]:
    """What the connected publisher holds beyond what publishing needs (it warns; a DBA should drop them)."""
    row = con.execute(f"select {', '.join(EXCESS_ATTRIBUTES)} from pg_roles where rolname = current_user").fetchone()
    names = {"rolsuper": "SUPERUSER", "rolcreaterole": "CREATEROLE", "rolcreatedb": "CREATEDB",
             "rolbypassrls": "BYPASSRLS"}
    held = [names[attr] for attr, on in zip(EXCESS_ATTRIBUTES, row or (), strict=True) if on]
    held += [r[0] for r in con.execute(
        "select rolname from pg_roles where rolname = any(%s) and pg_has_role(current_user, oid, 'MEMBER')",
        [list(EXCESS_MEMBERSHIPS)])]
    return held


def ensure_setup(con: Connection, schema: str, warn: Callable[[str], None]) -> None:
    """Check the DBA's set-up; a publisher that may create roles completes it itself (with a warning)."""
    missing = missing_setup(con, schema)
    if not missing:
        return
    can = con.execute("select rolsuper or rolcreaterole from pg_roles where rolname = current_user").fetchone()[0]
    if not can:
        raise SetupError(
            f"the BI set-up is incomplete on this database ({', '.join(missing)}): a DBA runs it once "
            "(`spm serve-bi --print-setup-sql`, docs/security.md); the publisher needs no CREATEROLE")
    warn(f"serve-bi: creating {', '.join(missing)} as the publisher; let a DBA do this once instead "
         "(docs/security.md)")
    user = con.execute("select current_user").fetchone()[0]
    con.execute(setup_sql(user, schema).encode())


def grant(con: Connection, schema: str, table: str, classes: Mapping[str, str]) -> None:
    """The declared grants of a table the publication just created (an existing table keeps the grants a DBA
    gave or revoked) and, on pay tables, row-level security forced on the owner too."""
    target = sql.Identifier(schema, table)
    readers = readers_of(table, classes)
    con.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(
        target, sql.SQL(", ").join(sql.Identifier(r) for r in readers)))
    if set(classes.values()) == {PAY}:
        pay_policies(con, target, rep=table == REP_TABLE)


def pay_policies(con: Connection, table: sql.Composable, rep: bool) -> None:
    """Row-level security on a pay table, forced (the owning publisher is bound by it too): payroll and auditors
    see every row, the publisher loads every row, a rep login only the rows of the employee its login maps to."""
    con.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(table))
    con.execute(sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(table))
    con.execute(sql.SQL("CREATE POLICY pay_staff ON {} FOR SELECT TO {}, {} USING (true)").format(
        table, sql.Identifier(PAYROLL), sql.Identifier(AUDITOR)))
    con.execute(sql.SQL("CREATE POLICY pay_publisher ON {} FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true)"
                        ).format(table))
    if rep:
        con.execute(sql.SQL(
            "CREATE POLICY pay_statement_own_rows ON {} FOR SELECT TO {} USING (employee_id = {}.my_employee_id())"
        ).format(table, sql.Identifier(REP), sql.Identifier(SECURITY_SCHEMA)))
