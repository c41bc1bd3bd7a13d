"""Language-model backends behind one interface: prompts in, completions out."""

from spatialcode.reason.backends.base import Backend, Completion, Sampling
from spatialcode.reason.backends.cache import CachedBackend, ResponseCache
from spatialcode.reason.backends.openai_server import OpenAIServerBackend, ServerConfig
from spatialcode.reason.backends.transformers_local import TransformersBackend, TransformersConfig

__all__ = ["Backend", "CachedBackend", "Completion", "OpenAIServerBackend", "ResponseCache", "Sampling", "ServerConfig",
           "TransformersBackend", "TransformersConfig"]
