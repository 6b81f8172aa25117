# Copyright (c) mmjepa contributors. All rights reserved.
"""Provenance of pretrained weights: what made a checkpoint, carried from pretraining to the leaderboard.

* A pretraining run writes ``meta['provenance']`` into every checkpoint it saves
  (:class:`mmjepa.engine.hooks.ProvenanceHook`): ``algorithm`` (the model class's ``algorithm_name``, e.g.
  ``'DMT-JEPA'``), ``arch`` (``'ViT-T/8'``), ``epochs`` (trained when saved; fractional for an iteration
  checkpoint), ``max_epochs`` (the run's planned total), ``data`` and ``config``. The model converters write
  the same for official checkpoints (``epochs`` from the file, ``data`` when given).
* A transfer run reads it from the checkpoint it loads and adds ``checkpoint`` (the path) and ``sha256`` (the
  first 8 hex digits of the file's SHA-256, as OpenMMLab's ``publish_model`` names files): that record is the
  run's ``pretrain_provenance`` (in ``<work_dir>/pretrain_provenance.json``, the transfer checkpoints' meta,
  ``test_metrics.json`` and the k-NN / probe JSON).
* The leaderboard row of a run is :func:`resolve_benchmark_meta` of the config's ``benchmark_meta`` (an
  explicit override of any field) and that record; a field found in neither is ``'unknown'``, with a warning.

Everything here is plain data (str, int, float, None), so checkpoints stay loadable with ``weights_only=True``.
"""
import hashlib
import os.path as osp
import warnings
import zipfile
from typing import Mapping, Optional

from .checkpoint import safe_torch_load
from .vit_archs import VIT_ARCHS

META_KEY = 'provenance'  # meta key of a pretraining checkpoint
TRANSFER_KEY = 'pretrain_provenance'  # key of a transfer run's record (checkpoint meta, result JSON)
PROVENANCE_FILE = 'pretrain_provenance.json'  # the record in a transfer work dir
UNKNOWN = 'unknown'
# Leaderboard fields that say which weights a row evaluates; benchmark_meta may set any of them.
ROW_FIELDS = ('algorithm', 'arch', 'pretrain_epochs', 'pretrain_data')
# Dataset classes with a conventional name; other datasets are named after their data_root.
DATASET_NAMES = {'ImageNet': 'ImageNet-1k', 'ImageNet21k': 'ImageNet-22k'}
# Size letters of ViT names (ViT-B/16, ViT-g/14...).
ARCH_LETTERS = dict(tiny='T', small='S', base='B', large='L', huge='H', giant='g')


def algorithm_name(model) -> str:
    """Display name of a pretraining model: ``algorithm_name`` defined on its own class (not inherited, so an
    unnamed subclass of DMTJEPA is never tabled as DMT-JEPA), else the class name."""
    return vars(type(model)).get('algorithm_name') or type(model).__name__


def arch_name(embed_dims: int, num_layers: int, patch_size: int) -> str:
    """``'ViT-B/16'`` for a standard ViT size, ``'ViT-D32xL4/16'`` (width x depth) for any other."""
    for name, letter in ARCH_LETTERS.items():
        zoo = VIT_ARCHS[name]
        if (zoo['embed_dims'], zoo['num_layers']) == (embed_dims, num_layers):
            return f'ViT-{letter}/{patch_size}'
    return f'ViT-D{embed_dims}xL{num_layers}/{patch_size}'


def dataset_name(dataset_cfg: Mapping) -> Optional[str]:
    """Name of the data of a dataset config: ``'ImageNet-1k'`` for mmpretrain's ImageNet, else the folder of its
    ``data_root`` right under a ``data`` folder (``data/demo/imagenet/`` -> ``'demo'``), else the last folder of
    ``data_root``. Wrappers (``dataset=...``) are looked through."""
    while isinstance(dataset_cfg, Mapping) and isinstance(dataset_cfg.get('dataset'), Mapping):
        dataset_cfg = dataset_cfg['dataset']
    if not isinstance(dataset_cfg, Mapping):
        return None
    if dataset_cfg.get('type') in DATASET_NAMES:
        return DATASET_NAMES[dataset_cfg['type']]
    root = dataset_cfg.get('data_root')
    if not root:
        return dataset_cfg.get('type')
    parts = [p for p in osp.normpath(str(root)).split(osp.sep) if p not in ('', '.')]
    if 'data' in parts[:-1]:
        return parts[parts.index('data') + 1]
    return parts[-1] if parts else None


