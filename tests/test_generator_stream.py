"""The streaming generator writes the same bytes the in-memory one did, and stays within its memory budget.

`spm generate` was rewritten to write extracts chunk by chunk (issue #11, "Scale 10"); users, tests and benchmarks
compare landing folders across versions, so the rewrite must not change a byte. The fixtures hold the sha256 of
every file the generator wrote at scale 0.02 and 0.1 (seed 42, and seed 7, the suite's landing) before it streamed,
and the row counts it returned; scale 1 and 5 were compared once by hand (identical).
A deliberate change of output must update them in its own commit, saying why.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from dagster_project.extracts import BY_NAME
from dagster_project.generator import accounts, generate, mess, people, pipeline
from dagster_project.generator.deliveries import deliveries, write_extract
from dagster_project.generator.table import Coded, Column, Derived, Table, materialize
from dagster_project.generator.timeline import DAY, END, END_SEC, NA, day, term_end

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).parent / "fixtures"


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("fixture", ["scale0.02_seed42", "scale0.1_seed42", "scale0.02_seed7"])
def test_output_is_byte_identical_to_the_recorded_generator(fixture: str, tmp_path: Path) -> None:
    """Seed 7 at 0.02 is the test suite's own landing (conftest), so the warehouse tests see the same data too."""
    expected = json.loads((FIXTURES / f"generator_sha256_{fixture}.json").read_text(encoding="utf-8"))
    counts = generate(tmp_path / "landing", expected["scale"], expected["seed"])
    got = _digests(tmp_path / "landing")
    assert sorted(got) == sorted(expected["files"]), "a file appeared or disappeared"
    changed = [name for name, digest in expected["files"].items() if got[name] != digest]
    assert not changed, f"{len(changed)} files changed, e.g. {changed[:5]}"
    assert counts == expected["counts"]


def test_a_contract_drafted_after_the_last_delivery_is_left_out() -> None:
    """Scale 10 (seed 42) drew a deal won at 23:5x on the data's last day; its contract's Draft version was stamped
    after the extract was cut and the generator failed. Such a contract is not in the CRM yet."""
    rng = np.random.default_rng(1)
    staff = people.build_staff(0.02, rng)
    accts = accounts.build_accounts(staff, 0.02, rng)
    start = np.array([day("2025-03-01"), END + 5], np.int64)
    won = np.array([day("2025-02-20") * DAY + 3 * 3600, END_SEC - 30], np.int64)  # the second: 15:59:29 UTC
    contracts = pipeline.Contracts(
        acc=np.array([0, 1]), start=start, end=term_end(start), term_day=np.full(2, NA, np.int64),
        abandoned=np.zeros(2, bool), won_sec=won, owner=accts.owner[:2], opp=np.array([-1, -1]),
    )
    table = pipeline.contract_table(contracts, accts, staff, np.random.default_rng(2))
    assert table.stamp.max() <= END_SEC
    assert set(materialize(table.cols["AccountId"])) == {accts.ids[0]}  # the first contract, all its versions
    assert sum(1 for _ in deliveries(table, "changes")) == 13


def _task_table(n: int) -> Table:
    """A small finalized task table with rows in the full delivery and in two monthly ones."""
    e = BY_NAME["crm__task"]
    days = np.array([day("2024-10-01"), day("2024-12-02"), day("2025-01-20"), day("2025-03-03")] * n)[:n]
    cols: dict[str, Column] = {
        c: np.array([f"{c} {i}, \"quoted\"" for i in range(n)], dtype=object) for c in e.generated_names
    }
    cols["Id"] = Derived(lambda seq: np.strings.add("00T", seq.astype(str)), np.arange(n))
    cols["Type"] = Coded(np.array(["Call", "Visit"], dtype=object), np.arange(n) % 2)
    cols["ActivityDate"] = days
    cols["CallDurationInSeconds"] = np.where(np.arange(n) % 3 == 0, NA, np.arange(n))
    del cols[e.change_stamp], cols[e.deleted_flag]
    return Table(e, cols, np.arange(n), days * DAY + 3_600).finalize()


def test_batches_are_invisible_in_the_files(tmp_path: Path) -> None:
    """Files written a row at a time equal files written at once (and a batch that is not a divisor changes
    nothing either): the batch size is a memory setting, never part of the output."""
    table = _task_table(11)
    whole = write_extract(tmp_path / "whole", table, batch_rows=1_000)
    assert whole == (11, 13)
    for batch in (1, 4):
        assert write_extract(tmp_path / f"by{batch}", table, batch_rows=batch) == whole
        assert _digests(tmp_path / f"by{batch}") == _digests(tmp_path / "whole")
    full = (tmp_path / "whole" / "crm" / "task" / "task_20241231.csv").read_text(encoding="utf-8").splitlines()
    assert len(full) == 1 + 6  # header and the six rows dated up to 2024-12-31
    assert full[1].startswith("00T0,")
    assert ',"AccountId 0, ""quoted""",' in full[1]


def test_coded_columns_read_as_their_values_and_refuse_stray_codes() -> None:
    values = np.array(["001A", "001B"], dtype="U4")
    coded = Coded.with_missing(values, np.array([1, -1, 0, 1]))
    assert materialize(coded).tolist() == ["001B", "", "001A", "001B"]
    assert materialize(coded[np.array([3, 1])]).tolist() == ["001B", ""]
    assert coded.codes.dtype == np.int8  # three values: one byte a row
    with pytest.raises(IndexError):
        Coded(values, np.array([0, 2]))


def test_deletes_refuse_a_table_out_of_the_mess_streams_order() -> None:
    """The deletes' draws depend on each table, so a table given its deletes out of order would silently change
    every later delete: refused, naming the one that is due."""
    with pytest.raises(ValueError, match="crm__opportunity is next"):
        mess.Deletes(np.random.default_rng(0)).tasks(_task_table(3))
