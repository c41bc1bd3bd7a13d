"""Perception from RGB alone with pretrained models through Hugging Face transformers: metric
monocular depth (Depth Anything and other depth-estimation models), open-vocabulary detection
(OWLv2) with the VSI-Bench categories, segmentation of the detections (SAM) and their tracking
through the video (SAM-2), and the perception front ends built of them (:mod:`~.front_ends`). Weights come from a local folder or a hub id already in the cache;
nothing is downloaded by the tests, which use tiny randomly initialised configurations."""

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
