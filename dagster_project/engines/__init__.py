"""Moving the ingested raw tables to another engine (PostgreSQL, Spark) so the same dbt project builds there."""
