"""Which torch device the pretrained models run on: ``auto`` takes CUDA, then Apple's MPS, then
the CPU; a device asked for by name that this machine lacks is one clear line."""

from __future__ import annotations

from spatialcode.core.errors import SpatialCodeError, ValidationError

DEVICES = ("auto", "cpu", "cuda", "mps")


def check_device(name: str) -> None:
    """Raise :class:`ValidationError` unless ``name`` is one of :data:`DEVICES` (``cuda:N`` included)."""
    if name not in DEVICES and not (name.startswith("cuda:") and name[5:].isdigit()):
        raise ValidationError("device", f"expected one of {', '.join(DEVICES)} or cuda:N, got {name!r}")


def resolve_device(name: str) -> str:
    """The torch device ``name`` stands for on this machine (``auto`` → ``cuda``, ``mps`` or
    ``cpu``); raises :class:`SpatialCodeError` when a named accelerator is not available."""
    import torch

    check_device(name)
    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    if name == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if name.startswith("cuda") and not cuda:
        raise SpatialCodeError(f"device {name!r} asked for, but torch sees no CUDA GPU here: use --device cpu "
                               "(or auto), or install a CUDA build of torch")
    if name == "mps" and not mps:
        raise SpatialCodeError("device 'mps' asked for, but this machine has no Apple MPS: use --device cpu (or auto)")
    return name
