"""The MLPerf Tiny submission tree of a run, and a checker of such trees."""
