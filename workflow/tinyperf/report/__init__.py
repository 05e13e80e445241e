"""Results people can read: the summary table (pandas) and the report's plots (matplotlib)."""
