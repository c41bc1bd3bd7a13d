"""Answer questions in parallel with Ray: on this machine (``workers`` processes) or on a
cluster (``address``). Each worker builds the reasoner once (by its registry name and
settings: a language model is loaded once per worker) and reads scene codes from a codes folder
it can reach; the driver writes each row as its answer arrives (append-only, resumable, see
:func:`~spatialcode.bench.runner.run_predictions`)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from spatialcode.bench.questions import VSIQuestion
from spatialcode.bench.runner import AnswerStream
from spatialcode.validation import check_whole_number


class _Worker:
    """One Ray actor: a reasoner and a codes folder."""

    def __init__(self, reasoner: str, settings: dict[str, Any], codes_root: str) -> None:
        from spatialcode.formats.codes_dir import CodesDir
        from spatialcode.reason.registry import make_reasoner

        self.reasoner, _ = make_reasoner(reasoner, **settings)
        self.codes = CodesDir(codes_root)

    def answer(self, question: VSIQuestion) -> tuple[Any, Any, float]:
        """(question id, the Answer or the exception it raised, seconds)."""
        tick = time.perf_counter()
        try:
            code = self.codes.get(question.dataset, question.scene_name)
            result: Any = self.reasoner.answer_question(code, question.question, question.options, question.question_type)
        except Exception as err:  # noqa: BLE001 - sent back to the driver, recorded in the row
            result = err if _picklable(err) else RuntimeError(f"{type(err).__name__}: {err}")
        return question.id, result, time.perf_counter() - tick


def _picklable(value: Any) -> bool:
    import pickle

    try:
        pickle.dumps(value)
    except Exception:  # noqa: BLE001 - any failure means "send something simpler"
        return False
    return True


def ray_answers(reasoner: str, settings: dict[str, Any], codes_root: str | Path, workers: int = 2,
                address: str | None = None) -> AnswerStream:
    """An answer stream (for :func:`~spatialcode.bench.runner.run_predictions`) that spreads the
    questions over ``workers`` Ray actors — started locally, or on the cluster at ``address``."""
    check_whole_number(workers, "workers")

    def answers(questions: Sequence[VSIQuestion]) -> Iterator[tuple[VSIQuestion, Any, float]]:
        if not questions:
            return
        import ray
        from ray.util import ActorPool

        if not ray.is_initialized():
            if address:
                ray.init(address=address, log_to_driver=False)
            else:
                ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        actor = ray.remote(_Worker)
        pool = ActorPool([actor.remote(reasoner, settings, str(Path(codes_root).resolve()))
                          for _ in range(min(workers, len(questions)))])
        by_id = {q.id: q for q in questions}
        ordered = sorted(questions, key=lambda q: (q.dataset or "", q.scene_name))  # a scene's questions together
        for qid, result, seconds in pool.map_unordered(lambda a, q: a.answer.remote(q), ordered):
            yield by_id[qid], result, seconds

    return answers
