"""spatialcode as a model of lmms-eval (0.7), the harness VSI-Bench results are reported with:
``lmms-eval --model spatialcode --model_args codes=CODES_DIR --tasks vsibench`` answers each
question from the scene's spatial code with a spatialcode reasoner (see docs/lmms_eval.md).

lmms-eval finds the model through the ``lmms_eval.models`` entry-point group (pyproject.toml
names :func:`manifest`), its supported way of taking models from another package; nothing is
copied into lmms-eval and no environment variable is needed.

The model reads the question from the task's document (``dataset``, ``scene_name``,
``question``, ``options``, ``question_type`` — VSI-Bench's schema; never ``ground_truth``),
not from the prompt, and replies with the reasoner's prediction (an option letter or a number),
which the task's own ``process_results`` scores. Two sources of codes (``model_args``):

- ``codes=DIR``: a codes folder ``DIR/<dataset>/<scene_name>.json`` (``spatialcode convert``);
- ``videos=true``: the document's video (the task's ``doc_to_visual``), encoded as
  ``spatialcode ask VIDEO`` does and kept in the same cache (``preset``, ``device``).

``reasoner=solver|llm|llm-tools`` picks the reasoner (``model=M`` names the language model of the
``llm`` ones). A question that cannot be answered (no code for its scene, no video, a document
that is not a VSI-Bench question) gets an empty reply, which scores 0 as lmms-eval's worst case,
and one warning line naming it; the run goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from lmms_eval.api.instance import Instance
from lmms_eval.api.model import lmms
from tqdm import tqdm

from spatialcode.bench.answering import answer_from_codes, codes_folder
from spatialcode.core.errors import InputFileError, SpatialCodeError, ValidationError, one_line
from spatialcode.formats.codes_dir import CodeSource
from spatialcode.reason.registry import ModelConfig, Reasoner, ReasonerConfig, make_reasoner
from spatialcode.scene import SpatialCode
from spatialcode.tasks.records import REQUIRED_FIELDS, VSIQuestion

#: The name lmms-eval knows the model by (``--model spatialcode``).
MODEL_ID = "spatialcode"
#: Arguments lmms-eval hands every model besides its ``model_args``; this model answers one
#: question at a time on the CPU, so only ``device`` (for the video encoder) is used.
HARNESS_ARGS = ("batch_size", "max_batch_size")

log = logging.getLogger(__name__)


def manifest() -> Any:
    """The model's lmms-eval registration (the ``lmms_eval.models`` entry point's payload)."""
    from lmms_eval.models.registry_v2 import ModelManifest

    return ModelManifest(model_id=MODEL_ID, simple_class_path=f"{__name__}.{SpatialCodeModel.__name__}")


def question_from_doc(doc: Mapping[str, Any], doc_id: int) -> VSIQuestion:
    """The VSI-Bench question of the lmms-eval document ``doc`` (number ``doc_id`` of its split),
    without its ground truth; raises :class:`ValidationError` naming a missing or bad field."""
    if not isinstance(doc, Mapping):
        raise ValidationError("doc", f"expected a VSI-Bench record, got {type(doc).__name__}")
    record = {name: doc.get(name) for name in REQUIRED_FIELDS if name != "id"}
    return VSIQuestion.from_record({**record, "id": doc_id, "options": doc.get("options")})


def video_of(doc: Mapping[str, Any], doc_to_visual: Callable[[Mapping[str, Any]], Sequence[Any]]) -> Path:
    """The video of ``doc`` as the task names it (its ``doc_to_visual``: VSI-Bench's gives
    ``$HF_HOME/vsibench/<dataset>/<scene_name>.mp4`` and fails when it is missing)."""
    try:
        visuals = doc_to_visual(doc)
    except OSError as err:
        raise InputFileError(f"no video for scene {doc.get('scene_name')!r} ({one_line(str(err), 200)}); "
                             "download the task's videos, or answer from codes with codes=DIR") from None
    paths = [visual for visual in visuals or () if isinstance(visual, (str, Path))]
    if len(paths) != 1 or not Path(paths[0]).is_file():
        raise InputFileError(f"scene {doc.get('scene_name')!r}: expected one video file from the task, got {visuals!r}")
    return Path(paths[0])


class OneCode:
    """A :class:`~spatialcode.formats.codes_dir.CodeSource` holding the code of the one scene a
    question is about (encoded from its video)."""

    def __init__(self, code: SpatialCode) -> None:
        self.code = code

    def get(self, dataset: str | None, scene_name: str) -> SpatialCode:
        """Return the code, whatever the names (the video already named the scene)."""
        return self.code


class SpatialCodeModel(lmms):
    """lmms-eval's view of a spatialcode reasoner over spatial codes (see the module docstring).

    ``codes``: a codes folder; ``videos``: encode each document's video instead (exactly one of
    the two). ``reasoner``: ``solver``, ``llm`` or ``llm-tools``; ``model``: the language model of
    the ``llm`` reasoners (a ``.gguf`` file, a model folder, a hub id or a server address).
    ``preset`` and ``device``: the video encoder's (``videos`` only)."""

    def __init__(self, codes: str | None = None, videos: bool = False, reasoner: str = "solver",
                 model: str | None = None, preset: str = "fast", device: str | None = None, **harness: Any) -> None:
        super().__init__()
        unknown = sorted(set(harness) - set(HARNESS_ARGS))
        if unknown:
            raise SpatialCodeError(f"spatialcode model: unknown model_args {', '.join(unknown)}; expected codes=DIR or "
                                   "videos=true, reasoner=solver|llm|llm-tools, model=M, preset=fast|quality, device=D")
        if not isinstance(videos, bool) or (codes is None) == (not videos):
            raise SpatialCodeError("spatialcode model: give exactly one of codes=DIR (a codes folder "
                                   "<dataset>/<scene_name>.json) and videos=true (encode each question's video)")
        self.codes: CodeSource | None = codes_folder(str(codes)) if codes is not None else None
        self.video_settings = {"preset": preset, "device": device}
        self.reasoner: Reasoner = make_reasoner(ReasonerConfig(name=reasoner, model=ModelConfig(path=model)))[0]

    def code_source(self, doc: Mapping[str, Any], doc_to_visual: Callable) -> CodeSource:
        """Where the code of ``doc``'s scene comes from: the codes folder, or its video encoded
        (through the ``ask VIDEO`` cache)."""
        if self.codes is not None:
            return self.codes
        from spatialcode.encode.cache import encode_cached
        from spatialcode.encode.pipeline import encode_config

        return OneCode(encode_cached(encode_config(video_of(doc, doc_to_visual), (), **self.video_settings)).code)

    def answer(self, doc: Mapping[str, Any], doc_id: int, doc_to_visual: Callable) -> str:
        """The reply to one document: the reasoner's prediction, or ``""`` (scored 0) with a
        warning when the question cannot be answered."""
        try:
            question = question_from_doc(doc, doc_id)
            return answer_from_codes(self.code_source(doc, doc_to_visual), self.reasoner, question).prediction
        except SpatialCodeError as err:
            log.warning("spatialcode: document %s unanswered (scored 0): %s", doc_id, one_line(str(err), 300))
            return ""

    def generate_until(self, requests: list[Instance]) -> list[str]:
        """One reply per request, in order (the prompt and generation settings are not used: the
        question is read from the task's document)."""
        replies = []
        for request in tqdm(requests, desc="spatialcode", disable=None):
            _context, _settings, doc_to_visual, doc_id, task, split = request.args[:6]
            replies.append(self.answer(self.task_dict[task][split][doc_id], doc_id, doc_to_visual))
        return replies

    def loglikelihood(self, requests: list[Instance]) -> list[tuple[float, bool]]:
        """Not offered: a reasoner over spatial codes has no token probabilities."""
        raise NotImplementedError("spatialcode answers generate_until tasks (such as vsibench) only: a reasoner over "
                                  "spatial codes has no log-likelihoods to give")

    def generate_until_multi_round(self, requests: list[Instance]) -> list[str]:
        """Not offered: VSI-Bench asks one round."""
        raise NotImplementedError("spatialcode answers single-round generate_until tasks (such as vsibench) only")
