"""Firmware build: DUT protocol + board layer + generated model, compiled with the board's toolchain."""

from tinyperf.firmware.build import BuildResult, build_firmware

__all__ = ["BuildResult", "build_firmware"]
