# Copyright (c) mmjepa contributors. All rights reserved.
"""The tiny T-JEPA of the official-code fixtures (tests/data/tjepa_official/): its settings, the official
checkpoint layout (key names and shapes of ``jose-melo/t-jepa``'s ``context_encoder`` / ``target_encoder`` /
``predictor`` state dicts, facts of the official code) and the deterministic weights and rows the fixtures were
computed on. The side-by-side harness that produced the fixtures builds the official model from the same
settings and writes the same weights by key (see tests/data/tjepa_official/PROVENANCE.md)."""
from typing import Dict, Tuple

import torch

# The official run's settings (names as the official arguments)
S = dict(num_numeric=5, cardinalities=[3], D=6, n_cls=1, dims=8, layers=2, heads=2, ff=16, pred_dims=4,
         pred_layers=2, pred_heads=2, pred_ff=8, clip=1.0, ctx_share=(0.2, 0.5), trgt_share=(0.2, 0.6),
         num_preds=4, batch=8, n_rows=20, lr=1e-2, warmup_epochs=1, epochs=2, steps=6, ema=(0.9, 1.0),
         mask_np_seed=0)

_BLOCK = {'self_attn.in_proj_weight': ('3d', 'd'), 'self_attn.in_proj_bias': ('3d', ),
          'self_attn.out_proj.weight': ('d', 'd'), 'self_attn.out_proj.bias': ('d', ),
          'linear1.weight': ('ff', 'd'), 'linear1.bias': ('ff', ), 'linear2.weight': ('d', 'ff'),
          'linear2.bias': ('d', ), 'norm1.weight': ('d', ), 'norm1.bias': ('d', ), 'norm2.weight': ('d', ),
          'norm2.bias': ('d', )}


def _tabular_encoder(prefix: str, dims: int, ff: int, layers: int) -> Dict[str, Tuple[int, ...]]:
    """``TabularEncoder``: the prototype layer (``transformer_layers``, unused in forward), its clones, the
    LN-Linear-LN head."""
    size = dict(d=dims, ff=ff)
    size['3d'] = 3 * dims
    shape = {k: tuple(size[s] for s in v) for k, v in _BLOCK.items()}
    out = {f'{prefix}transformer_layers.{k}': v for k, v in shape.items()}
    for i in range(layers):
        out.update({f'{prefix}transformer.layers.{i}.{k}': v for k, v in shape.items()})
    out.update({f'{prefix}fc.weight': (dims, dims), f'{prefix}fc.bias': (dims, )})
    for n in ('layernorm1', 'layernorm2'):
        out.update({f'{prefix}{n}.weight': (dims, ), f'{prefix}{n}.bias': (dims, )})
    return out


def official_layout(s: dict = S) -> Dict[str, Dict[str, Tuple[int, ...]]]:
    """``{part: {key: shape}}`` of an official T-JEPA checkpoint (``n_cls_tokens`` [CLS] rows in the tokenizer
    weight, ``pe.pe`` the fixed 5000-row table buffer, the predictor's ``predictor_pos_embed`` over D rows)."""
    d, p = s['dims'], s['pred_dims']
    enc = {'tokenizer.weight': (s['n_cls'] + s['num_numeric'], d), 'tokenizer.bias': (s['D'], d)}
    enc.update({f'tokenizer.category_embeddings.{i}.weight': (c, d) for i, c in enumerate(s['cardinalities'])})
    enc['pe.pe'] = (5000, d)
    enc.update(_tabular_encoder('encoder.', d, s['ff'], s['layers']))
    pred = {'predictor_emb.weight': (p, d), 'predictor_emb.bias': (p, ), 'layer_norm.weight': (p, ),
            'layer_norm.bias': (p, ), 'predictor_pos_embed': (1, s['D'], p), 'mask_token': (1, 1, p)}
    pred.update(_tabular_encoder('transformer.', p, s['pred_ff'], s['pred_layers']))
    pred.update({'predictor_norm.weight': (p, ), 'predictor_norm.bias': (p, ), 'predictor_proj.weight': (d, p),
                 'predictor_proj.bias': (d, )})
    return dict(context_encoder=enc, target_encoder=dict(enc), predictor=pred)


_FIXED_TABLES = ('pe.pe', 'predictor_pos_embed')


def sorted_official_keys(part: str, s: dict = S):
    """The learned tensors of a part, sorted (the fixed sin-cos tables keep their values)."""
    return sorted(k for k in official_layout(s)[part] if k not in _FIXED_TABLES)


def fixed_value(part: str, key: str, shape) -> torch.Tensor:
    """The deterministic value the fixtures give an official tensor: a sine of its position (no RNG), around 1
    for LayerNorm weights."""
    keys = sorted_official_keys('predictor' if part == 'predictor' else 'context_encoder')
    index = keys.index(key) + (100 if part == 'predictor' else 0)
    numel = 1
    for n in shape:
        numel *= n
    vals = torch.sin(torch.arange(numel, dtype=torch.float64) * 0.7 + index).float()
    is_norm_weight = key.endswith('.weight') and any(n in key for n in ('norm', 'layer_norm'))
    vals = 1.0 + 0.1 * vals if is_norm_weight else 0.3 * vals
    return vals.reshape(shape)


def official_state(part: str, s: dict = S) -> Dict[str, torch.Tensor]:
    """An official-layout state dict of ``part`` with the fixed values (fixed tables as the official code
    computes them: ``pe.pe`` interleaved base 100, ``predictor_pos_embed`` [sin | cos] base 10000)."""
    import math
    out = {}
    for key, shape in official_layout(s)[part].items():
        if key == 'pe.pe':
            pos = torch.arange(shape[0], dtype=torch.float32)[:, None]
            freq = torch.exp(torch.arange(0, shape[1], 2).float() * (-math.log(100.0) / shape[1]))
            table = torch.zeros(shape)
            table[:, 0::2], table[:, 1::2] = torch.sin(pos * freq), torch.cos(pos * freq)
            out[key] = table
        elif key == 'predictor_pos_embed':
            half = shape[-1] // 2
            omega = 1. / 10000 ** (torch.arange(half, dtype=torch.float64) / half)
            angle = torch.arange(shape[1], dtype=torch.float64)[:, None] * omega
            out[key] = torch.cat([angle.sin(), angle.cos()], dim=1).float()[None]
        else:
            out[key] = fixed_value(part, key, shape)
    return out


def rows(n: int, s: dict = S) -> torch.Tensor:
    """``n`` table rows: ``num_numeric`` values in [0, 1] (MinMax-scaled, as the official loader), then one code
    per categorical column."""
    numeric = 0.5 + 0.5 * torch.sin(torch.arange(n * s['num_numeric'], dtype=torch.float64) * 0.37)
    numeric = numeric.reshape(n, s['num_numeric'])
    codes = [(torch.arange(n) * (7 + 2 * c) + c) % card for c, card in enumerate(s['cardinalities'])]
    return torch.cat([numeric] + [c[:, None].double() for c in codes], dim=1).float()
