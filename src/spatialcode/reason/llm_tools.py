"""A language model that answers by calling the solver's geometry: the program-executing style
of GCA and Reasmory, over the spatial code.

The prompt lists the tools (:data:`~spatialcode.reason.tools.TOOL_SIGNATURES`) and the objects'
names only — the tools do the geometry, so the boxes need not be in the prompt — and shows a
worked example of each kind of question they answer (:data:`TOOL_EXAMPLES`). The model may write
a short program inside ``<program>…</program>``; it runs in the sandbox
(:func:`~spatialcode.reason.sandbox.run_program`) and its printed output (or error) comes back as
``<output>…</output>`` in the next turn. After at most ``max_rounds`` programs the
model gives ``<answer>…</answer>``, read by :func:`~spatialcode.reason.extract.extract_answer`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from spatialcode import tasks
from spatialcode.errors import SpatialCodeError
from spatialcode.reason.answer import Answer
from spatialcode.reason.backends.base import Backend, Sampling
from spatialcode.reason.llm import answer_from_reply
from spatialcode.reason.prompt import SYSTEM, Prompt, mentioned_objects, question_parts
from spatialcode.reason.sandbox import SandboxLimits, run_program
from spatialcode.reason.serialise import object_names
from spatialcode.reason.tools import TOOL_SIGNATURES
from spatialcode.scene import SpatialCode
from spatialcode.validation import check_whole_number


@dataclass(frozen=True)
class ToolExample:
    """A worked example, shown to the model as an earlier conversation: the scene's object
    ``names``, the question (with its ``options`` and ``question_type``), the ``program`` the
    model writes, its ``output`` and the final ``answer``."""

    names: tuple[str, ...]
    question: str
    options: tuple[str, ...]
    question_type: str
    program: str
    output: str
    answer: str


#: One worked example for each kind of question the tools answer.
TOOL_EXAMPLES = (
    ToolExample(("chair_1", "table_1", "chair_2", "chair_3", "lamp_1", "chair_4"), "How many chair(s) are in this room?",
                (), "object_counting", "print(count('chair'))", "4", "4"),
    ToolExample(("bed_1", "lamp_1", "tv_1", "door_1"), "Measuring from the closest point of each object, what is the "
                "distance between the bed and the tv (in meters)?", (), "object_abs_distance",
                "print(distance('bed', 'tv'))", "1.734", "1.73 m"),
    ToolExample(("table_1", "chair_1", "chair_2", "window_1"), "What is the length of the longest dimension (length, "
                "width, or height) of the table, measured in centimeters?", (), "object_size_estimation",
                "print(size('table'))", "1.524", "1.52 m"),
    ToolExample(("sofa_1", "tv_1", "lamp_1"), "What is the size of this room (in square meters)?", (),
                "room_size_estimation", "print(area())", "23.41", "23.4 m²"),
    ToolExample(("bed_1", "lamp_1", "desk_1", "door_1", "chair_1"), "Measuring from the closest point of each object, "
                "which of these objects (lamp, desk, door) is the closest to the bed?", ("A. lamp", "B. desk", "C. door"),
                "object_rel_distance",
                "print(nearest('bed', ['lamp', 'desk', 'door']))", "door", "door"),
    ToolExample(("sofa_1", "tv_1", "lamp_1", "table_1"), "If I am standing by the sofa and facing the tv, is the lamp to "
                "the left or the right of the tv?", ("A. left", "B. right"), "object_rel_direction_easy",
                "print(direction('sofa', 'tv', 'lamp'))",
                "{'bearing_deg': -48.2, 'side': 'right', 'side_or_back': 'right', 'quadrant': 'front-right'}", "right"),
    ToolExample(("desk_1", "door_1", "bed_1", "lamp_1"), "If I am standing by the desk and facing the door, is the bed "
                "to my left, right, or back?", ("A. right", "B. back", "C. left"), "object_rel_direction_medium",
                "print(direction('desk', 'door', 'bed')['side_or_back'])", "back", "back"),
    ToolExample(("door_1", "bed_1", "window_1", "desk_1"), "If I am standing by the door and facing the bed, is the "
                "window to my front-left, front-right, back-left, or back-right?",
                ("A. back-left", "B. front-right", "C. front-left", "D. back-right"), "object_rel_direction_hard",
                "print(direction('door', 'bed', 'window')['quadrant'])", "front-left", "front-left"),
)

TOOLS_SYSTEM = SYSTEM + (
    "\n\nYou can compute with these Python functions (objects are named like sofa_1, or by category like sofa):\n"
    + "\n".join(f"- {signature}" for signature in TOOL_SIGNATURES.values())
    + "\nTo use them, write a short Python program (no imports) inside <program></program> that prints what you "
    "need, and stop: its output comes back inside <output></output>. Then give the final answer inside "
    "<answer></answer>."
)
#: What a model that answered without a program is told (once).
REMINDER = "Check it with a program first: write it inside <program></program>."
_PROGRAM = re.compile(r"<program>(.*?)(?:</program>|$)", re.S | re.I)
_FENCE = re.compile(r"^```(?:python)?\s*|\s*```$")


@dataclass(frozen=True)
class ToolLLMConfig:
    """At most ``max_rounds`` programs per question, the ``sampling`` of each turn, the sandbox
    ``limits``, and ``require_program``: a first reply that answers without running a program
    is sent back once with :data:`REMINDER` (as an API's "tool use required"; the reminder
    takes one of the rounds)."""

    max_rounds: int = 3
    require_program: bool = True
    sampling: Sampling = field(default_factory=lambda: Sampling(max_tokens=256))
    limits: SandboxLimits = field(default_factory=SandboxLimits)

    def __post_init__(self) -> None:
        check_whole_number(self.max_rounds, "max_rounds", minimum=0)


def build_tool_prompt(code: SpatialCode, question: str, options: Sequence[str] | None = None,
                      question_type: str | None = None) -> Prompt:
    """The first turn: the worked examples (:data:`TOOL_EXAMPLES`) as earlier conversations,
    then the object names (those the question names first), the question, its options and the
    answer format."""
    names = object_names(code.objects)
    named = {o.id for o in mentioned_objects(code, question, options)}
    ordered = [n for n, o in zip(names, code.objects) if o.id in named] + \
              [n for n, o in zip(names, code.objects) if o.id not in named]
    shots = tuple(turn for example in TOOL_EXAMPLES for turn in (
        ("user", _tool_question(example.names, example.question, example.options, example.question_type)),
        ("assistant", f"<program>{example.program}</program>"),
        ("user", f"<output>{example.output}</output>"),
        ("assistant", f"<answer>{example.answer}</answer>")))
    return Prompt(TOOLS_SYSTEM, _tool_question(ordered, question, options, question_type), shots=shots)


def _tool_question(names: Sequence[str], question: str, options: Sequence[str] | None,
                   question_type: str | None) -> str:
    """A question turn: the object names, the question, its options and the answer format."""
    parts = [f"Objects: {', '.join(names) if names else '(none)'}.", *question_parts(question, options)]
    final = "the text of one option" if options else (
        "a whole number" if question_type == tasks.COUNTING else "a number with its unit")
    parts.append(f"Use a program if it helps. Give only the final answer inside <answer></answer>: {final}.")
    return "\n\n".join(parts)


class ToolLLMReasoner:
    """Answers questions with a language model that runs programs over the code (see the module
    docstring)."""

    name = "llm-tools"

    def __init__(self, backend: Backend, config: ToolLLMConfig | None = None) -> None:
        self.backend = backend
        self.config = config or ToolLLMConfig()

    def answer_question(self, code: SpatialCode, question: str, options: Sequence[str] | None = None,
                        question_type: str | None = None) -> Answer:
        """The model's answer; the record carries the conversation's replies, the programs and
        their outputs, the parse status, tokens and latency. A backend failure raises."""
        config = self.config
        prompt = build_tool_prompt(code, question, options, question_type)
        sampling = replace(config.sampling, stop=(*config.sampling.stop, "</program>", "<output>"))
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
            program = _PROGRAM.search(reply)
            if program is None and config.require_program and not calls and not reminded and round_ < config.max_rounds:
                reminded = True
                prompt = prompt.then("assistant", reply.strip()).then("user", REMINDER)
                continue
            if program is None or "<answer>" in reply[: program.start()].lower() or round_ == config.max_rounds:
                break
            source = _FENCE.sub("", program.group(1).strip())
            result = run_program(source, code, config.limits)
            output = result.error if result.error is not None else (result.output or repr(result.answer))
            calls.append({"program": source, "output": output, "ok": result.error is None})
            written = reply[: program.end()].rstrip()
            if not written.lower().endswith("</program>"):  # the backend stopped at the stop string
                written += "</program>"
            prompt = prompt.then("assistant", written).then("user", f"<output>{output.strip()}</output>")
        # a program left unrun (rounds used up) is not an answer
        return answer_from_reply(_PROGRAM.sub(" ", reply), question, options, question_type, {
            "tool_calls": calls, "rounds": len(calls), "reminded": reminded, **totals,
            "latency_s": round(totals["latency_s"], 3)})
