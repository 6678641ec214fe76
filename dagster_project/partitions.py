"""Period partitions. Dagster has no quarterly class; its maintainers use a cron every third month
(dagster-io/dagster#21863). A quarter's key is its first month, `2025-07` for 2025Q3 (see publish.py)."""

import dagster as dg

quarterly_partitions = dg.TimeWindowPartitionsDefinition(
    start="2023-01", cron_schedule="0 0 1 */3 *", fmt="%Y-%m", end_offset=1
)
monthly_partitions = dg.MonthlyPartitionsDefinition(start_date="2023-01-01", end_offset=1)
