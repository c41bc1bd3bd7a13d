"""The package's version, read from its installed metadata (``version`` in pyproject.toml)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("spatialcode")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
