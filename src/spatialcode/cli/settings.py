"""One way to configure every long command (nerfstudio's and lerobot's): the command's settings
are one config dataclass tree; ``--config FILE`` (YAML) gives some of them, the command's own
options others, ``--set dotted.key=VALUE`` any of them, each later source winning over the
earlier; ``--show-config`` prints the settings as YAML and stops (a file to start from)::

    spatialcode eval --questions q.jsonl --codes codes/ --predictions p.jsonl --show-config > eval.yaml
    spatialcode eval --config eval.yaml --set reasoner.name=llm --set reasoner.model.path=model.gguf

A bad setting is one ``error:`` line naming its key (and the option that sets it, if any)."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import click

from spatialcode.core.config import MISSING_SETTING
from spatialcode.core.errors import ValidationError

F = TypeVar("F", bound=Callable[..., Any])


#: What one option gives: a dotted key, several keys (the same value), or a function from the
#: option's value to ``{dotted.key: value}`` (a preset, a shorthand).
OptionTarget = str | tuple[str, ...] | Callable[[Any], Mapping[str, Any]]


def configured(cls: str, options: Mapping[str, OptionTarget] | None = None) -> Callable[[F], F]:
    """Make a click command take its settings as one instance of the config dataclass ``cls``
    (``"module:Name"``, imported when the command runs, so that the command line starts fast),
    passed as ``config``: adds ``--config``, ``--set`` and ``--show-config``; each parameter named
    in ``options`` is an option of the command that, when given (not ``None``, not empty), sets
    what it maps to (:data:`OptionTarget`). The command's other parameters are passed through."""
    targets = dict(options or {})
    option_of = {key: name for name, target in targets.items() if not callable(target)
                 for key in ((target,) if isinstance(target, str) else target)}

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, config_file: Path | None, overrides: tuple[str, ...], show_config: bool,
                    **params: Any) -> Any:
            from spatialcode.core.config import load_config

            given = {name: params.pop(name) for name in targets}
            given = {name: value for name, value in given.items() if value not in (None, ())}
            module, _, class_name = cls.partition(":")
            try:
                values = _option_values(targets, given)
                config = load_config(getattr(importlib.import_module(module), class_name), config_file, overrides,
                                     values)
            except ValidationError as err:
                raise _naming_the_option(err, option_of.get(err.field), given, _flags()) from None
            if show_config:
                click.echo(settings_yaml(config), nl=False)
                return None
            return func(*args, config=config, **params)

        for option in reversed(_CONFIG_OPTIONS):
            wrapper = option(wrapper)
        return wrapper  # type: ignore[return-value]

    return decorate


def _option_values(targets: Mapping[str, OptionTarget], given: Mapping[str, Any]) -> dict[str, Any]:
    """``{dotted.key: value}`` from the options ``given``, in the order of ``targets``."""
    values: dict[str, Any] = {}
    for name, target in targets.items():
        if name not in given:
            continue
        if callable(target):
            values.update(target(given[name]))
        else:
            values.update(dict.fromkeys((target,) if isinstance(target, str) else target, given[name]))
    return values


def _flags() -> dict[str, str]:
    """The running command's parameters by name, as a user types them (``--task``, ``INPUT``)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return {}
    return {param.name: param.opts[0] if isinstance(param, click.Option) else param.human_readable_name
            for param in ctx.command.params if param.name}


def _naming_the_option(err: ValidationError, option: str | None, given: Mapping[str, Any],
                       flags: Mapping[str, str]) -> ValidationError:
    """``err`` saying which option sets its key (``flags``: how each is typed): the option that
    gave the bad value, or the one that gives a missing or refused setting."""
    if option is None:
        return err
    flag = flags.get(option, "--" + option.replace("_", "-"))
    if err.problem == MISSING_SETTING:
        return ValidationError(err.field, f"missing setting: give {flag} (or {err.field} in a --config file)")
    if option in given:
        return ValidationError(f"{err.field} (from {flag})", err.problem)
    return ValidationError(err.field, f"{err.problem} (set it with {flag})")


def settings_yaml(config: Any) -> str:
    """The settings ``config`` (a config dataclass) as the YAML a ``--config`` file holds."""
    import yaml

    from spatialcode.core.config import config_dict

    return yaml.safe_dump(config_dict(config), sort_keys=False, allow_unicode=True)


_CONFIG_OPTIONS = (
    click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                 help="Settings from a YAML file (see --show-config); the options given override it."),
    click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
                 help="Override one setting by its dotted key, as --show-config prints it (repeatable; wins "
                      "over the file and the options; the value is read as YAML)."),
    click.option("--show-config", is_flag=True,
                 help="Print the settings (file, options and --set merged) as YAML and stop."),
)
