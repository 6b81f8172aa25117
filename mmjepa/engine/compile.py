# Copyright (c) mmjepa contributors. All rights reserved.
"""``torch.compile`` of a model's transformer blocks, one block at a time ("regional compilation").

Why per block, not per network or per training step:

- **DDP overlap.** DDP all-reduces a gradient bucket as soon as the backward pass has produced it. A whole
  compiled encoder is one autograd node whose backward returns every gradient at its end, so nothing could be
  all-reduced before the encoder's backward is over. One compiled graph per block gives the gradients back
  block by block, as eager does.
- **Compile time.** The blocks of a network share one code object (``TransformerEncoderLayer.forward``); with
  dynamo's inlining of built-in modules the compiled graph is reused across blocks of the same shape.
- **Stable graphs.** What changes each step stays outside the compiled regions: the step counter, the EMA
  momentum, the numpy mask sampler, the optimizer (already one fused kernel). The token counts change with
  every mask draw, so the blocks are compiled with ``dynamic=True`` (default): the sequence and batch sizes are
  symbolic from the first step, and the widths, which meet the (static) weights, are specialised. With
  ``dynamic=None`` dynamo would recompile each block kind once more, at the first step whose masks change its
  token count (measured: 6 graphs, then 8 at the third step of the tiny test model).

What is compiled: every module that is an instance of ``block_types`` (default: mmpretrain's
``TransformerEncoderLayer``, which mmjepa's blocks subclass) and is entered through its ``forward``. Blocks run
from their weights elsewhere (the predictor's last block, ``last_layer_on_queries``; a block with relative
position, ``run_block``) stay eager. Module names and ``state_dict`` keys are unchanged (``nn.Module.compile``
compiles in place), so checkpoints and resume are unaffected.
"""
from typing import Iterable, Optional, Tuple, Type

from mmengine.model import is_model_wrapper
from torch import nn


def default_block_types() -> Tuple[Type[nn.Module], ...]:
    """The block classes compiled by default: mmpretrain's transformer layer (and its subclasses)."""
    from mmpretrain.models.backbones.vision_transformer import TransformerEncoderLayer
    return (TransformerEncoderLayer, )


def resolve_block_types(block_types: Optional[Iterable]) -> Tuple[Type[nn.Module], ...]:
    """Classes from ``block_types`` (classes or registered model names); the defaults when None."""
    if block_types is None:
        return default_block_types()
    from mmpretrain.registry import MODELS
    resolved = []
    for item in block_types:
        cls = MODELS.get(item) if isinstance(item, str) else item
        if not isinstance(cls, type):
            raise KeyError(f'compile.block_types: {item!r} is not a class or a registered model name')
        resolved.append(cls)
    return tuple(resolved)


def compile_blocks(model: nn.Module, block_types: Optional[Iterable] = None, **compile_kwargs) -> int:
    """Compile, in place, every block of ``model`` (unwrapped from DDP / FSDP) that is an instance of
    ``block_types``; ``compile_kwargs`` go to ``torch.compile`` (``dynamic``, ``mode``, ``backend``,
    ``fullgraph``, ``options``). Returns how many blocks were compiled; 0 raises, naming the config key."""
    if is_model_wrapper(model):
        model = model.module
    types = resolve_block_types(block_types)
    compile_kwargs.setdefault('dynamic', True)
    count = 0
    for module in model.modules():
        if isinstance(module, types):
            module.compile(**compile_kwargs)
            count += 1
    if not count:
        raise ValueError(f'compile: {type(model).__name__} has no block of the types '
                         f'{[t.__name__ for t in types]}; set compile.block_types to the classes to compile')
    return count


def compile_options(value) -> Optional[dict]:
    """The keyword arguments of :func:`compile_blocks` from the config's ``compile`` key: None (off) for a
    false value, ``{}`` for True, the dict itself otherwise (e.g. ``dict(mode='max-autotune-no-cudagraphs')``)."""
    if not value:
        return None
    if value is True:
        return {}
    if isinstance(value, dict):
        return dict(value)
    raise TypeError(f'compile must be a bool or a dict of torch.compile arguments, got {value!r}')


def dynamo_counts() -> dict:
    """Graph breaks and compiled graphs so far in this process (dynamo's counters), for tests and reports."""
    from torch._dynamo.utils import counters
    return dict(graph_breaks=sum(counters['graph_break'].values()),
                unique_graphs=counters['stats'].get('unique_graphs', 0))
