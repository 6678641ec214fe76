"""The streaming generator writes the same bytes the in-memory one did, and stays within its memory budget.

`spm generate` was rewritten to write extracts chunk by chunk (issue #11, "Scale 10"); users, tests and benchmarks
compare landing folders across versions, so the rewrite must not change a byte. The fixtures hold the sha256 of
every file the generator wrote at scale 0.02 and 0.1 (seed 42) before it streamed, and the row counts it returned.
A deliberate change of output must update them in its own commit, saying why.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from dagster_project.generator import generate

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).parent / "fixtures"


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("scale", ["0.02", "0.1"])
def test_output_is_byte_identical_to_the_recorded_generator(scale: str, tmp_path: Path) -> None:
    expected = json.loads((FIXTURES / f"generator_sha256_scale{scale}_seed42.json").read_text(encoding="utf-8"))
    counts = generate(tmp_path / "landing", float(scale), expected["seed"])
    got = _digests(tmp_path / "landing")
    assert sorted(got) == sorted(expected["files"]), "a file appeared or disappeared"
    changed = [name for name, digest in expected["files"].items() if got[name] != digest]
    assert not changed, f"{len(changed)} files changed, e.g. {changed[:5]}"
    assert counts == expected["counts"]
