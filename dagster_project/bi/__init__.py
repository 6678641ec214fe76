"""BI serving: the `marts` schema of a successful build published to PostgreSQL, with least-privilege roles."""
