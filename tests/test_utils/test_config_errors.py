# Copyright (c) mmjepa contributors. All rights reserved.
"""A mistyped config key is an error naming the config path, the class, the key and the nearest valid keys."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmpretrain.registry import MODELS

import mmjepa.models  # noqa: F401
from mmjepa.utils.config_errors import ConfigKeyError, accepted_arguments, explain_config_errors

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(ROOT, 'configs/demo/ijepa_vit-tiny-p8_1xb64-16e_demo-64px.py')


def test_accepted_arguments_follow_kwargs_into_the_parent():
    from mmjepa.models.backbones import JEPAViT
    names = accepted_arguments(JEPAViT)
    assert {'arch', 'mask_token', 'abs_pos'} <= set(names)  # its own
    assert {'img_size', 'patch_size', 'drop_path_rate'} <= set(names)  # VisionTransformer's, through **kwargs


@pytest.mark.parametrize('key, path, hint', [
    ('archh', 'model.backbone', "JEPAViT has no argument 'archh' (did you mean 'arch'?)"),
    ('dept', 'model.predictor', "JEPAPredictor has no argument 'dept' (did you mean 'depth'?)"),
    ('drop_path_rat', 'model.backbone', "did you mean 'drop_path_rate'"),
])
def test_mistyped_model_key_names_path_class_and_nearest_keys(key, path, hint):
    cfg = Config.fromfile(DEMO)
    cfg.merge_from_dict({f'{path}.{key}': 1})
    with pytest.raises(ConfigKeyError) as info:
        with explain_config_errors(cfg):
            MODELS.build(cfg.model)
    message = str(info.value)
    assert message.startswith(f'{path}: ') and hint in message and f'Fix `{path}.{key}`' in message
    assert isinstance(info.value.__cause__, TypeError)


def test_other_type_errors_pass_through():
    cfg = Config.fromfile(DEMO)
    with pytest.raises(TypeError, match='unrelated') as info:
        with explain_config_errors(cfg):
            raise TypeError('unrelated')
    assert not isinstance(info.value, ConfigKeyError)


def test_overriding_a_code_default_part_names_the_key_and_the_fix():
    """An algorithm that builds a part from a code default (a dict with 'type') gets only the overridden subkeys
    when a config sets one of them: mmengine's bare KeyError becomes the key to complete."""
    from mmengine.registry import DefaultScope
    cfg = Config.fromfile(DEMO.replace('ijepa_', 'dmtjepa_'))
    cfg.model.agg_head = dict(num_heads=2)  # a config without the part, then --cfg-options model.agg_head.num_heads=2
    with pytest.raises(ConfigKeyError, match=r'model.agg_head has no "type": DMTJEPA builds it from its code '
                                             r"default \{'type': 'LocalAggHead'\}.*model.agg_head.type="):
        with explain_config_errors(cfg), DefaultScope.overwrite_default_scope('mmpretrain'):
            MODELS.build(cfg.model)
