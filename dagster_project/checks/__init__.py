"""Data-quality gates: Great Expectations suites run as Dagster asset checks (see gx_suites)."""
