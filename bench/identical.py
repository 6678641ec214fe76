"""Are two warehouses' marts the same? Table by table, for a refactoring that must not change a figure.

Why: issue 24 moved figures from the dashboard's Python into marts and changed how marts are materialised; "figures
unchanged" is a claim a reviewer should be able to rerun. Build a warehouse from generated data before the change
and one after (same landing folder, same as-of), then

    python bench/identical.py /tmp/before/warehouse.duckdb /tmp/after/warehouse.duckdb [--schema marts]
        [--files /tmp/before/dashboard /tmp/after/dashboard] [--skip-column _loaded_at --skip-column _load_id]

Each table of the schema present on both sides is compared on the columns both sides have (a column added on one
side is listed, not a failure: a new KPI column leaves the old ones unchanged), as a sorted multiset of rows read
exactly (DECIMAL as Decimal, DOUBLE bit for bit through repr), after checking the column types. A table only on one
side is listed as new or gone, not a failure. `--files` compares two folders file by file, byte for byte (the
dashboard HTML, exported statements). `--skip-column NAME` leaves a column out of every table's comparison (the raw
tables' `_loaded_at` and `_load_id` differ between any two loads). The exit code is 1 when any common table or file
differs, else 0.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import duckdb


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, dict[str, str]]:
    """Every table and view of the schema: its columns and their types."""
    rows = con.execute(
        "select table_name, column_name, data_type from information_schema.columns where table_schema = ? "
        "order by table_name, ordinal_position", [schema]).fetchall()
    tables: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, {})[column] = data_type
    return tables


def _digest(con: duckdb.DuckDBPyConnection, schema: str, table: str, columns: list[str]) -> tuple[int, str]:
    """Row count and a hash of the sorted rows (each value by repr: a DOUBLE that differs in its last bit differs)."""
    quoted = ", ".join(f'"{c}"' for c in columns)
    rows = con.execute(f'select {quoted} from "{schema}"."{table}"').fetchall()
    lines = sorted(repr(row) for row in rows)
    return len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()


def compare_warehouses(before: Path, after: Path, schema: str, skip: frozenset[str] = frozenset()) -> bool:
    with duckdb.connect(str(before), read_only=True) as old, duckdb.connect(str(after), read_only=True) as new:
        old_tables, new_tables = _tables(old, schema), _tables(new, schema)
        same = True
        for table in sorted(set(old_tables) | set(new_tables)):
            if table not in new_tables:
                print(f"{table:45} gone (only in {before.name} of {before.parent})")
                continue
            if table not in old_tables:
                print(f"{table:45} new ({len(new_tables[table])} columns)")
                continue
            common = [c for c in old_tables[table] if c in new_tables[table] and c not in skip]
            notes = []
            added = [c for c in new_tables[table] if c not in old_tables[table] and c not in skip]
            removed = [c for c in old_tables[table] if c not in new_tables[table] and c not in skip]
            if added:
                notes.append(f"new columns {', '.join(added)}")
            if removed:
                notes.append(f"columns gone {', '.join(removed)}")
            retyped = [c for c in common if old_tables[table][c] != new_tables[table][c]]
            if retyped:
                notes.append("types changed " + ", ".join(
                    f"{c} {old_tables[table][c]} -> {new_tables[table][c]}" for c in retyped))
            old_count, old_hash = _digest(old, schema, table, common)
            new_count, new_hash = _digest(new, schema, table, common)
            equal = old_hash == new_hash and not retyped and not removed
            same &= equal
            verdict = "equal" if equal else f"DIFFERENT ({old_count} -> {new_count} rows)"
            print(f"{table:45} {verdict}{' (' + '; '.join(notes) + ')' if notes else ''}")
        return same


def compare_folders(before: Path, after: Path) -> bool:
    """Every file under either folder, byte for byte; a file only on one side is a difference."""
    names = sorted({p.relative_to(before) for p in before.rglob("*") if p.is_file()}
                   | {p.relative_to(after) for p in after.rglob("*") if p.is_file()})
    different = [str(n) for n in names
                 if not (before / n).is_file() or not (after / n).is_file()
                 or (before / n).read_bytes() != (after / n).read_bytes()]
    print(f"{before} vs {after}: {len(names)} files, " + (
        "all byte-identical" if not different else f"{len(different)} DIFFERENT: {', '.join(different[:20])}"))
    return not different


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path, help="the warehouse built before the change (DuckDB file)")
    parser.add_argument("after", type=Path, help="the warehouse built after it")
    parser.add_argument("--schema", default="marts", help="schema to compare (default marts)")
    parser.add_argument("--files", nargs=2, type=Path, action="append", default=[], metavar=("BEFORE", "AFTER"),
                        help="also compare two folders byte for byte (repeatable)")
    parser.add_argument("--skip-column", action="append", default=[], metavar="NAME",
                        help="a column not compared in any table (repeatable), e.g. _loaded_at")
    args = parser.parse_args(argv)
    same = compare_warehouses(args.before, args.after, args.schema, frozenset(args.skip_column))
    for before, after in args.files:
        same &= compare_folders(before, after)
    print("identical" if same else "DIFFERENCES found")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
