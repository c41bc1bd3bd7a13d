"""A trained run as a standalone model: the base model with the run's adapters merged in
(the SFT adapter it started from, then its own), saved as a transformers model folder that the
reasoning backends load by path (``spatialcode eval --reasoner llm --model DIR``)."""

from __future__ import annotations

from pathlib import Path

from spatialcode.core.config import build_config
from spatialcode.core.errors import InputFileError
from spatialcode.rl.training import ModelConfig, load_policy


def export_merged(run: str | Path, out: str | Path) -> Path:
    """Merge the run folder ``run`` (its ``config.yaml`` names the base model and the adapter
    it started from; its ``final/`` holds its adapter) into a model folder ``out``; returns
    ``out``. A run trained without LoRA is saved as it is."""
    import yaml
    from peft import PeftModel

    run = Path(run)
    config_path, final = run / "config.yaml", run / "final"
    if not config_path.is_file() or not final.is_dir():
        raise InputFileError(f"{run} is not a finished training run (expected config.yaml and final/)")
    settings = build_config(ModelConfig, yaml.safe_load(config_path.read_text(encoding="utf-8"))["model"], "model.")
    if (final / "adapter_config.json").is_file():
        tokenizer, model = load_policy(settings)
        model = PeftModel.from_pretrained(model, str(final)).merge_and_unload()
    else:  # trained without LoRA: final/ is the whole model
        tokenizer, model = load_policy(ModelConfig(path=str(final), dtype=settings.dtype))
    out = Path(out)
    model.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    return out
