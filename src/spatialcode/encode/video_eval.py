"""VSI-Bench from videos, as the paper runs it: every scene the questions name is encoded once from
``<videos>/<dataset>/<scene_name>.mp4`` into ``<codes>/<dataset>/<scene_name>.json`` — the layout
``eval --codes`` reads — and the questions are then answered from the codes.

Encoding is resumable: ``<codes>/encode_log.jsonl`` gets one row a scene (its key — the video's
sha256 and the settings' — status, seconds, frames, milliseconds per frame by stage, or the error),
and a scene whose code is there under the same key is not encoded again. A missing or unreadable
video is logged, its questions become error rows of the evaluation, and the next run retries it.
Many videos spread over Ray workers, one a GPU on a GPU machine (``address``: a cluster's).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from spatialcode.bench.answering import check_scene_names
from spatialcode.core.errors import InputFileError
from spatialcode.core.validation import check_whole_number
from spatialcode.encode.cache import settings_key, video_digest, write_atomically
from spatialcode.encode.pipeline import EncodePipelineConfig, encode_input
from spatialcode.formats import VIDEO_SUFFIXES
from spatialcode.tasks.records import VSIQuestion

#: The per-scene log of an encoding run, inside the codes folder.
ENCODE_LOG = "encode_log.jsonl"


@dataclass(frozen=True)
class SceneVideo:
    """One scene to encode: its ``dataset`` and ``scene`` name, its ``video`` file (``None`` when
    the videos folder has none) and where its ``code`` goes."""

    dataset: str
    scene: str
    video: Path | None
    code: Path


@dataclass
class EncodeSummary:
    """What an encoding run did: scenes ``encoded`` now, ``reused`` (already encoded under the same
    key) and ``failed`` (scene → one-line reason)."""

    encoded: int = 0
    reused: int = 0
    failed: dict[str, str] | None = None


def scene_videos(questions: Iterable[VSIQuestion], videos: Path, codes: Path) -> list[SceneVideo]:
    """The scenes ``questions`` name, each once, in order: the video ``videos/<dataset>/<scene>``
    with one of :data:`~spatialcode.encode.sources.VIDEO_SUFFIXES` (``.mp4`` first) and the code
    file under ``codes``. A scene name that is not a plain name raises :class:`InputFileError`."""
    scenes = []
    for dataset, scene in dict.fromkeys((q.dataset or "unknown", q.scene_name) for q in questions):
        check_scene_names(dataset, scene)
        video = next((path for suffix in VIDEO_SUFFIXES if (path := videos / dataset / f"{scene}{suffix}").is_file()), None)
        scenes.append(SceneVideo(dataset, scene, video, codes / dataset / f"{scene}.json"))
    return scenes


def encode_scene_videos(scenes: Sequence[SceneVideo], codes: Path, settings: EncodePipelineConfig, workers: int = 1,
                        address: str | None = None, progress: bool = False) -> EncodeSummary:
    """Encode the videos of ``scenes`` not yet encoded under the same key into their code files,
    with ``settings`` (an :class:`EncodePipelineConfig` whose ``source`` is replaced by each
    video); in this process, or on ``workers`` Ray actors (on the cluster at ``address``). Each
    scene's outcome is appended to ``codes/encode_log.jsonl``; a failure is recorded and the run
    goes on."""
    check_whole_number(workers, "encode_workers")
    codes.mkdir(parents=True, exist_ok=True)
    log = codes / ENCODE_LOG
    done = _encoded_keys(log)
    summary = EncodeSummary(failed={})
    jobs = []
    for scene in scenes:
        name = f"{scene.dataset}/{scene.scene}"
        if scene.video is None:
            _record(log, scene, None, "error", error="no video for this scene in the videos folder")
            summary.failed[name] = "no video"
            continue
        config = replace(settings, source=scene.video)
        key = hashlib.sha256((video_digest(scene.video, codes / ".video_digests.json")
                              + settings_key(config)).encode()).hexdigest()[:16]
        if scene.code.is_file() and done.get(name) == key:
            summary.reused += 1
            continue
        jobs.append((scene, config, key))
    for (scene, _, key), outcome in zip(jobs, _run(jobs, workers, address, progress)):
        name = f"{scene.dataset}/{scene.scene}"
        if isinstance(outcome, str):
            _record(log, scene, key, "error", error=outcome)
            summary.failed[name] = outcome
            continue
        code_json, frames, ms_per_frame, seconds = outcome
        write_atomically(scene.code, code_json)
        _record(log, scene, key, "ok", seconds=round(seconds, 2), frames=frames,
                ms_per_frame={k: round(v, 1) for k, v in ms_per_frame.items()})
        summary.encoded += 1
    return summary


def _encoded_keys(log: Path) -> dict[str, str]:
    """Scene (``dataset/scene``) → the key of its last successful encoding in the ``log``."""
    keys: dict[str, str] = {}
    if not log.is_file():
        return keys
    for line in log.read_text().splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue  # a line cut short by a stopped run
        if isinstance(row, dict) and row.get("status") == "ok":
            keys[f"{row.get('dataset')}/{row.get('scene')}"] = str(row.get("key"))
    return keys


def _record(log: Path, scene: SceneVideo, key: str | None, status: str, **fields: Any) -> None:
    """Append one scene's row to the encoding ``log``."""
    row = {"dataset": scene.dataset, "scene": scene.scene, "key": key, "status": status, **fields}
    with log.open("a") as out:
        out.write(json.dumps(row) + "\n")


def encode_one(config: EncodePipelineConfig) -> tuple[str, int, dict[str, float], float] | str:
    """(code JSON, frames, ms per frame by stage, seconds) of the video ``config`` names, or the
    one-line reason it could not be encoded (any error: the run records it and goes on)."""
    started = time.perf_counter()
    try:
        result = encode_input(config)
    except Exception as err:  # noqa: BLE001 - a batch records each item's failure and goes on
        first = (str(err).strip().splitlines() or [""])[0][:300]
        return f"{type(err).__name__}: {first}" if not isinstance(err, InputFileError) else first
    return result.code.to_json(), result.frames, result.ms_per_frame, time.perf_counter() - started


class _EncodeWorker:
    """One Ray actor encoding videos (the models load once an actor, on its first video)."""

    def encode(self, config: EncodePipelineConfig) -> tuple[str, int, dict[str, float], float] | str:
        return encode_one(config)


def _run(jobs: list[tuple[SceneVideo, EncodePipelineConfig, str]], workers: int, address: str | None,
         progress: bool) -> Iterator[tuple[str, int, dict[str, float], float] | str]:
    """Each job's outcome (:func:`encode_one`), in job order."""
    from tqdm import tqdm

    bar = tqdm(total=len(jobs), desc="encode", unit="video", disable=not progress)
    if workers == 1 and address is None:
        for _, config, _ in jobs:
            yield encode_one(config)
            bar.update()
        bar.close()
        return
    if not jobs:
        return
    import ray
    from ray.util import ActorPool

    if not ray.is_initialized():
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    gpus = 1 if ray.cluster_resources().get("GPU", 0) >= 1 and jobs[0][1].device in ("auto", "cuda") else 0
    actor = ray.remote(num_gpus=gpus, num_cpus=1)(_EncodeWorker)
    pool = ActorPool([actor.remote() for _ in range(min(workers, len(jobs)))])
    for outcome in pool.map(lambda a, job: a.encode.remote(job[1]), jobs):
        yield outcome
        bar.update()
    bar.close()
