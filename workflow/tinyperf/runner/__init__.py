"""The benchmark runner: drives any DUT that speaks the MLPerf Tiny protocol (performance and accuracy)."""
