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


def _tiny_clip_tokenizer():
    """A CLIP tokenizer with one token per byte (and per byte ending a word), no merges."""
    from transformers import CLIPTokenizer
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    chars = list(bytes_to_unicode().values())
    vocab = {token: i for i, token in enumerate([*chars, *(c + "</w>" for c in chars), "<|startoftext|>", "<|endoftext|>"])}
    return CLIPTokenizer(vocab=vocab, merges=[])


def make_tiny_detector(out: Path) -> str:
    """An OWLv2 open-vocabulary detector (text and vision towers of width 16, 1 layer; 32 × 32
    inputs, 16 patches) with its processor, saved to ``out``; returns its path."""
    import torch
    from transformers import Owlv2Config, Owlv2ForObjectDetection, Owlv2Processor
    from transformers.models.owlv2.image_processing_pil_owlv2 import Owlv2ImageProcessorPil

    tokenizer = _tiny_clip_tokenizer()
    torch.manual_seed(0)
    config = Owlv2Config(
        text_config={"vocab_size": len(tokenizer), "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
                     "num_attention_heads": 2, "max_position_embeddings": 48, "bos_token_id": tokenizer.bos_token_id,
                     "eos_token_id": tokenizer.eos_token_id, "pad_token_id": tokenizer.pad_token_id},
        vision_config={"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
                       "image_size": 32, "patch_size": 8},
        projection_dim=16)
    Owlv2ForObjectDetection(config).save_pretrained(out)
    Owlv2Processor(image_processor=Owlv2ImageProcessorPil(size={"height": 32, "width": 32}),
                   tokenizer=tokenizer).save_pretrained(out)
    return str(out)


def make_tiny_owlvit(out: Path) -> str:
    """An OWL-ViT open-vocabulary detector (the fast preset's architecture; towers of width 16,
    1 layer; 32 × 32 inputs stretched, not padded, 16 patches) with its processor, saved to
    ``out``; returns its path."""
    import torch
    from transformers import OwlViTConfig, OwlViTForObjectDetection, OwlViTProcessor
    from transformers.models.owlvit.image_processing_pil_owlvit import OwlViTImageProcessorPil

    tokenizer = _tiny_clip_tokenizer()
    torch.manual_seed(0)
    config = OwlViTConfig(
        text_config={"vocab_size": len(tokenizer), "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
                     "num_attention_heads": 2, "max_position_embeddings": 16, "bos_token_id": tokenizer.bos_token_id,
                     "eos_token_id": tokenizer.eos_token_id, "pad_token_id": tokenizer.pad_token_id},
        vision_config={"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
                       "image_size": 32, "patch_size": 8},
        projection_dim=16)
    OwlViTForObjectDetection(config).save_pretrained(out)
    processor = OwlViTImageProcessorPil(size={"height": 32, "width": 32}, crop_size={"height": 32, "width": 32})
    OwlViTProcessor(image_processor=processor, tokenizer=tokenizer).save_pretrained(out)
    return str(out)


def make_tiny_segmenter(out: Path) -> str:
    """A SAM model (ViT of width 16, 2 layers, 64 × 64 inputs; 32 × 32 low-resolution masks)
    with its processor, saved to ``out``; returns its path."""
    import torch
    from transformers import SamConfig, SamModel, SamProcessor
    from transformers.models.sam.image_processing_pil_sam import SamImageProcessorPil

    torch.manual_seed(0)
    config = SamConfig(
        vision_config={"hidden_size": 16, "output_channels": 8, "num_hidden_layers": 2, "num_attention_heads": 2,
                       "image_size": 64, "patch_size": 8, "window_size": 4, "global_attn_indexes": [1],
                       "num_pos_feats": 4, "mlp_dim": 32},
        prompt_encoder_config={"hidden_size": 8, "image_size": 64, "patch_size": 8, "mask_input_channels": 4},
        mask_decoder_config={"hidden_size": 8, "mlp_dim": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
                             "iou_head_hidden_dim": 8})
    SamModel(config).save_pretrained(out)
    SamProcessor(image_processor=SamImageProcessorPil(
        size={"longest_edge": 64}, pad_size={"height": 64, "width": 64}, mask_size={"longest_edge": 16},
        mask_pad_size={"height": 16, "width": 16})).save_pretrained(out)
    return str(out)


def make_tiny_tracker(out: Path) -> str:
    """A SAM-2 video model (Hiera of widths 8–64, five blocks, 128 × 128 inputs; memory of
    3 frames and 4 object pointers, width 64 — the memory width SAM-2 fixes), saved to ``out``; returns its path."""
    import torch
    from transformers import Sam2VideoConfig, Sam2VideoModel

    size = 128
    torch.manual_seed(0)
    backbone = {"model_type": "sam2_hiera_det_model", "hidden_size": 8, "image_size": [size, size],
                "blocks_per_stage": [1, 1, 2, 1], "embed_dim_per_stage": [8, 16, 32, 64],
                "num_attention_heads_per_stage": [1, 1, 2, 2], "window_size_per_stage": [4, 4, 4, 2],
                "global_attention_blocks": [3], "window_positional_embedding_background_size": [2, 2]}
    config = Sam2VideoConfig(
        vision_config={"model_type": "sam2_vision_model", "backbone_config": backbone, "fpn_hidden_size": 128,
                       "backbone_channel_list": [64, 32, 16, 8],
                       "backbone_feature_sizes": [[size // 4] * 2, [size // 8] * 2, [size // 16] * 2]},
        prompt_encoder_config={"hidden_size": 128, "image_size": size, "patch_size": 16, "mask_input_channels": 4},
        mask_decoder_config={"hidden_size": 128, "mlp_dim": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
                             "iou_head_hidden_dim": 8},
        image_size=size, num_maskmem=3, max_object_pointers_in_encoder=4, memory_attention_hidden_size=128,
        memory_attention_num_layers=1, memory_attention_feed_forward_hidden_size=32,
        memory_attention_rope_feat_sizes=[size // 16] * 2, memory_encoder_hidden_size=128,
        mask_downsampler_embed_dim=128, memory_fuser_embed_dim=128,
        memory_fuser_intermediate_dim=32)
    Sam2VideoModel(config).save_pretrained(out)
    return str(out)
