"""The learned encoder's per-frame backbones: a small strided CNN trained from scratch
(``"cnn"``), or a pretrained encoder loaded from a local folder of transformers weights — the
image encoder of SAM-2 (a ``sam2`` or ``sam2_video`` checkpoint) or the DINOv2 encoder of
Depth Anything (a ``depth_anything`` checkpoint). Pretrained encoders are frozen; a trained
1 × 1 projection brings their features to the network's width on its stride-8 grid."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from spatialcode.core.errors import SpatialCodeError, ValidationError

#: The feature stride of every backbone (image sides must be multiples of it).
STRIDE = 8


def check_backbone(kind: str, field: str) -> None:
    """Raise :class:`ValidationError` unless ``kind`` is ``"cnn"`` or an existing folder (``field`` names the setting)."""
    if kind != "cnn" and not Path(kind).is_dir():
        raise ValidationError(field, f"{kind!r} is neither 'cnn' nor a folder of pretrained weights (a SAM-2 or "
                                     "Depth Anything checkpoint saved by transformers)")


def build_backbone(kind: str, dim: int) -> nn.Module:
    """The backbone ``kind`` names (``"cnn"`` or a pretrained folder), mapping (N, 3, H, W) images
    in [0, 1] to (N, ``dim``, H/8, W/8) features."""
    if kind == "cnn":
        return SmallCNN(dim)
    return PretrainedBackbone(kind, dim)


class SmallCNN(nn.Sequential):
    """Three stride-2 stages of two 3 × 3 convolutions each (widths dim/4, dim/2, dim), trained from scratch."""

    def __init__(self, dim: int) -> None:
        layers: list[nn.Module] = []
        widths = [3, dim // 4, dim // 2, dim]
        for a, b in zip(widths, widths[1:]):
            layers += [nn.Conv2d(a, b, 3, stride=2, padding=1), nn.GroupNorm(1, b), nn.GELU(),
                       nn.Conv2d(b, b, 3, padding=1), nn.GroupNorm(1, b), nn.GELU()]
        super().__init__(*layers)


class PretrainedBackbone(nn.Module):
    """A frozen pretrained encoder from the folder ``path`` and a trained projection to ``dim``:
    SAM-2's image encoder reads the frames at their size rounded up to a multiple of 32 (its
    coarsest stride) and gives its stride-8 FPN level;
    Depth Anything's DINOv2 reads them resized so that its 14-pixel patches fall on the stride-8
    grid and gives its last feature map."""

    def __init__(self, path: str, dim: int) -> None:
        super().__init__()
        from transformers import AutoConfig, AutoModel, AutoModelForDepthEstimation
        from transformers.image_utils import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD

        check_backbone(path, "backbone")
        try:
            model_type = AutoConfig.from_pretrained(path).model_type
            if model_type in ("sam2", "sam2_video"):
                self.encoder, self.family = AutoModel.from_pretrained(path).vision_encoder, "sam2"
                width = self.encoder.config.fpn_hidden_size
            elif model_type == "depth_anything":
                self.encoder, self.family = AutoModelForDepthEstimation.from_pretrained(path).backbone, "dinov2"
                width = self.encoder.config.hidden_size
            else:
                raise SpatialCodeError(f"backbone {path}: a {model_type!r} checkpoint; expected SAM-2 (sam2, "
                                       "sam2_video) or Depth Anything (depth_anything)")
        except (OSError, ValueError) as err:
            raise SpatialCodeError(f"backbone {path}: cannot load it ({str(err).strip().splitlines()[0]})") from None
        self.encoder.requires_grad_(False)
        self.encoder.eval()
        self.project = nn.Conv2d(width, dim, 1)
        # both families were trained on ImageNet-normalised RGB in [0, 1]
        self.register_buffer("mean", torch.tensor(IMAGENET_DEFAULT_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_DEFAULT_STD).view(1, 3, 1, 1), persistent=False)

    def train(self, mode: bool = True) -> PretrainedBackbone:
        """Training mode for the projection only: the pretrained encoder stays in eval mode."""
        super().train(mode)
        self.encoder.eval()
        return self

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) in [0, 1] → (N, dim, H/8, W/8)."""
        grid = (images.shape[-2] // STRIDE, images.shape[-1] // STRIDE)
        pixels = (images - self.mean) / self.std
        with torch.no_grad():
            features = self._sam2(pixels) if self.family == "sam2" else self._dinov2(pixels, grid)
        if features.shape[-2:] != grid:
            features = nn.functional.interpolate(features, size=grid, mode="bilinear", align_corners=False)
        return self.project(features)

    def _sam2(self, pixels: torch.Tensor) -> torch.Tensor:
        height, width = (-(-side // 32) * 32 for side in pixels.shape[-2:])
        if (height, width) != pixels.shape[-2:]:
            pixels = nn.functional.interpolate(pixels, size=(height, width), mode="bilinear", align_corners=False)
        levels = self.encoder(pixels, return_dict=True).fpn_hidden_states  # high to low resolution: strides 4, 8, 16
        return levels[1] if len(levels) > 1 else levels[0]

    def _dinov2(self, pixels: torch.Tensor, grid: tuple[int, int]) -> torch.Tensor:
        patch = self.encoder.config.patch_size
        resized = nn.functional.interpolate(pixels, size=(grid[0] * patch, grid[1] * patch), mode="bilinear",
                                            align_corners=False)
        last = self.encoder(resized).feature_maps[-1]
        if last.dim() == 3:  # tokens (N, 1 + gh·gw, C): drop the class token, lay the patches on the grid
            last = last[:, 1:].transpose(1, 2).reshape(last.shape[0], last.shape[2], *grid)
        return last
