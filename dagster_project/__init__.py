"""Sales performance warehouse: Dagster assets, dbt marts and quality gates over CRM and finance extracts."""
