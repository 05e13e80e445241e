"""Inference engines beside tinyperf's compiler: TFLM (reference kernels) and TFLM + CMSIS-NN, built from pinned,
verified sources into the same DUT firmware and board layer (config/engines.yaml)."""
