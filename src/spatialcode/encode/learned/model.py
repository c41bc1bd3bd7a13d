"""The network of the learned spatial encoder (:class:`SpatialEncoderNet`).

Input: a clip of ``T`` frames — ``images`` (B, T, 3, H, W) in [0, 1], ``rays`` (B, T, 6, H/s, W/s):
for each feature cell the camera centre and the viewing direction in the world frame (m), from
the poses and intrinsics (:func:`ray_grid`) — the network needs no depth input.

1. An image backbone and a depth backbone (small strided CNNs trained from scratch, or frozen
   pretrained SAM-2 / Depth Anything encoders: :mod:`spatialcode.encode.learned.backbones`;
   stride ``s`` = 8) turn each frame into a grid of feature tokens.
2. Temporal attention: each image token attends to the tokens at its cell in the clip's other
   frames.
3. Fusion: each frame's image tokens attend (cross-attention) to its depth tokens.
4. Depth head: metric depth (B, T, H, W) from the fused tokens (upsampled, softplus).
5. 3D head, two-stage as in Deformable DETR: each fused token is tagged with a positional
   embedding of its world ray and of the 3D point its predicted depth puts on that ray; a token
   head scores the category each token sees; the ``num_queries`` tokens most likely to see an
   object, local peaks first (:func:`slot_tokens`), become the box slots (their features plus a
   learned embedding per rank), which attend to all tokens of the clip in a transformer decoder;
   each slot predicts class logits (the categories + "no object"), the box centre as an offset
   (m, world frame) from its token's 3D point, log size (m, along the box's own axes), its
   heading as 3D detectors predict it (VoteNet, ImVoteNet: logits over ``heading_bins`` equal
   bins of [0, 2π) and a normalised residual per bin, :mod:`spatialcode.encode.learned.heading`;
   the box's yaw, whose +x axis is the object's front) and a logit of whether the object has a
   front.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.core.validation import check_whole_number
from spatialcode.encode.learned.backbones import STRIDE, build_backbone, check_backbone


@dataclass(frozen=True)
class EncoderNetConfig:
    """Sizes of :class:`SpatialEncoderNet`: ``num_classes`` categories (plus "no object";
    ``None`` in a training config: the vocabulary's size), ``dim`` token width, ``heads``
    attention heads, ``temporal_layers`` / ``decoder_layers`` transformer layers,
    ``num_queries`` box slots per clip, ``max_depth`` (m) the depth head's range;
    ``peak_slots``: slots start at local maxima of each frame's objectness first (else simply at
    the most object-like tokens, which crowd onto the largest object); ``heading_bins``: equal
    bins of [0, 2π) the heading is classified into (a multiple of 4, so that the room-aligned
    yaws are bin centres);
    ``image_backbone`` / ``depth_backbone``: ``"cnn"`` (trained from scratch) or a folder of
    pretrained SAM-2 / Depth Anything weights (frozen); the feature stride is 8 (image sides must
    be multiples of 8)."""

    num_classes: int | None = None
    dim: int = 128
    heads: int = 4
    temporal_layers: int = 1
    decoder_layers: int = 3
    num_queries: int = 32
    max_depth: float = 10.0
    image_backbone: str = "cnn"
    depth_backbone: str = "cnn"
    peak_slots: bool = True
    heading_bins: int = 12

    def __post_init__(self) -> None:
        check_whole_number(self.num_classes, "num_classes", optional=True)
        for name in ("dim", "heads", "temporal_layers", "decoder_layers", "num_queries", "heading_bins"):
            check_whole_number(getattr(self, name), name)
        if self.heading_bins % 4:
            raise ValidationError("heading_bins", f"must be a multiple of 4, got {self.heading_bins}")
        if self.dim % self.heads:
            raise ValidationError("dim", f"must be a multiple of heads ({self.heads}), got {self.dim}")
        if not self.max_depth > 0:
            raise ValidationError("max_depth", f"must be > 0, got {self.max_depth}")
        check_backbone(self.image_backbone, "image_backbone")
        check_backbone(self.depth_backbone, "depth_backbone")


class SpatialEncoderNet(nn.Module):
    """See the module docstring; ``forward`` returns a dict of ``logits`` (B, Q, C + 1),
    ``centres`` (B, Q, 3) m, ``log_sizes`` (B, Q, 3), ``heading_logits`` (B, Q, K) over the
    ``heading_bins`` K, ``heading_residuals`` (B, Q, K) in [-1, 1], ``front_logits`` (B, Q),
    ``token_logits`` (B, T·H/8·W/8, C + 1) and ``depth`` (B, T, H, W) m."""

    def __init__(self, config: EncoderNetConfig) -> None:
        super().__init__()
        if config.num_classes is None:
            raise ValidationError("num_classes", "the network needs its number of categories")
        self.config = config
        d = config.dim
        self.image_backbone = build_backbone(config.image_backbone, d)
        self.depth_backbone = build_backbone(config.depth_backbone, d)
        layer = nn.TransformerEncoderLayer(d, config.heads, 2 * d, dropout=0.0, batch_first=True, norm_first=True)
        self.temporal = nn.TransformerEncoder(layer, config.temporal_layers, enable_nested_tensor=False)
        self.frame_embedding = nn.Embedding(64, d)
        self.fusion = nn.MultiheadAttention(d, config.heads, batch_first=True)
        self.fusion_norm = nn.LayerNorm(d)
        self.depth_head = nn.Sequential(nn.Conv2d(d, d // 2, 3, padding=1), nn.GELU(), nn.Conv2d(d // 2, 1, 1))
        self.position = nn.Sequential(nn.Linear(9, d), nn.GELU(), nn.Linear(d, d))
        self.token_head = nn.Linear(d, config.num_classes + 1)
        self.queries = nn.Embedding(config.num_queries, d)
        decoder_layer = nn.TransformerDecoderLayer(d, config.heads, 2 * d, dropout=0.0, batch_first=True, norm_first=True)
        self.decoder = nn.TransformerDecoder(decoder_layer, config.decoder_layers)
        self.class_head = nn.Linear(d, config.num_classes + 1)
        self.box_head = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.Linear(d, 6))
        self.facing_head = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.Linear(d, 2 * config.heading_bins + 1))

    def forward(self, images: torch.Tensor, rays: torch.Tensor) -> dict[str, torch.Tensor]:
        """Predict boxes and depth for a batch of clips (shapes in the class docstring)."""
        b, t, _, h, w = images.shape
        if h % STRIDE or w % STRIDE:
            raise ValidationError("images", f"sides must be multiples of {STRIDE}, got {h}x{w}")
        if t > self.frame_embedding.num_embeddings:
            raise ValidationError("images", f"at most {self.frame_embedding.num_embeddings} frames per clip, got {t}")
        gh, gw = h // STRIDE, w // STRIDE
        if rays.shape != (b, t, 6, gh, gw):
            raise ValidationError("rays", f"expected shape {(b, t, 6, gh, gw)}, got {tuple(rays.shape)}")
        if t * gh * gw < self.config.num_queries:
            raise ValidationError("images", f"a clip of {t * gh * gw} feature cells cannot fill {self.config.num_queries} "
                                  "box slots; give larger frames or fewer num_queries")
        d = self.config.dim
        flat = images.reshape(b * t, 3, h, w)
        image_tokens = self.image_backbone(flat).flatten(2).transpose(1, 2)           # (B·T, L, d)
        depth_tokens = self.depth_backbone(flat).flatten(2).transpose(1, 2)           # (B·T, L, d)
        cells = gh * gw
        # temporal attention: per cell, across the clip's frames
        over_time = image_tokens.reshape(b, t, cells, d).permute(0, 2, 1, 3).reshape(b * cells, t, d)
        over_time = over_time + self.frame_embedding.weight[:t]
        image_tokens = self.temporal(over_time).reshape(b, cells, t, d).permute(0, 2, 1, 3).reshape(b * t, cells, d)
        # fusion: image tokens query the same frame's depth tokens
        attended, _ = self.fusion(image_tokens, depth_tokens, depth_tokens, need_weights=False)
        fused = self.fusion_norm(image_tokens + attended)                                # (B·T, L, d)
        grid = fused.transpose(1, 2).reshape(b * t, d, gh, gw)
        coarse = nn.functional.softplus(self.depth_head(grid))                          # (B·T, 1, gh, gw)
        depth = nn.functional.interpolate(coarse, size=(h, w), mode="bilinear", align_corners=False)
        depth = depth.clamp(max=self.config.max_depth).reshape(b, t, h, w)
        # 3D positions: each token's ray and the point its predicted depth puts on it
        ray = rays.reshape(b * t, 6, cells).transpose(1, 2)                             # (B·T, L, 6)
        distance = coarse.detach().reshape(b * t, cells, 1)
        point = ray[..., :3] + ray[..., 3:] * distance
        memory = (fused + self.position(torch.cat([ray, point], dim=-1))).reshape(b, t * cells, d)
        token_logits = self.token_head(memory)                                          # (B, T·L, C + 1)
        # the slots start at the tokens most likely to see an object
        objectness = token_logits.detach().softmax(-1)[..., :-1].amax(-1).reshape(b, t, gh, gw)
        chosen = slot_tokens(objectness, self.config.num_queries, self.config.peak_slots)  # (B, Q)
        start = memory.gather(1, chosen[..., None].expand(-1, -1, d)) + self.queries.weight
        reference = point.reshape(b, t * cells, 3).gather(1, chosen[..., None].expand(-1, -1, 3))
        slots = self.decoder(start, memory)
        boxes = self.box_head(slots)
        facing = self.facing_head(slots)
        bins = self.config.heading_bins
        return {"logits": self.class_head(slots), "centres": reference + boxes[..., :3], "log_sizes": boxes[..., 3:6],
                "heading_logits": facing[..., :bins], "heading_residuals": torch.tanh(facing[..., bins:2 * bins]),
                "front_logits": facing[..., -1], "token_logits": token_logits, "depth": depth}


def load_weights(net: SpatialEncoderNet, weights: Mapping[str, torch.Tensor], path: str | Path) -> None:
    """Load ``weights`` (a state dict read from ``path``) into ``net``; weights saved before the
    network had its heading output (no ``facing_head``) are refused in one line, as they cannot
    be loaded and the model must be trained again."""
    heads = {str(key).split(".")[0] for key in weights} if isinstance(weights, Mapping) else set()
    if "box_head" in heads and "facing_head" not in heads:
        raise InputFileError(f"{path}: saved before the encoder had its heading output (facing bins), so it cannot be "
                             "loaded: retrain it with `spatialcode train encoder` (in a new output_dir)")
    net.load_state_dict(weights)


def slot_tokens(objectness: torch.Tensor, count: int, peaks: bool = True) -> torch.Tensor:
    """The indices (B, ``count``) into the clip's flattened tokens (frame-major) of the tokens
    where box slots start, from ``objectness`` (B, T, H/8, W/8; in [0, 1]): the most object-like
    ones; with ``peaks``, those that are the largest in their 3 × 3 neighbourhood of the frame rank
    before all others (as CenterNet keeps the peaks of its heatmap), so that one large object
    does not take every slot."""
    b, t, gh, gw = objectness.shape
    score = objectness
    if peaks:
        pooled = nn.functional.max_pool2d(objectness.reshape(b * t, 1, gh, gw), 3, stride=1, padding=1)
        score = objectness - (objectness < pooled.reshape(b, t, gh, gw)).to(objectness.dtype)
    return score.reshape(b, t * gh * gw).topk(count, dim=1).indices


def ray_grid(poses: torch.Tensor, intrinsics: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """The rays of the feature cells: (..., 6, H/8, W/8) — camera centre (m) and the viewing
    direction through each cell's centre whose camera-frame z is 1 (so z-depth ``d`` is the point
    ``centre + d · direction``), in the world frame — for camera-to-world ``poses``
    (..., 4, 4; OpenCV camera frame) and pinhole ``intrinsics`` (..., 3, 3) of ``height`` ×
    ``width`` images."""
    gh, gw = height // STRIDE, width // STRIDE
    v, u = torch.meshgrid(torch.arange(gh, dtype=poses.dtype) * STRIDE + (STRIDE - 1) / 2,
                          torch.arange(gw, dtype=poses.dtype) * STRIDE + (STRIDE - 1) / 2, indexing="ij")
    fx, fy = intrinsics[..., 0, 0, None, None], intrinsics[..., 1, 1, None, None]
    cx, cy = intrinsics[..., 0, 2, None, None], intrinsics[..., 1, 2, None, None]
    camera = torch.stack([(u - cx) / fx, (v - cy) / fy, torch.ones_like(u - cx)], dim=-3)   # (..., 3, gh, gw)
    rotation, centre = poses[..., :3, :3], poses[..., :3, 3]
    world = torch.einsum("...ij,...jhw->...ihw", rotation, camera)
    return torch.cat([centre[..., :, None, None].expand_as(world), world], dim=-3)
