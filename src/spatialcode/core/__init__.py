"""The small shared core every layer may use: errors (:mod:`.errors`), input validation
(:mod:`.validation`), bounded JSON input (:mod:`.json_input`), config dataclasses from YAML +
overrides (:mod:`.config`), lazy package exports (:mod:`.lazy`) and the package version
(:mod:`.version`). Imports nothing else of spatialcode; its names are imported on first use."""

from spatialcode.core.lazy import lazy_exports

_EXPORTS = {
    "InputFileError": "spatialcode.core.errors",
    "SpatialCodeError": "spatialcode.core.errors",
    "ValidationError": "spatialcode.core.errors",
    "build_config": "spatialcode.core.config",
    "config_dict": "spatialcode.core.config",
    "load_config": "spatialcode.core.config",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
