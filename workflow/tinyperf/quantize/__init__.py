"""Full-int8 quantization: post-training (the MLPerf recipe) or quantization-aware training (tfmot)."""
