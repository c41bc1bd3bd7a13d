"""What a program may say: an allow-list over its syntax tree.

A tool program is a few lines of plain Python: assignments, loops, conditions, comprehensions,
small functions and lambdas, arithmetic, calls of the tools and of a few builtins, ``print`` and
``answer = ...``. Everything else is refused before the program runs — not by listing what is
dangerous, but by listing what is needed:

- **node types**: :data:`ALLOWED_NODES` (no imports, classes, ``match``, ``with``, ``global``,
  ``yield``/``await``/``async``, ``del``, decorators);
- **names**: the sandbox's own (:data:`PROVIDED_NAMES`) or names the program itself
  binds; none starting with ``_``;
- **attributes**: only :data:`ALLOWED_ATTRIBUTES` (methods of lists, dicts, strings and sets, and
  ``math``'s functions) — no frame, generator, traceback, code, class or ``format`` attributes;
- **strings**: no ``__dunder__`` names inside string constants;
- **size**: at most :data:`MAX_PROGRAM_CHARS` characters, :data:`MAX_NODES` nodes and
  :data:`MAX_DEPTH` levels of nesting (the parser's and compiler's recursion stays far from its
  limits).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from spatialcode.reason.tools import TOOL_SIGNATURES

#: Longest program accepted (characters).
MAX_PROGRAM_CHARS = 8000
#: Most syntax-tree nodes accepted.
MAX_NODES = 3000
#: Deepest nesting of syntax-tree nodes accepted.
MAX_DEPTH = 40

#: The builtins a program sees (plain values and pure functions; no introspection, no I/O).
SAFE_BUILTINS = ("abs", "all", "any", "bool", "chr", "dict", "divmod", "enumerate", "filter", "float", "int", "isinstance",
                 "len", "list", "map", "max", "min", "next", "ord", "pow", "range", "repr", "reversed", "round", "set",
                 "sorted", "str", "sum", "tuple", "zip", "Exception", "ValueError", "KeyError", "IndexError", "TypeError",
                 "ZeroDivisionError")
#: What ``math.`` offers a program.
MATH_NAMES = ("pi", "e", "tau", "inf", "sqrt", "hypot", "atan2", "atan", "asin", "acos", "sin", "cos", "tan", "degrees",
              "radians", "floor", "ceil", "fabs", "isclose", "dist", "exp", "log", "log10", "isfinite", "isnan", "trunc",
              "copysign", "fsum", "prod")
#: Every name a program may use without binding it: builtins, ``print``, ``math``, ``scene``,
#: ``ToolError`` and the tools.
PROVIDED_NAMES = (*SAFE_BUILTINS, "print", "math", "scene", "ToolError", *TOOL_SIGNATURES)

ALLOWED_NODES: frozenset[type] = frozenset({
    ast.Module, ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.While, ast.If, ast.Break, ast.Continue,
    ast.Pass, ast.FunctionDef, ast.Return, ast.Lambda, ast.arguments, ast.arg, ast.Try, ast.ExceptHandler, ast.Raise,
    ast.Assert, ast.IfExp, ast.NamedExpr, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.Compare, ast.Call, ast.keyword,
    ast.Constant, ast.JoinedStr, ast.FormattedValue, ast.Name, ast.Load, ast.Store, ast.Attribute, ast.Subscript,
    ast.Slice, ast.Starred, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.ListComp, ast.SetComp, ast.DictComp,
    ast.GeneratorExp, ast.comprehension,
    ast.And, ast.Or, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.UAdd, ast.USub, ast.Not,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot,
})

#: Attribute names a program may use, on any object.
ALLOWED_ATTRIBUTES = frozenset({
    # lists, dicts, sets
    "append", "extend", "insert", "pop", "remove", "index", "count", "sort", "reverse", "copy", "clear", "items", "keys",
    "values", "get", "update", "setdefault", "add", "discard", "union", "intersection", "difference",
    # strings
    "lower", "upper", "strip", "lstrip", "rstrip", "split", "rsplit", "join", "replace", "startswith", "endswith",
    "title", "capitalize", "find", "isdigit", "isalpha", "splitlines", "zfill", "ljust", "rjust",
    # numbers
    "real", "imag", "is_integer",
    # the sandbox's math namespace
    *MATH_NAMES,
})

#: How a refused construct is named in the error the model sees (else its node type).
_CONSTRUCTS = {ast.Import: "imports", ast.ImportFrom: "imports", ast.ClassDef: "classes", ast.Match: "match statements",
               ast.With: "with statements", ast.Global: "global statements", ast.Nonlocal: "nonlocal statements",
               ast.Yield: "generators (yield)", ast.YieldFrom: "generators (yield)", ast.AsyncFunctionDef: "async code",
               ast.Await: "async code", ast.AsyncFor: "async code", ast.AsyncWith: "async code",
               ast.Delete: "del statements"}
_DUNDER = re.compile(r"__\w+__")
_TOO_DEEP = f"the program is nested too deeply (more than {MAX_DEPTH} levels)"


def check_program(source: str, provided: Iterable[str] = PROVIDED_NAMES) -> str | None:
    """Why ``source`` may not run (one line), or ``None`` when it may; ``provided`` are the names
    the sandbox defines for it."""
    if len(source) > MAX_PROGRAM_CHARS:
        return f"the program is too long ({len(source)} characters; at most {MAX_PROGRAM_CHARS})"
    try:
        tree = ast.parse(source, mode="exec")
    except SyntaxError as err:
        return f"SyntaxError: {err.msg} (line {err.lineno})"
    except (RecursionError, MemoryError, ValueError):
        return _TOO_DEEP
    nodes = _nodes_within_depth(tree)
    if isinstance(nodes, str):
        return nodes
    bound = _bound_names(nodes)
    known = bound | set(provided)
    for node in nodes:
        line = getattr(node, "lineno", 1)
        if type(node) not in ALLOWED_NODES:
            return f"{_CONSTRUCTS.get(type(node), type(node).__name__)} are not allowed (line {line})"
        if isinstance(node, ast.FunctionDef) and (node.decorator_list or node.returns):
            return f"decorators and return annotations are not allowed (line {line})"
        if isinstance(node, ast.Name):
            if node.id.startswith("_"):
                return f"the name {node.id!r} is not allowed (line {line})"
            if node.id not in known:
                return f"the name {node.id!r} is not defined (line {line}): use the listed functions, scene, math " \
                       "and plain builtins"
        if isinstance(node, ast.Attribute) and node.attr not in ALLOWED_ATTRIBUTES:
            return f"the attribute {node.attr!r} is not allowed (line {line})"
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _DUNDER.search(node.value):
            return f"strings naming dunder attributes are not allowed (line {line})"
    return None


def _nodes_within_depth(tree: ast.AST) -> list[ast.AST] | str:
    """Every node of ``tree`` in source order (outer nodes first), or why the tree is too big or
    deep (walked iteratively: no recursion however deep the tree)."""
    found: list[tuple[int, int, int, ast.AST]] = []
    stack: list[tuple[ast.AST, int, int, int]] = [(tree, 0, 0, 0)]
    while stack:
        node, depth, line, column = stack.pop()
        if depth > MAX_DEPTH:
            return _TOO_DEEP
        line, column = getattr(node, "lineno", line), getattr(node, "col_offset", column)  # else the parent's
        found.append((line, column, depth, node))
        if len(found) > MAX_NODES:
            return f"the program is too large (more than {MAX_NODES} syntax nodes)"
        stack.extend((child, depth + 1, line, column) for child in ast.iter_child_nodes(node))
    return [node for *_, node in sorted(found, key=lambda item: item[:3])]


def _bound_names(nodes: list[ast.AST]) -> set[str]:
    """The names the program binds: assignment targets, functions, parameters, exception names."""
    bound: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.FunctionDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound
