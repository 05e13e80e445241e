"""Training of the MLPerf Tiny reference architectures with the reference recipes (task profiles)."""
