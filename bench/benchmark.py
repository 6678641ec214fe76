"""Time and peak memory of `spm generate` and `spm run` (and a second, no-change run) at a given scale.

    python bench/benchmark.py --scale 1 [--workdir DIR] [--keep]

Each step runs as its own process so its peak resident memory (max RSS of the process tree's largest member,
as the kernel reports for children) is measured apart. Prints one line per step and exits non-zero if a step fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SPM = str(Path(sys.executable).parent / "spm")


#: Runs the command in a fresh process, so RUSAGE_CHILDREN covers only that command's process tree.
_WRAPPER = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(code)"
)


def measure(label: str, command: list[str], env: dict[str, str]) -> tuple[float, float]:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *command], env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    peak_mib = int(completed.stderr.strip().splitlines()[-1]) / 1024
    if completed.returncode != 0:
        print(completed.stdout[-3000:], completed.stderr[-3000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"{label} failed with exit code {completed.returncode}")
    print(f"{label:<28} {elapsed:8.1f} s   peak RSS {peak_mib:8.0f} MiB", flush=True)
    return elapsed, peak_mib


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="generator scale (default 1.0)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, help="where to write (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the landing folder and warehouse")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="spm-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    landing, warehouse = workdir / "landing", workdir / "warehouse.duckdb"
    shutil.rmtree(landing, ignore_errors=True)
    warehouse.unlink(missing_ok=True)
    env = {**os.environ, "SPM_LANDING_DIR": str(landing), "SPM_WAREHOUSE": str(warehouse),
           "GX_ANALYTICS_ENABLED": "false", "DAGSTER_DISABLE_TELEMETRY": "1"}
    print(f"benchmark at scale {args.scale} in {workdir} ({os.cpu_count()} cores)")
    measure(f"spm generate --scale {args.scale:g}", [SPM, "generate", "--scale", str(args.scale), "--seed",
                                                    str(args.seed), "--out", str(landing)], env)
    size = sum(p.stat().st_size for p in landing.rglob("*") if p.is_file()) / 2**20
    print(f"{'landing folder':<28} {size:8.0f} MiB")
    measure("spm run (first load)", [SPM, "run"], env)
    measure("spm run (nothing new)", [SPM, "run"], env)
    print(f"{'warehouse file':<28} {warehouse.stat().st_size / 2**20:8.0f} MiB")
    if not args.keep and not args.workdir:
        shutil.rmtree(workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
