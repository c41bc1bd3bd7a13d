"""Tiny randomly initialised vision models saved as local model folders, for the pretrained
perception providers' tests (no downloads; they predict noise, fast)."""

from __future__ import annotations

from pathlib import Path


def make_tiny_depth_model(out: Path, metric: bool = True) -> str:
    """A Depth Anything model (DINOv2 backbone of width 16, 4 layers) with its image processor
    (28 × 28 inputs), metric (depth up to 10 m) or relative, saved to ``out``; returns its path."""
    import torch
    from transformers import DepthAnythingConfig, DepthAnythingForDepthEstimation, Dinov2Config
    from transformers.models.dpt.image_processing_pil_dpt import DPTImageProcessorPil

    torch.manual_seed(0)
    backbone = Dinov2Config(hidden_size=16, num_hidden_layers=4, num_attention_heads=2, intermediate_size=32,
                            patch_size=14, image_size=28, out_features=["stage1", "stage2", "stage3", "stage4"],
                            reshape_hidden_states=False)
    config = DepthAnythingConfig(backbone_config=backbone, reassemble_hidden_size=16, neck_hidden_sizes=[8, 8, 16, 16],
                                 fusion_hidden_size=8, head_hidden_size=8,
                                 depth_estimation_type="metric" if metric else "relative", max_depth=10)
    DepthAnythingForDepthEstimation(config).save_pretrained(out)
    DPTImageProcessorPil(size={"height": 28, "width": 28}, keep_aspect_ratio=False, ensure_multiple_of=14).save_pretrained(out)
    return str(out)
