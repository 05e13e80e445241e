"""Errors a user can act on. The CLI prints their message and exits 2; tracebacks are for bugs only."""


class TinyperfError(Exception):
    """Base of every error tinyperf raises on purpose: the message says what is wrong and what to do."""


class ConfigError(TinyperfError):
    """A configuration file or value is invalid."""


class DatasetError(TinyperfError):
    """A download, archive or dataset is unusable."""


class ModelError(TinyperfError):
    """A model cannot be trained, converted or compiled as asked."""


class BuildError(TinyperfError):
    """Firmware cannot be built, or does not fit the board."""


class DeviceError(TinyperfError):
    """The device under test misbehaved or cannot be reached."""


class HardwareMissing(TinyperfError):
    """A step needs hardware or a vendor tool that is absent; the message says what to attach or install."""
