"""Cortex-M4 cycles of code run on qemu_m4: a QEMU plugin counts the executed blocks, the TRM's timings
(timing.py) and a board's flash fetch model (model.FetchModel) turn them into cycles."""
