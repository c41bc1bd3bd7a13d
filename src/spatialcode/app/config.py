"""The web app's settings (``spatialcode serve``; ``--set key=value``, ``--config FILE.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from spatialcode.core.errors import ValidationError
from spatialcode.core.validation import check_field_types, check_whole_number, positive_number
from spatialcode.reason.registry import ReasonerConfig


@dataclass
class ServeConfig:
    """Where the app listens (``host``, default this machine only; ``port``), the folder of scenes
    it offers besides the demo scene (``scenes``: its ``*.json`` scene files and its sub-folders
    holding a ``scene.json``, e.g. ``render``/``demo`` outputs, shown with their ``video.mp4``), the
    largest upload in MB of a scene file (``max_scene_mb``) and of a video (``max_video_mb``), how a
    video is encoded (``video_preset``; ``video_settings``: encoder settings ``key=value`` as
    ``ask VIDEO --encode-set`` takes them; ``offline``: only models already in the Hugging Face
    cache; ``cache_dir``: the code cache, default as ``ask VIDEO``'s) and who answers
    (``reasoner``, the tree of ``ask``/``eval``)."""

    host: str = "127.0.0.1"
    port: int = 7860
    scenes: Path | None = None
    max_scene_mb: float = 4.0
    max_video_mb: float = 500.0
    video_preset: str = "fast"
    video_settings: tuple[str, ...] = ()
    offline: bool = False
    cache_dir: Path | None = None
    reasoner: ReasonerConfig = field(default_factory=ReasonerConfig)

    def __post_init__(self) -> None:
        check_field_types(self)
        check_whole_number(self.port, "port", minimum=1)
        if self.port > 65535:
            raise ValidationError("port", f"must be <= 65535, got {self.port}")
        positive_number(self.max_scene_mb, "max_scene_mb")
        positive_number(self.max_video_mb, "max_video_mb")
        if self.video_preset not in ("fast", "quality"):
            raise ValidationError("video_preset", f"expected fast or quality, got {self.video_preset!r}")

    @property
    def max_scene_bytes(self) -> int:
        """The largest scene file accepted, bytes."""
        return int(self.max_scene_mb * 2**20)

    @property
    def max_video_bytes(self) -> int:
        """The largest video accepted, bytes."""
        return int(self.max_video_mb * 2**20)
