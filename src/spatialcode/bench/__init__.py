"""VSI-Bench harness: run a reasoner over questions resumably (:mod:`.runner`, :mod:`.evaluate`,
Ray workers in :mod:`.parallel`, per-question time limits). The schema it runs on — question
records, scoring, reports — lives in :mod:`spatialcode.tasks` and is re-exported here."""

from spatialcode.bench.runner import (
    RunSummary,
    code_version,
    read_predictions,
    run_predictions,
    runs_path,
)
from spatialcode.tasks.records import (
    VSIQuestion,
    load_questions,
    option_letters,
    select_questions,
)
from spatialcode.tasks.report import report_paths, to_json, to_markdown, write_report
from spatialcode.tasks.scoring import (
    LMMS_EVAL_THRESHOLDS,
    PAPER_THRESHOLDS,
    ScoreTable,
    SubsetScores,
    aggregate,
    exact_match,
    fuzzy_matching,
    mean_relative_accuracy,
    mra_thresholds,
    score_predictions,
    score_question,
    to_float,
)

__all__ = [
    "LMMS_EVAL_THRESHOLDS",
    "PAPER_THRESHOLDS",
    "RunSummary",
    "ScoreTable",
    "SubsetScores",
    "VSIQuestion",
    "aggregate",
    "code_version",
    "exact_match",
    "fuzzy_matching",
    "load_questions",
    "mean_relative_accuracy",
    "mra_thresholds",
    "option_letters",
    "read_predictions",
    "report_paths",
    "run_predictions",
    "runs_path",
    "score_predictions",
    "score_question",
    "select_questions",
    "to_float",
    "to_json",
    "to_markdown",
    "write_report",
]
