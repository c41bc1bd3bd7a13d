"""Answer questions in parallel with Ray: on this machine (``workers`` processes) or on a
cluster (``address``). Each worker builds the reasoner once (from its
:class:`~spatialcode.reason.registry.ReasonerConfig`: a language model is loaded once per worker) and reads scene codes from a codes folder
it can reach; the driver writes each row as its answer arrives (append-only, resumable, see
:func:`~spatialcode.bench.runner.run_predictions`)."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spatialcode.bench.runner import AnswerStream
from spatialcode.bench.time_limit import check_time_limit, timed_call
from spatialcode.core.validation import check_whole_number
from spatialcode.tasks.records import VSIQuestion

if TYPE_CHECKING:
    from spatialcode.reason.registry import ReasonerConfig


class _Worker:
    """One Ray actor: a reasoner, a codes folder and the time limit per question (s, or ``None``)."""

    def __init__(self, reasoner: ReasonerConfig, codes_root: str, time_limit: float | None) -> None:
        from spatialcode.formats.codes_dir import CodesDir
        from spatialcode.reason.registry import make_reasoner

        self.reasoner, _ = make_reasoner(reasoner)
        self.codes = CodesDir(codes_root)
        self.time_limit = time_limit

    def answer(self, question: VSIQuestion) -> tuple[Any, Any, float]:
        """(question id, the Answer or the exception it raised — a time-out included —, seconds)."""
        from spatialcode.bench.answering import answer_from_codes

        result, seconds = timed_call(functools.partial(answer_from_codes, self.codes, self.reasoner, question),
                                     self.time_limit)
        if isinstance(result, BaseException) and not _picklable(result):
            result = RuntimeError(f"{type(result).__name__}: {result}")
        return question.id, result, seconds


def _picklable(value: Any) -> bool:
    import pickle

    try:
        pickle.dumps(value)
    except Exception:  # noqa: BLE001 - any failure means "send something simpler"
        return False
    return True


def ray_answers(reasoner: ReasonerConfig, codes_root: str | Path, workers: int = 2,
                address: str | None = None, time_limit: float | None = None) -> AnswerStream:
    """An answer stream (for :func:`~spatialcode.bench.runner.run_predictions`) that spreads the
    questions over ``workers`` Ray actors — started locally, or on the cluster at ``address``.
    Each worker stops a question after ``time_limit`` seconds (:mod:`~spatialcode.bench.time_limit`,
    in the worker's main thread; ``None``: no limit); the driver waits for every answer."""
    check_whole_number(workers, "workers")
    time_limit = check_time_limit(time_limit)

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
        pool = ActorPool([actor.remote(reasoner, str(Path(codes_root).resolve()), time_limit)
                          for _ in range(min(workers, len(questions)))])
        by_id = {q.id: q for q in questions}
        ordered = sorted(questions, key=lambda q: (q.dataset or "", q.scene_name))  # a scene's questions together
        for qid, result, seconds in pool.map_unordered(lambda a, q: a.answer.remote(q), ordered):
            yield by_id[qid], result, seconds

    return answers
