"""Dagster assets grouped by layer: ingest (raw), dbt (staging, intermediate, marts, config)."""
