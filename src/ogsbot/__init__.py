"""ogsbot: a GTP bridge for the Online-Go Server, its client library and a local emulator."""

from importlib.metadata import PackageNotFoundError, version

from loguru import logger

try:
    __version__ = version("ogsbot")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

# A library stays silent until its user enables it: logger.enable("ogsbot").
logger.disable("ogsbot")

__all__ = ["__version__"]
