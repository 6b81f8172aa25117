# Copyright (c) mmjepa contributors. All rights reserved.
"""Config errors that teach: a mistyped key becomes "model.backbone: JEPAViT has no argument 'archh' (did you
mean 'arch'?)" instead of Python's bare ``TypeError``."""
import contextlib
import difflib
import importlib
import inspect
import re
from typing import Iterator, List, Optional, Sequence, Tuple

_UNEXPECTED = re.compile(r"(?:(\w+)\.)?__init__\(\) got an unexpected keyword argument '(\w+)'")


class ConfigKeyError(TypeError):
    """A config dict gives a class an argument it does not take, or a part without its ``type``."""


def accepted_arguments(cls: type) -> List[str]:
    """The keyword arguments ``cls(...)`` takes: its ``__init__``'s and, while an ``__init__`` forwards
    ``**kwargs``, those of the next class in its MRO that defines one."""
    names: List[str] = []
    for klass in inspect.getmro(cls):
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            break
        names += [p.name for p in params if p.name != 'self' and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break
    return list(dict.fromkeys(names))


def _registries(scopes: Sequence[str]) -> list:
    from mmengine.registry import Registry
    found = []
    for scope in scopes:
        try:
            module = importlib.import_module(f'{scope}.registry')
        except ImportError:
            continue
        found += [v for v in vars(module).values() if isinstance(v, Registry)]
    return found


def _resolve(type_, registries) -> Optional[type]:
    if inspect.isclass(type_):
        return type_
    if not isinstance(type_, str):
        return None
    for registry in registries:
        try:
            cls = registry.get(type_)
        except Exception:  # a scope prefix of a package that is not installed
            cls = None
        if inspect.isclass(cls):
            return cls
    return None


def _dicts_with_key(node, key: str, path: str = '') -> Iterator[Tuple[str, dict]]:
    if isinstance(node, dict):
        if key in node and 'type' in node:
            yield path, node
        for k, v in node.items():
            yield from _dicts_with_key(v, key, f'{path}.{k}' if path else str(k))
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            yield from _dicts_with_key(v, key, f'{path}[{i}]')


def _init_defaults(cls: type) -> dict:
    """name -> default of the keyword arguments of ``cls`` (through ``**kwargs`` into its parents)."""
    defaults = {}
    for klass in inspect.getmro(cls):
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        for p in params:
            if p.default is not p.empty:
                defaults.setdefault(p.name, p.default)
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break
    return defaults


def _typeless_parts(node, registries, path: str = '') -> Iterator[Tuple[str, str, dict]]:
    """(config path, class name, code default) of each sub-dict without ``type`` whose class builds that part
    from a code default with a ``type``: an override of a subkey then replaced the default instead of
    updating it."""
    if isinstance(node, dict):
        cls = _resolve(node.get('type'), registries) if 'type' in node else None
        defaults = _init_defaults(cls) if cls is not None else {}
        for key, value in node.items():
            sub_path = f'{path}.{key}' if path else str(key)
            default = defaults.get(key)
            if isinstance(value, dict) and 'type' not in value and isinstance(default, dict) and 'type' in default:
                yield sub_path, cls.__name__, default
            yield from _typeless_parts(value, registries, sub_path)
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _typeless_parts(value, registries, f'{path}[{i}]')


def explain_missing_type(exc: BaseException, cfg) -> Optional[str]:
    """For mmengine's ``KeyError: cfg or default_args must contain the key "type"``, the config key whose
    override dropped the code default's ``type``, and the fix; None for any other error."""
    if not (isinstance(exc, KeyError) and 'must contain the key "type"' in str(exc)):
        return None
    scope = cfg.get('default_scope') or 'mmpretrain'
    registries = _registries(list(dict.fromkeys([scope, 'mmpretrain', 'mmengine'])))
    for path, owner, default in _typeless_parts(cfg.to_dict() if hasattr(cfg, 'to_dict') else cfg, registries):
        return (f'{path} has no "type": {owner} builds it from its code default {default!r} only when {path} is '
                f'absent, so setting a subkey replaced the whole default. Give the full dict, e.g. '
                f'{path}.type={default["type"]!r} beside your subkeys.')
    return None


def explain_unknown_key(exc: BaseException, cfg) -> Optional[str]:
    """For a ``TypeError`` about an unexpected keyword argument raised while building from ``cfg``, the
    config path, the class, the key and the nearest valid keys; None for any other error."""
    match = _UNEXPECTED.search(str(exc)) if isinstance(exc, TypeError) else None
    if match is None:
        return None
    key = match.group(2)
    scope = cfg.get('default_scope') or 'mmpretrain'
    registries = _registries(list(dict.fromkeys([scope, 'mmpretrain', 'mmengine'])))
    for path, node in _dicts_with_key(cfg.to_dict() if hasattr(cfg, 'to_dict') else cfg, key):
        cls = _resolve(node['type'], registries)
        if cls is None:
            continue
        valid = accepted_arguments(cls)
        if key in valid:
            continue
        close = difflib.get_close_matches(key, valid, n=3, cutoff=0.6)
        hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ''
        return (f'{path or "<config>"}: {cls.__name__} has no argument {key!r}{hint}. Its arguments: '
                f'{", ".join(valid)}. Fix `{path + "." if path else ""}{key}` in the config or in --cfg-options.')
    return None


@contextlib.contextmanager
def explain_config_errors(cfg):
    """Re-raise an unknown-key ``TypeError`` or a missing-``type`` ``KeyError`` raised inside the block as a
    :class:`ConfigKeyError` that names the config key to fix (the original error is chained)."""
    try:
        yield
    except (TypeError, KeyError) as exc:
        message = explain_unknown_key(exc, cfg) or explain_missing_type(exc, cfg)
        if message is None:
            raise
        raise ConfigKeyError(message) from exc