def plain_number(value: float):
    """An int when whole, else rounded to 2 decimals (epochs as people write them)."""
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value


def sha256_prefix(path: str, length: int = 8) -> str:
    """The first ``length`` hex digits of the SHA-256 of a file (``publish_model`` uses 8)."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()[:length]


def checkpoint_meta(path: str) -> dict:
    """``meta`` of a local checkpoint, read as data; zip files are memory-mapped, so no tensor is read."""
    ckpt = safe_torch_load(path, 'cpu', expected='a PyTorch checkpoint', mmap=zipfile.is_zipfile(path))
    meta = ckpt.get('meta') if isinstance(ckpt, Mapping) else None
    return dict(meta) if isinstance(meta, Mapping) else {}


def read_provenance(path: Optional[str]) -> dict:
    """The transfer record of a pretraining checkpoint: its ``meta['provenance']`` (empty when it has none)
    plus ``checkpoint`` and ``sha256``. A path that is not a local file (a URL) gets no hash."""
    if not path:
        return {}
    record = dict(checkpoint=str(path), sha256=None)
    local = osp.expanduser(str(path))
    if not osp.isfile(local):
        return record
    record.update(checkpoint_meta(local).get(META_KEY) or {})
    record['sha256'] = sha256_prefix(local)
    return record


def transfer_record(path: str) -> dict:
    """The ``pretrain_provenance`` a transfer run stored in the meta of its checkpoint ``path`` (empty if none)."""
    return dict(checkpoint_meta(path).get(TRANSFER_KEY) or {})


def _epochs(record: Mapping):
    epochs, total = record.get('epochs'), record.get('max_epochs')
    if epochs is None:
        return None
    return epochs if total is None or total == epochs else f'{epochs} of {total}'


def resolve_benchmark_meta(benchmark_meta: Optional[Mapping], provenance: Optional[Mapping],
                           where: str = 'a run') -> dict:
    """The leaderboard fields of one run: ``benchmark_meta`` (the config's, an explicit override) over the
    checkpoint's ``provenance`` record; a field in neither is ``'unknown'`` and warned about.

    Returns ``benchmark_meta`` plus ``algorithm``, ``arch``, ``pretrain_epochs`` (``16``, or ``'4 of 16'`` for a
    checkpoint saved before the planned end), ``pretrain_data``, ``pretrain_config`` and ``checkpoint`` (the
    8-digit SHA-256 prefix, or ``'unknown'``).
    """
    meta, record = dict(benchmark_meta or {}), dict(provenance or {})
    derived = dict(algorithm=record.get('algorithm'), arch=record.get('arch'), pretrain_epochs=_epochs(record),
                   pretrain_data=record.get('data'))
    for key, value in derived.items():
        if key in meta and value is not None and str(meta[key]) != str(value):
            warnings.warn(f'{where}: benchmark_meta.{key}={meta[key]!r} overrides the checkpoint\'s {value!r}')
    missing = [k for k in ROW_FIELDS if meta.get(k) is None and derived[k] is None]
    for key in ROW_FIELDS:
        if meta.get(key) is None:
            meta[key] = UNKNOWN if derived[key] is None else derived[key]
    meta['pretrain_config'] = record.get('config') or UNKNOWN
    meta['checkpoint'] = record.get('sha256') or UNKNOWN
    if missing:
        ckpt = record.get('checkpoint')
        why = (f'the pretraining checkpoint {ckpt} has no meta[{META_KEY!r}] for them' if ckpt else
               'no pretraining checkpoint was recorded (a random init, or a run from before provenance was stored)')
        warnings.warn(f"{where}: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} '{UNKNOWN}': {why}, "
                      f"and the config's benchmark_meta does not set {'it' if len(missing) == 1 else 'them'}. Save "
                      'the checkpoint with mmjepa (pretraining runs and tools/model_converters write the '
                      'provenance) or set e.g. --cfg-options benchmark_meta.algorithm=I-JEPA')
    return meta
