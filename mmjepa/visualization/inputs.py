# Copyright (c) mmjepa contributors. All rights reserved.
"""What the picture tools draw from: a pretraining config's model (optionally with a checkpoint) and a few
images (the config's training set, or files given on the command line)."""
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from PIL import Image

from ..utils.transfer import TransferError, foreign_format, load_checkpoint_file, unwrap_state_dict

MAKE_DEMO_DATA = 'python tools/dataset_converters/make_demo_data.py'


def load_config(config: str, cfg_options: Optional[dict] = None):
    """The mmengine config of ``config`` with ``--cfg-options`` merged in."""
    from mmengine.config import Config
    if not osp.isfile(config):
        raise FileNotFoundError(f'Config file not found: {config!r}')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if 'model' not in cfg:
        raise KeyError(f'{config!r} has no model: give a pretraining config (e.g. configs/ijepa/*.py)')
    return cfg


def build_pretrain_model(cfg, checkpoint: Optional[str] = None, meta: bool = False, seed: int = 0):
    """The pretraining model of ``cfg`` (I-JEPA, DMT-JEPA, EC-IJEPA), in eval mode.

    ``meta=True`` builds it on the meta device: no weights are made (instant even for ViT-g), enough for
    its mask sampler. Otherwise it is initialised under ``torch.manual_seed(seed)`` and ``checkpoint`` (an
    mmjepa pretraining checkpoint) is loaded with every key matched, as data (``weights_only``).
    """
    import mmjepa  # noqa: F401  (registers the models)
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    from ..utils.logging import init_weights_quietly
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    if meta:
        with torch.device('meta'):
            return MODELS.build(cfg.model).eval()
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    init_weights_quietly(model)
    if checkpoint is not None:
        load_pretrain_checkpoint(model, checkpoint)
    return model.eval()


def load_pretrain_checkpoint(model: torch.nn.Module, checkpoint: str) -> None:
    """Load an mmjepa pretraining checkpoint into ``model``; every key must match both ways."""
    ckpt = load_checkpoint_file(checkpoint)
    foreign = foreign_format(ckpt)
    if foreign:
        raise TransferError(f'{checkpoint!r} is {foreign}, not an mmjepa checkpoint: convert it first with '
                            f'python tools/model_converters/ijepa_to_mmjepa.py {checkpoint} OUT.pth (or '
                            'dmtjepa_to_mmjepa.py for DMT-JEPA)')
    state = unwrap_state_dict(ckpt)
    expected = set(model.state_dict())
    missing, unexpected = sorted(expected - set(state)), sorted(set(state) - expected)
    if missing or unexpected:
        raise TransferError(
            f'{checkpoint!r} does not match the model of the config ({type(model).__name__}): '
            f'{len(missing)} key(s) missing {missing[:8]}, {len(unexpected)} unexpected {unexpected[:8]}. Give '
            'the pretraining config the checkpoint was trained with')
    model.load_state_dict(state, strict=True)


def pick_image_paths(cfg, num: int, images: Optional[Sequence[str]] = None) -> List[str]:
    """``images`` if given (every file must exist), else ``num`` images of the config's training set, evenly
    spaced over its index (so a class-sorted folder shows several classes)."""
    if images:
        missing = [p for p in images if not osp.isfile(p)]
        if missing:
            raise FileNotFoundError(f'--images: no such file(s): {missing}')
        return list(images)
    if num < 1:
        raise ValueError(f'--num-images={num} must be at least 1')
    from mmpretrain.registry import DATASETS
    loader = cfg.get('train_dataloader')
    if not loader or 'dataset' not in loader:
        raise KeyError('The config has no train_dataloader.dataset to take images from: pass --images FILE ...')
    try:
        dataset = DATASETS.build(loader['dataset'])
        size = len(dataset)
    except Exception as exc:  # noqa: BLE001  (a missing folder or annotation file, whatever the dataset type)
        raise FileNotFoundError(
            f'Cannot read the training set of the config ({type(exc).__name__}: {exc}). Create it (the demo '
            f'configs: {MAKE_DEMO_DATA}), point the config at it (--cfg-options '
            'train_dataloader.dataset.dataset.data_root=...), or pass --images FILE ...') from exc
    if size == 0:
        raise FileNotFoundError('The training set of the config is empty: pass --images FILE ...')
    indices = sorted(set(np.linspace(0, size - 1, min(num, size)).round().astype(int).tolist()))
    paths = [dataset.get_data_info(i).get('img_path') for i in indices]
    if None in paths:
        raise KeyError(f'{type(dataset).__name__} gives no img_path for its samples: pass --images FILE ...')
    return paths


def load_images(paths: Sequence[str], size: Tuple[int, int]) -> np.ndarray:
    """RGB images resized (bicubic) to ``size`` = (height, width): uint8 ``[N, H, W, 3]``."""
    arrays = []
    for path in paths:
        try:
            with Image.open(path) as img:
                img = img.convert('RGB')
                if img.size != (size[1], size[0]):
                    img = img.resize((size[1], size[0]), Image.BICUBIC)
                arrays.append(np.asarray(img, dtype=np.uint8))
        except OSError as exc:
            raise ValueError(f'{path!r} is not an image Pillow can read ({exc})') from exc
    return np.stack(arrays)


def normalise(model: torch.nn.Module, images: np.ndarray) -> torch.Tensor:
    """``[N, H, W, 3]`` uint8 RGB images as the model's inputs: through its own data preprocessor, fed a BGR
    batch as the training pipeline's loader and ``default_collate`` give it (so ``to_rgb`` and the mean/std
    act as in training)."""
    bgr = torch.from_numpy(np.ascontiguousarray(images[..., ::-1])).permute(0, 3, 1, 2)
    return model.data_preprocessor(dict(inputs=bgr, data_samples=None), False)['inputs']


def model_input_size(model: torch.nn.Module) -> Tuple[int, int]:
    """(height, width) of the encoder's input images."""
    size = model.backbone.img_size
    return (size, size) if isinstance(size, int) else tuple(size)
