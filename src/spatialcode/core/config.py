"""Settings as nested config dataclasses (training runs and other long jobs), read from YAML
with command-line overrides (nerfstudio's style: the dataclasses are the schema; a file only
says what differs).

``load_config(SFTRunConfig, "configs/sft_cpu.yaml", ["lora.r=8", "max_steps=20"])`` reads the
file, applies each ``dotted.key=value`` override (the value read as YAML: ``8``, ``1e-4``,
``true``, ``[a, b]``) and builds the dataclass, nested dataclasses included (``Path`` fields
from strings, tuple fields from lists). An unknown key is
an error naming it; each dataclass validates its own values. An error that comes from the file
names the file.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from spatialcode.core.errors import InputFileError, ValidationError

T = TypeVar("T")

#: The problem a setting with no default and no value is reported with.
MISSING_SETTING = "missing setting (no default)"
#: The largest settings file read, bytes.
MAX_CONFIG_BYTES = 1024 * 1024


def build_config(cls: type[T], data: Mapping[str, Any], where: str = "") -> T:
    """An instance of the dataclass ``cls`` from the mapping ``data``: nested dataclass fields
    from nested mappings (merged over the field's default), tuple fields from lists; unknown
    keys raise :class:`ValidationError`, and so does a nested dataclass's own validation, its
    field named by the dotted path from the top (``odometry.method``)."""
    if not isinstance(data, Mapping):
        raise ValidationError(where or cls.__name__, f"expected a mapping of settings, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValidationError(f"{where}{unknown[0]}", _unknown_setting(unknown[0], known, hints, where))
    values = {}
    for name, value in data.items():
        nested = _dataclass_in(hints[name])
        if nested is not None and isinstance(value, Mapping):
            default = _default(known[name])
            if isinstance(default, nested):  # a file sets some settings of a group: the rest keep the field's default
                value = _merged(config_dict(default), value)
            value = build_config(nested, value, f"{where}{name}.")
        elif nested is not None and not isinstance(value, nested) and not (value is None and _optional(hints[name])):
            raise ValidationError(f"{where}{name}", f"expected a group of settings (a mapping), got {value!r}")
        elif _is_tuple(hints[name]) and isinstance(value, list):
            value = tuple(value)
        elif _is_path(hints[name]) and isinstance(value, str):
            value = Path(value)
        values[name] = value
    missing = [name for name, spec in known.items() if name not in values and _required(spec)]
    if missing:
        raise ValidationError(f"{where}{missing[0]}", MISSING_SETTING)
    try:
        return cls(**values)
    except TypeError as err:
        raise ValidationError(where.rstrip(".") or cls.__name__, str(err)) from None
    except ValidationError as err:  # the dataclass's own check: name the field by its whole path
        if not where or err.field.startswith(where):
            raise
        raise ValidationError(f"{where}{err.field}", err.problem) from None


def _unknown_setting(key: str, known: Mapping[str, dataclasses.Field], hints: Mapping[str, Any], where: str) -> str:
    """Why ``key`` is refused: the settings known at this level, and the group that has a
    setting of that name (a file written for a flatter layout, say)."""
    groups = [name for name in known if (nested := _dataclass_in(hints[name])) is not None
              and key in {f.name for f in dataclasses.fields(nested)}]
    home = f"; it belongs to a group: {where}{groups[0]}.{key}" if groups else ""
    return f"unknown setting (known: {', '.join(sorted(known))}){home}"


def _default(spec: dataclasses.Field) -> Any:
    """A dataclass field's default value (``None`` when it has none)."""
    if spec.default is not dataclasses.MISSING:
        return spec.default
    if spec.default_factory is not dataclasses.MISSING:
        return spec.default_factory()
    return None


def _required(spec: dataclasses.Field) -> bool:
    return spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING


def _merged(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``update``'s values, nested mappings merged key by key."""
    result = dict(base)
    for key, value in update.items():
        both = isinstance(value, Mapping) and isinstance(result.get(key), Mapping)
        result[key] = _merged(result[key], value) if both else value
    return result


def _dataclass_in(hint: Any) -> type | None:
    """The dataclass a field's type names (also inside ``X | None``), or ``None``."""
    if dataclasses.is_dataclass(hint):
        return hint  # type: ignore[return-value]
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return next((arg for arg in typing.get_args(hint) if dataclasses.is_dataclass(arg)), None)
    return None


def _optional(hint: Any) -> bool:
    """Whether a field's type admits ``None`` (``X | None``)."""
    return type(None) in typing.get_args(hint)


def _is_tuple(hint: Any) -> bool:
    return hint is tuple or typing.get_origin(hint) is tuple or any(
        _is_tuple(arg) for arg in typing.get_args(hint) if isinstance(hint, types.UnionType))


def _is_path(hint: Any) -> bool:
    return hint is Path or (isinstance(hint, types.UnionType) and Path in typing.get_args(hint))


def apply_overrides(data: Mapping[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """``data`` with each ``dotted.key=value`` override applied (values read as YAML)."""
    return apply_values(data, dict(parse_override(override) for override in overrides))


def parse_override(override: str) -> tuple[str, Any]:
    """The dotted key and the value (read as YAML; empty: ``None``) of ``"dotted.key=value"``."""
    import yaml

    key, sep, text = override.partition("=")
    if not sep or not key.strip():
        raise ValidationError("override", f"expected key=value (e.g. max_steps=20), got {override!r}")
    try:
        return key.strip(), yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError:
        raise ValidationError(key.strip(), f"not a YAML value: {text!r}") from None


def apply_values(data: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with each ``{dotted.key: value}`` of ``values`` set (groups made as needed)."""
    result = _deep_copy(data)
    for key, value in values.items():
        *parents, last = key.split(".")
        node = result
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ValidationError(key, f"{part!r} is a value, not a group of settings")
            node = child
        node[last] = value
    return result


def _deep_copy(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, Mapping) else v for k, v in data.items()}


def load_config(cls: type[T], path: str | Path | None = None, overrides: Sequence[str] = (),
                values: Mapping[str, Any] | None = None) -> T:
    """The settings of ``cls`` from the YAML file ``path`` (optional), then ``values`` (``{dotted.key:
    value}``, e.g. a command's options), then ``overrides`` (``dotted.key=value`` strings): each
    later source wins."""

    data: Any = {}
    if path is not None:
        path = Path(path)
        data = _read_settings_file(path)
    try:
        return build_config(cls, apply_overrides(apply_values(data, values or {}), overrides))
    except ValidationError as err:
        if path is not None and _file_alone_fails_the_same(cls, data, err):
            raise InputFileError(f"{path}: {err}") from None
        raise


def _read_settings_file(path: Path) -> dict[str, Any]:
    """The mapping of settings in the YAML file ``path`` (at most :data:`MAX_CONFIG_BYTES`, UTF-8,
    no aliases: a settings file is a user's input, and an alias can stand for an exponential tree)."""
    import yaml

    if not path.is_file():
        raise InputFileError(f"{path}: no such config file")
    with path.open("rb") as handle:
        raw = handle.read(MAX_CONFIG_BYTES + 1)
    if len(raw) > MAX_CONFIG_BYTES:
        raise InputFileError(f"{path}: a settings file of more than {MAX_CONFIG_BYTES // 1024} KiB; is it the right file?")
    try:
        text = raw.decode("utf-8")
        if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=yaml.SafeLoader)):
            raise InputFileError(f"{path}: YAML aliases (*name) are not supported in a settings file; write the "
                                 "values out")
        data = yaml.safe_load(text) or {}
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: not a text file (UTF-8 YAML expected)") from None
    except yaml.YAMLError as err:
        raise InputFileError(f"{path}: not valid YAML ({str(err).splitlines()[0]})") from None
    if not isinstance(data, Mapping):
        raise InputFileError(f"{path}: expected a mapping of settings at the top level")
    return dict(data)


def _file_alone_fails_the_same(cls: type, data: Mapping[str, Any], err: ValidationError) -> bool:
    """Whether the file's settings without the overrides fail with the same error (then the
    message names the file; otherwise an override is at fault)."""
    try:
        build_config(cls, data)
    except ValidationError as file_err:
        return str(file_err) == str(err)
    return False


def config_dict(config: Any) -> dict[str, Any]:
    """A config dataclass as plain data (tuples as lists), ready for YAML or JSON."""
    def plain(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return str(value) if isinstance(value, Path) else value

    return plain(dataclasses.asdict(config))
