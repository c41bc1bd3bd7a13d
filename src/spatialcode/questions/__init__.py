"""Reading VSI-Bench questions: their wording parsed into typed queries (:mod:`.vsibench`,
:mod:`.query`) and the object names they use matched to a scene's labels (:mod:`.labels`, over
the shared category vocabulary :mod:`spatialcode.tasks.vocabulary`). Generating questions is
:mod:`spatialcode.synth.questions`."""

from spatialcode.questions.query import Option, Query, UnrecognisedQuery
from spatialcode.questions.vsibench import parse_options, parse_question

__all__ = ["Option", "Query", "UnrecognisedQuery", "parse_options", "parse_question"]
