"""``spatialcode encode``: a video or RGB-D sequence into a spatial code."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from spatialcode.cli.errors import one_line_errors
from spatialcode.cli.output import warnings_as_lines
from spatialcode.cli.settings import configured

if TYPE_CHECKING:
    from spatialcode.encode.pipeline import EncodePipelineConfig

#: Each option (and the INPUT argument) of ``encode`` and the setting it gives.
ENCODE_OPTIONS = {
    "source_path": "source", "sidecar": "sidecar", "stride": "stride", "target_fps": "target_fps",
    "perception": "perception", "poses": "poses", "depth_model": "depth_model", "detector_model": "detector_model",
    "segmenter_model": "segmenter_model", "tracker_model": "tracker_model", "detect_every": "detect_every",
    "encoder_model": "encoder_model", "download_models": "download_models", "hfov": "hfov_deg", "width": "width",
    "preset": "preset", "device": "device", "box_masks": "box_masks",
}


@click.command(
    "encode",
    epilog="Examples:\n\n  spatialcode encode room.mp4 --out room.json\n\n"
    "  spatialcode encode renders/scene --out scene.json --viz\n\n"
    "  spatialcode encode scans/scene0000_00 --out scene.json --target-fps 5\n\n"
    "  spatialcode encode walk.mp4 --sidecar walk.json --out scene.json\n\n"
    "  spatialcode encode phone.mp4 --preset quality --device cuda --out scene.json\n\n"
    "  spatialcode encode phone.mp4 --detector-model google/owlv2-base-patch16-ensemble --segmenter-model "
    "facebook/sam-vit-base --target-fps 1 --out scene.json\n\n"
    "  spatialcode encode renders/scene --perception learned --encoder-model runs/train/encoder/final.pt --out scene.json\n\n"
    "INPUT is a render folder (frames.json), an RGB-D folder (color/, depth/, pose/, intrinsic/), a "
    "video with a sidecar of depth, intrinsics and poses, or an ordinary colour-only video (intrinsics from "
    "--hfov or the file's metadata). A colour-only video needs no other option: --preset fast (the default, for "
    "a CPU) or quality (for a GPU) chooses the models, pinned to hub revisions and downloaded on first use "
    "(`spatialcode models`), and the settings; any option given wins over the preset. "
    "--perception given uses the instance masks the input ships (render folders); pretrained "
    "detects the VSI-Bench categories with an open-vocabulary detector and segments them with SAM (or, with "
    "--tracker-model, follows them through the video with SAM-2, detecting every --detect-every frames); learned "
    "predicts the 3D boxes with the learned spatial encoder (`spatialcode train encoder`). "
    "--depth-model predicts metric depth from colour (needed for a colour-only video). --poses auto reads "
    "the input's poses, or tracks a colour-only video by feature matching on the predicted depth; estimate "
    "tracks the camera with dense RGB-D odometry; features with feature matching and PnP; refine corrects "
    "drifting input poses by registering each frame onto what the earlier frames saw.",
)
@click.argument("source_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Scene JSON to write.")
@click.option("--sidecar", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="For a video: the JSON with intrinsics, poses and the depth file (default: beside the video). [sidecar]")
@click.option("--stride", type=click.IntRange(min=1), default=None, help="Use every N-th frame. [stride]")
@click.option("--target-fps", type=float, default=None, help="Use at most this many frames per second. [target_fps]")
@click.option("--perception", type=click.Choice(["auto", "given", "pretrained", "learned"]), default=None,
              help="Where objects come from: the input's instance masks (given), pretrained detection + "
                   "segmentation, or the learned spatial encoder (boxes straight from the frames); auto (the default): "
                   "pretrained for a colour-only video, else given. [perception]")
@click.option("--preset", type=click.Choice(["fast", "quality"]), default=None,
              help="Models and settings of a colour-only video: fast (CPU, the default) or quality (GPU). [preset]")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda", "mps"]), default=None,
              help="Where the models run (default auto: a GPU when torch sees one). [device]")
@click.option("--poses", type=click.Choice(["auto", "given", "estimate", "features", "refine"]), default=None,
              help="Camera poses (default auto): see below. [poses]")
@click.option("--depth-model", default=None,
              help="Predict metric depth from colour with this model (folder or cached hub id). [depth_model]")
@click.option("--detector-model", default=None,
              help="--perception pretrained: the open-vocabulary detector (OWL-ViT or OWLv2; default: the preset's). "
                   "[detector_model]")
@click.option("--segmenter-model", default=None,
              help="--perception pretrained: the SAM model segmenting detections (default: masks by --box-masks). "
                   "[segmenter_model]")
@click.option("--box-masks", type=click.Choice(["box", "depth-box"]), default=None,
              help="Without a segmenter: a detection's mask is its box, or the box's pixels on the nearest surface "
                   "(depth-box; the fast preset's). [box_masks]")
@click.option("--tracker-model", default=None,
              help="--perception pretrained: a SAM-2 video model following the detections from frame to frame. "
                   "[tracker_model]")
@click.option("--detect-every", type=click.IntRange(min=1), default=None,
              help="Run the detector on every N-th sampled frame only (default: the preset's, 2 fast / 5 quality). "
                   "[detect_every]")
@click.option("--encoder-model", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="--perception learned: the trained encoder (output_dir/final.pt of `spatialcode train encoder`); "
                   "its inference settings are read from inference.yaml beside it when there is one. [encoder_model]")
@click.option("--download-models/--offline", default=None,
              help="Let the Hugging Face hub fetch models that are not in the local cache (the default), or use the "
                   "cache only. [download_models]")
@click.option("--hfov", type=float, default=None,
              help="Colour-only video: the camera's horizontal field of view (degrees; default: from the file's metadata, "
                   "else 60 with a warning). [hfov_deg]")
@click.option("--width", type=click.IntRange(min=16), default=None,
              help="Colour-only video: resize frames to this width. [width]")
@click.option("--viz", is_flag=True, help="Also write OUT.png (bird's-eye map) and OUT.mp4 (boxes over the video).")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
@one_line_errors
@configured("spatialcode.encode.pipeline:EncodePipelineConfig", ENCODE_OPTIONS)
def encode_command(out: Path, config: EncodePipelineConfig, viz: bool, progress: bool) -> None:
    """Encode a video / RGB-D sequence into a spatial code: objects with 3D boxes and first_seen, room, camera path.

    The settings are an EncodePipelineConfig: the options below, and the stages' own settings
    (encoder.*, encoder.tracks.*, odometry.*, features.*, refine.*, level.*) from a --config YAML file or
    --set KEY=VALUE, e.g. --set encoder.tracks.voxel_size=0.03."""
    from spatialcode.encode.pipeline import encode_input

    with warnings_as_lines():
        result = encode_input(config, progress=progress)
    code = result.code
    out.parent.mkdir(parents=True, exist_ok=True)
    code.save(out)
    stages = ", ".join(f"{name} {ms:.1f}" for name, ms in result.ms_per_frame.items())
    area = code.room.floor_area() if code.room else None
    click.echo(
        f"encoded {result.frames} frames: {len(code.objects)} objects"
        + (f", floor {area:.1f} m²" if area is not None else ", no floor found")
        + f"; wrote {out} (ms/frame: {stages})",
        err=True,
    )
    if viz:
        from spatialcode.viz import draw_birdseye, write_overlay_video

        draw_birdseye(code, out.with_suffix(".png"), title=out.stem, number_by_appearance=True)
        for_pictures = config.open_frames(rgb=True)
        first = next(iter(config.open_frames(rgb=False)))
        write_overlay_video((f.rgb for f in for_pictures), code, first.intrinsics, code.camera,
                            out.with_suffix(".mp4"), fps=code.source.fps or 10.0)
        click.echo(f"wrote {out.with_suffix('.png')} and {out.with_suffix('.mp4')}", err=True)
