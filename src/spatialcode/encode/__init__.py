"""The encoder: video / RGB-D frames → perception → lifting → tracking → fusion → box fitting →
SpatialCode."""

from spatialcode.encode.frames import Frame, FrameSource, RenderFolderSource, sample_stride
from spatialcode.encode.perception import Detection, GroundTruthPerception, Perception, PerceptionOutput
from spatialcode.encode.sources import RGBDFolderSource, VideoSidecarSource, open_source

__all__ = [
    "Detection",
    "Frame",
    "FrameSource",
    "GroundTruthPerception",
    "Perception",
    "PerceptionOutput",
    "RGBDFolderSource",
    "RenderFolderSource",
    "VideoSidecarSource",
    "open_source",
    "sample_stride",
]
