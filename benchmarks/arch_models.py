"""Pretrained models at the size of the checkpoints they stand for, with random weights (seeded):
the hub is unreachable here, and inference time and memory depend on the architecture and the
input size, not on the weights' values. Shared by the speed benchmarks (``rgb_perception_speed.py``,
``video_path.py``); each is saved once under ``runs/bench_models/<name>``.

- ``depth``: Depth Anything V2 Small, metric (518 px);
- ``detector``: OWLv2 base patch16 ensemble (960 px);
- ``owlvit``: OWL-ViT base patch32 (768 px), the fast preset's detector;
- ``segmenter``: SAM ViT-B (1024 px);
- ``tracker``: SAM 2.1 Hiera-tiny video (1024 px).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "runs" / "bench_models"


def _byte_tokenizer():
    """A CLIP tokenizer over bytes (no merges): the real vocabulary's files are not here; its token
    sequences are longer than CLIP's BPE, which only slows the (once per run) query encoding."""
    from transformers import CLIPTokenizer
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    chars = list(bytes_to_unicode().values())
    vocab = {t: i for i, t in enumerate([*chars, *(c + "</w>" for c in chars), "<|startoftext|>", "<|endoftext|>"])}
    return CLIPTokenizer(vocab=vocab, merges=[])


def build(provider: str) -> str:
    """The random-weight stand-in ``provider`` (see the module docstring), saved once; its folder."""
    import torch

    folder = MODELS / provider
    if (folder / "config.json").is_file():
        return str(folder)
    torch.manual_seed(0)
    if provider == "depth":
        from transformers import DepthAnythingConfig, DepthAnythingForDepthEstimation, Dinov2Config
        from transformers.models.dpt.image_processing_pil_dpt import DPTImageProcessorPil

        backbone = Dinov2Config(hidden_size=384, num_hidden_layers=12, num_attention_heads=6, intermediate_size=1536,
                                patch_size=14, image_size=518, out_features=["stage9", "stage10", "stage11", "stage12"],
                                reshape_hidden_states=False, layerscale_value=1.0)
        config = DepthAnythingConfig(backbone_config=backbone, reassemble_hidden_size=384,
                                     neck_hidden_sizes=[48, 96, 192, 384], fusion_hidden_size=64, head_hidden_size=32,
                                     depth_estimation_type="metric", max_depth=20)
        DepthAnythingForDepthEstimation(config).save_pretrained(folder)
        DPTImageProcessorPil(size={"height": 518, "width": 518}, keep_aspect_ratio=True, ensure_multiple_of=14,
                             do_pad=False).save_pretrained(folder)
    elif provider == "detector":
        from transformers import Owlv2Config, Owlv2ForObjectDetection, Owlv2Processor
        from transformers.models.owlv2.image_processing_pil_owlv2 import Owlv2ImageProcessorPil

        tokenizer = _byte_tokenizer()
        config = Owlv2Config(text_config={"max_position_embeddings": 48, "bos_token_id": tokenizer.bos_token_id,
                                          "eos_token_id": tokenizer.eos_token_id, "pad_token_id": tokenizer.pad_token_id},
                             vision_config={"image_size": 960, "patch_size": 16})
        Owlv2ForObjectDetection(config).save_pretrained(folder)
        Owlv2Processor(image_processor=Owlv2ImageProcessorPil(), tokenizer=tokenizer).save_pretrained(folder)
    elif provider == "owlvit":
        from transformers import OwlViTConfig, OwlViTForObjectDetection, OwlViTProcessor
        from transformers.models.owlvit.image_processing_pil_owlvit import OwlViTImageProcessorPil

        tokenizer = _byte_tokenizer()
        config = OwlViTConfig(text_config={"bos_token_id": tokenizer.bos_token_id, "eos_token_id": tokenizer.eos_token_id,
                                           "pad_token_id": tokenizer.pad_token_id})  # the defaults are B/32 at 768 px
        OwlViTForObjectDetection(config).save_pretrained(folder)
        OwlViTProcessor(image_processor=OwlViTImageProcessorPil(size={"height": 768, "width": 768},
                                                                crop_size={"height": 768, "width": 768}),
                        tokenizer=tokenizer).save_pretrained(folder)
    elif provider == "segmenter":
        from transformers import SamConfig, SamModel, SamProcessor
        from transformers.models.sam.image_processing_pil_sam import SamImageProcessorPil

        SamModel(SamConfig()).save_pretrained(folder)  # the defaults are SAM ViT-B
        SamProcessor(image_processor=SamImageProcessorPil()).save_pretrained(folder)
    else:
        from transformers import Sam2VideoConfig, Sam2VideoModel

        Sam2VideoModel(Sam2VideoConfig()).save_pretrained(folder)  # the defaults are SAM 2.1 Hiera-tiny
    return str(folder)
