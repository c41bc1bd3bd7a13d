"""A language model that answers by calling the solver's geometry: the tool-using style of GCA
and Reasmory, over the spatial code.

The prompt introduces the tools (:data:`~spatialcode.reason.tools.TOOL_SIGNATURES`) in the words
of a protocol (:mod:`~spatialcode.reason.tool_protocols`: structured function ``calls``, or
``programs`` run in the sandbox), lists the objects' names only — the tools do the geometry, so
the boxes need not be in the prompt — and shows a worked example of each kind of question they
answer (:data:`TOOL_EXAMPLES`). Each request the model writes is answered in the next turn;
after at most ``max_rounds`` requests the model gives ``<answer>…</answer>``, read by
:func:`~spatialcode.reason.extract.extract_answer`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from spatialcode import tasks
from spatialcode.core.errors import SpatialCodeError, ValidationError
from spatialcode.core.validation import check_whole_number
from spatialcode.reason.answer import Answer
from spatialcode.reason.backends.base import Backend, Sampling
from spatialcode.reason.llm import answer_from_reply
from spatialcode.reason.prompt import SYSTEM, Prompt, mentioned_objects, question_parts
from spatialcode.reason.sandbox import SandboxLimits
from spatialcode.reason.serialise import object_names
from spatialcode.reason.tool_protocols import ToolProtocol, ToolStep, make_protocol
from spatialcode.reason.tools import SpatialTools
from spatialcode.scene import SpatialCode


@dataclass(frozen=True)
class ToolExample:
    """A worked example, shown to the model as an earlier conversation: the scene's object
    ``names``, the question (with its ``options`` and ``question_type``), the ``step`` the model
    takes (a program or a call, and its result) and the final ``answer``."""

    names: tuple[str, ...]
    question: str
    options: tuple[str, ...]
    question_type: str
    step: ToolStep
    answer: str


#: One worked example for each kind of question the tools answer.
TOOL_EXAMPLES = (
    ToolExample(("chair_1", "table_1", "chair_2", "chair_3", "lamp_1", "chair_4"), "How many chair(s) are in this room?",
                (), "object_counting", ToolStep("print(count('chair'))", "4", ("count", {"label": "chair"}), 4), "4"),
    ToolExample(("bed_1", "lamp_1", "tv_1", "door_1"), "Measuring from the closest point of each object, what is the "
                "distance between the bed and the tv (in meters)?", (), "object_abs_distance",
                ToolStep("print(distance('bed', 'tv'))", "1.734", ("distance", {"a": "bed", "b": "tv"}), 1.734), "1.73 m"),
    ToolExample(("table_1", "chair_1", "chair_2", "window_1"), "What is the length of the longest dimension (length, "
                "width, or height) of the table, measured in centimeters?", (), "object_size_estimation",
                ToolStep("print(size('table'))", "1.524", ("size", {"x": "table"}), 1.524), "1.52 m"),
    ToolExample(("sofa_1", "tv_1", "lamp_1"), "What is the size of this room (in square meters)?", (),
                "room_size_estimation", ToolStep("print(area())", "23.41", ("area", {}), 23.41), "23.4 m²"),
    ToolExample(("bed_1", "lamp_1", "desk_1", "door_1", "chair_1"), "Measuring from the closest point of each object, "
                "which of these objects (lamp, desk, door) is the closest to the bed?", ("A. lamp", "B. desk", "C. door"),
                "object_rel_distance",
                ToolStep("print(nearest('bed', ['lamp', 'desk', 'door']))", "door",
                         ("nearest", {"target": "bed", "candidates": ["lamp", "desk", "door"]}), "door"), "door"),
    ToolExample(("sofa_1", "tv_1", "lamp_1", "table_1"), "If I am standing by the sofa and facing the tv, is the lamp to "
                "the left or the right of the tv?", ("A. left", "B. right"), "object_rel_direction_easy",
                ToolStep("print(direction('sofa', 'tv', 'lamp'))",
                         "{'bearing_deg': -48.2, 'side': 'right', 'side_or_back': 'right', 'quadrant': 'front-right'}",
                         ("direction", {"standing": "sofa", "facing": "tv", "target": "lamp"}),
                         {"bearing_deg": -48.2, "side": "right", "side_or_back": "right", "quadrant": "front-right"}),
                "right"),
    ToolExample(("desk_1", "door_1", "bed_1", "lamp_1"), "If I am standing by the desk and facing the door, is the bed "
                "to my left, right, or back?", ("A. right", "B. back", "C. left"), "object_rel_direction_medium",
                ToolStep("print(direction('desk', 'door', 'bed')['side_or_back'])", "back",
                         ("direction", {"standing": "desk", "facing": "door", "target": "bed"}),
                         {"bearing_deg": 171.3, "side": "left", "side_or_back": "back", "quadrant": "back-left"}), "back"),
    ToolExample(("door_1", "bed_1", "window_1", "desk_1"), "If I am standing by the door and facing the bed, is the "
                "window to my front-left, front-right, back-left, or back-right?",
                ("A. back-left", "B. front-right", "C. front-left", "D. back-right"), "object_rel_direction_hard",
                ToolStep("print(direction('door', 'bed', 'window')['quadrant'])", "front-left",
                         ("direction", {"standing": "door", "facing": "bed", "target": "window"}),
                         {"bearing_deg": 38.5, "side": "left", "side_or_back": "left", "quadrant": "front-left"}),
                "front-left"),
)

#: The choices of :attr:`ToolLLMConfig.examples`.
EXAMPLE_CHOICES = ("all", "task")


def chosen_examples(question_type: str | None, examples: str = "all") -> tuple[ToolExample, ...]:
    """The worked examples a prompt shows: every one (``all``), or those of ``question_type``
    (``task``; every one when it has none)."""
    own = tuple(e for e in TOOL_EXAMPLES if e.question_type == question_type)
    return own if examples == "task" and own else TOOL_EXAMPLES


@dataclass(frozen=True)
class ToolLLMConfig:
    """The tool ``protocol`` (one of :data:`~spatialcode.reason.tool_protocols.TOOL_PROTOCOLS`),
    at most ``max_rounds`` requests per question, the ``sampling`` of each turn, the sandbox
    ``limits`` of programs, and ``require_tool_use``: a first reply that answers without asking
    for a tool is sent back once with the protocol's reminder (as an API's "tool use required";
    the reminder takes one of the rounds). ``examples``: which worked examples the prompt shows —
    ``all`` of :data:`TOOL_EXAMPLES`, or ``task``: those of the question's own task (all of them
    when the task has none or is not given)."""

    protocol: str = "programs"
    max_rounds: int = 3
    require_tool_use: bool = True
    examples: str = "all"
    sampling: Sampling = field(default_factory=lambda: Sampling(max_tokens=256))
    limits: SandboxLimits = field(default_factory=SandboxLimits)

    def __post_init__(self) -> None:
        check_whole_number(self.max_rounds, "max_rounds", minimum=0)
        make_protocol(self.protocol)  # a known one
        if self.examples not in EXAMPLE_CHOICES:
            raise ValidationError("examples", f"expected one of {', '.join(EXAMPLE_CHOICES)}, got {self.examples!r}")


def build_tool_prompt(code: SpatialCode, question: str, options: Sequence[str] | None = None,
                      question_type: str | None = None, protocol: ToolProtocol | None = None,
                      examples: str = "all") -> Prompt:
    """The first turn: the tools in ``protocol``'s words (default: programs), the worked examples
    (:func:`chosen_examples` of ``examples``) as earlier conversations, then the object names
    (those the question names first), the question, its options and the answer format."""
    protocol = protocol or make_protocol("programs")
    names = object_names(code.objects)
    named = {o.id for o in mentioned_objects(code, question, options)}
    ordered = [n for n, o in zip(names, code.objects) if o.id in named] + \
              [n for n, o in zip(names, code.objects) if o.id not in named]
    shots = tuple(turn for example in chosen_examples(question_type, examples) for turn in (
        ("user", _tool_question(example.names, example.question, example.options, example.question_type, protocol)),
        *zip(("assistant", "user"), protocol.example_turns(example.step)),
        ("assistant", f"<answer>{example.answer}</answer>")))
    return Prompt(f"{SYSTEM}\n\n{protocol.instructions}", _tool_question(ordered, question, options, question_type, protocol),
                  shots=shots)


def _tool_question(names: Sequence[str], question: str, options: Sequence[str] | None,
                   question_type: str | None, protocol: ToolProtocol) -> str:
    """A question turn: the object names, the question, its options and the answer format."""
    parts = [f"Objects: {', '.join(names) if names else '(none)'}.", *question_parts(question, options)]
    final = "the text of one option" if options else (
        "a whole number" if question_type == tasks.COUNTING else "a number with its unit")
    parts.append(f"{protocol.invitation} Give only the final answer inside <answer></answer>: {final}.")
    return "\n\n".join(parts)


class ToolLLMReasoner:
    """Answers questions with a language model that calls tools over the code (see the module
    docstring)."""

    name = "llm-tools"

    def __init__(self, backend: Backend, config: ToolLLMConfig | None = None) -> None:
        self.backend = backend
        self.config = config or ToolLLMConfig()
        self.protocol = make_protocol(self.config.protocol, self.config.limits)

    def answer_question(self, code: SpatialCode, question: str, options: Sequence[str] | None = None,
                        question_type: str | None = None) -> Answer:
        """The model's answer; the record carries the conversation's replies, the requests and
        their outputs, the parse status, tokens and latency. A backend failure raises."""
        config, protocol, tools = self.config, self.protocol, SpatialTools(code)
        prompt = build_tool_prompt(code, question, options, question_type, protocol, config.examples)
        sampling = replace(config.sampling, stop=(*config.sampling.stop, *protocol.stop))
        calls: list[dict] = []
        totals = {"prompt_tokens": 0, "completion_tokens": 0, "latency_s": 0.0}
        reply, reminded = "", False
        for round_ in range(config.max_rounds + 1):
            completion = self.backend.complete([prompt], sampling)[0]
            if completion.error is not None:
                raise SpatialCodeError(f"the model did not answer: {completion.error}")
            totals["prompt_tokens"] += completion.prompt_tokens or 0
            totals["completion_tokens"] += completion.completion_tokens or 0
            totals["latency_s"] += completion.seconds
            reply = completion.text
            request = protocol.find(reply)
            if request is None and config.require_tool_use and not calls and not reminded and round_ < config.max_rounds:
                reminded = True
                prompt = prompt.then("assistant", reply.strip()).then("user", protocol.reminder)
                continue
            if request is None or "<answer>" in reply[: request.start()].lower() or round_ == config.max_rounds:
                break
            run = protocol.run(request.group(1), code, tools)
            calls.append({protocol.request_key: run.request, "output": run.output, "ok": run.ok})
            # the backend stopped at the closing tag: put it back
            prompt = prompt.then("assistant", protocol.closed(reply[: request.end()].rstrip())).then(
                "user", protocol.result_turn(run.output))
        # a request left unanswered (rounds used up) is not an answer
        unanswered = protocol.find(reply)
        final = reply if unanswered is None else reply[: unanswered.start()] + " " + reply[unanswered.end():]
        return answer_from_reply(final, question, options, question_type, {
            "tool_calls": calls, "rounds": len(calls), "reminded": reminded, **totals,
            "latency_s": round(totals["latency_s"], 3)})
