"""BI serving: the `marts` schema of a successful build published to PostgreSQL, with least-privilege roles."""

#: The setting that names the PostgreSQL database the marts are published to (`spm serve-bi --url` sets it for its
#: own process). Dagster's `bi_database` resource reads it as an EnvVar: the URL is in no run config or log.
URL_ENV = "SPM_BI_POSTGRES_URL"
