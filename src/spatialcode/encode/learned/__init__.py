"""The learned spatial encoder: a network that reads a clip of RGB frames (with camera poses and
intrinsics) and predicts the objects' 3D oriented boxes with labels, headings (which way each
faces, and whether it has a front) and the frames' dense depth, after the Spatial Code paper's
encoder — per-frame image features with temporal attention, depth features, cross-attention
fusion, a set-prediction 3D head (DETR-style, Hungarian matching) and a depth head. The backbones
here are small convolutional networks trained from scratch."""

from spatialcode.encode.learned.losses import LossWeights, match_boxes, spatial_encoder_loss
from spatialcode.encode.learned.model import EncoderNetConfig, SpatialEncoderNet

__all__ = ["EncoderNetConfig", "LossWeights", "SpatialEncoderNet", "match_boxes", "spatial_encoder_loss"]
