# Copyright (c) mmjepa contributors. All rights reserved.
"""mmdet3d's ``VoxelNet`` whose encoder (voxel encoder, middle encoder, 2-D backbone, neck) starts from a JEPA
pretraining checkpoint, loaded strictly; the detection head keeps its own initialisation."""
from mmdet3d.models.detectors import VoxelNet
from mmdet3d.registry import MODELS
from mmengine.logging import print_log
from torch import nn

from ..utils.transfer import load_pretrained_strict

#: the parts of VoxelNet that AD-L-JEPA's BEVEncoder pretrains, under the same names
ENCODER_PARTS = ('voxel_encoder', 'middle_encoder', 'backbone', 'neck')


@MODELS.register_module()
class PretrainedEncoderVoxelNet(VoxelNet):
    """``VoxelNet`` with ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.')`` loading
    every encoder tensor from the checkpoint entries under ``prefix`` (``'backbone.'``: AD-L-JEPA's context
    encoder, as the official transfer; ``'target_generator.encoder.'``: its EMA target) and using every one of
    them, else :class:`mmjepa.utils.TransferError` lists what is missing and what is left over. mmengine's own
    ``Pretrained`` init would load it non-strictly and only log a mismatch. Without ``init_cfg`` it is
    ``VoxelNet`` (the random-init baseline)."""

    def encoder(self) -> nn.Module:
        """A module holding the encoder parts by their VoxelNet names (the same tensors)."""
        encoder = nn.Module()
        for name in ENCODER_PARTS:
            part = getattr(self, name, None)
            if part is not None:
                encoder.add_module(name, part)
        return encoder

    def init_weights(self) -> None:
        cfg = self.init_cfg
        if not (isinstance(cfg, dict) and cfg.get('type') == 'Pretrained'):
            super().init_weights()
            return
        if self._is_init:
            return
        self.init_cfg = None  # the default initialisation of every part (the head's included) first
        try:
            super().init_weights()
        finally:
            self.init_cfg = cfg
        prefix, encoder = cfg.get('prefix', 'backbone.'), self.encoder()
        loaded = load_pretrained_strict(encoder, cfg['checkpoint'], prefix=prefix,
                                        map_location=cfg.get('map_location', 'cpu'))
        print_log(f'{type(self).__name__}: loaded all {len(loaded)} encoder tensors ({", ".join(encoder._modules)})'
                  f' from {cfg["checkpoint"]} (prefix {prefix!r}); the head is newly initialised', logger='current')
        self._is_init = True
