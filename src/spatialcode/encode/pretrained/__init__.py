"""Perception from RGB alone with pretrained models through Hugging Face transformers: metric
monocular depth (Depth Anything and other depth-estimation models), open-vocabulary detection
(OWL-ViT, OWLv2) with the VSI-Bench categories, segmentation of the detections (SAM, or masks
from the box and the depth: :mod:`~.box_masks`) and their tracking through the video (SAM-2),
and the perception front ends built of them (:mod:`~.front_ends`), on the torch device of
:mod:`~.device`. Weights come from a local folder or a hub id in the cache; the encoding presets'
models are pinned to hub revisions and fetched once (:mod:`~.models`). Nothing is downloaded by
the tests, which use tiny randomly initialised configurations."""

from spatialcode.encode.pretrained.depth import DepthModelConfig, MonocularDepth, PredictedDepthSource
from spatialcode.encode.pretrained.detect import Box2D, DetectorConfig, OpenVocabularyDetector
from spatialcode.encode.pretrained.front_ends import DetectorSegmenterPerception, DetectorTrackerPerception
from spatialcode.encode.pretrained.segment import BoxPromptSegmenter, SegmenterConfig
from spatialcode.encode.pretrained.track import TrackedMask, VideoObjectTracker, VideoTrackerConfig

__all__ = [
    "Box2D",
    "BoxPromptSegmenter",
    "DepthModelConfig",
    "DetectorConfig",
    "DetectorSegmenterPerception",
    "DetectorTrackerPerception",
    "MonocularDepth",
    "OpenVocabularyDetector",
    "PredictedDepthSource",
    "SegmenterConfig",
    "TrackedMask",
    "VideoObjectTracker",
    "VideoTrackerConfig",
]
