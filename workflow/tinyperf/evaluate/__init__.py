"""Host evaluation of the float and int8 models on the MLPerf evaluation files."""
