"""Perception from RGB alone with pretrained models through Hugging Face transformers: metric
monocular depth (Depth Anything and other depth-estimation models), open-vocabulary detection
(OWLv2) with the VSI-Bench categories, segmentation of the detections (SAM) and their tracking
through the video (SAM-2). Weights come from a local folder or a hub id already in the cache;
nothing is downloaded by the tests, which use tiny randomly initialised configurations."""

from spatialcode.encode.pretrained.depth import DepthModelConfig, MonocularDepth, PredictedDepthSource
from spatialcode.encode.pretrained.detect import Box2D, DetectorConfig, OpenVocabularyDetector
from spatialcode.encode.pretrained.perception import PretrainedPerception, TrackingPerception
from spatialcode.encode.pretrained.segment import BoxPromptSegmenter, SegmenterConfig
from spatialcode.encode.pretrained.track import TrackedMask, TrackerConfig, VideoObjectTracker

__all__ = ["Box2D", "BoxPromptSegmenter", "DepthModelConfig", "DetectorConfig", "MonocularDepth", "OpenVocabularyDetector",
           "PredictedDepthSource", "PretrainedPerception", "SegmenterConfig", "TrackedMask", "TrackerConfig",
           "TrackingPerception", "VideoObjectTracker"]
