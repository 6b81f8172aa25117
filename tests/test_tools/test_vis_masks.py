# Copyright (c) mmjepa contributors. All rights reserved.
"""tools/visualization/vis_masks.py: the masks are the model's own at the step, and each block is drawn in its
colour."""
import glob

import numpy as np
import pytest
import torch
from PIL import Image

from mmjepa.visualization.figure import ImageGrid
from mmjepa.visualization.inputs import build_pretrain_model, load_config

@pytest.fixture(scope='module')
def tool(load_tool):
    return load_tool('visualization/vis_masks.py')


def test_overlay_colours(tool):
    """On a grey image: context patches as they are, other patches darkened, target t tinted with colour t,
    its border drawn in colour t."""
    grid, scale = (4, 4), 2
    image = np.full((8, 8, 3), 128, np.uint8)  # 2x2 pixels per patch, then x2
    context, targets = [0, 1, 4], [[10, 11, 14, 15], [2, 3]]
    out = tool.overlay(image, context, targets, grid, scale)
    assert out.shape == (16, 16, 3) and out.dtype == np.uint8

    def centre(index):  # a pixel inside the patch, off its border line (1 px of 4)
        r, c = divmod(index, 4)
        return out[r * 4 + 1, c * 4 + 1 + (index % 4 == 3) * 1]

    np.testing.assert_array_equal(centre(0), [128] * 3)
    np.testing.assert_array_equal(centre(5), [32] * 3)  # neither: 128 * DARKEN
    for t, block in enumerate(targets):
        inner = np.array([out[r, c] for r in range(16) for c in range(16)
                          if (r // 4) * 4 + c // 4 in block and r % 4 not in (0, 3) and c % 4 not in (0, 3)])
        expected = np.round(255 * ((1 - tool.TINT) * 128 / 255 + tool.TINT * tool.PALETTE[t]))
        assert len(inner) and np.abs(inner - expected).max() <= 1
    # the borders: the top-left pixel of each block's bounding box is the block's colour
    np.testing.assert_array_equal(out[8, 8], np.round(tool.PALETTE[0] * 255))
    np.testing.assert_array_equal(out[0, 15], np.round(tool.PALETTE[1] * 255))
    with pytest.raises(ValueError, match='whole number of patches'):
        tool.overlay(np.zeros((9, 8, 3), np.uint8), context, targets, grid)


def test_step_masks_are_the_training_masks(tool, demo_configs):
    """The masks drawn for step 2 are the ones IJEPA.loss draws at its third step."""
    cfg = load_config(demo_configs['ijepa'], dict(model=dict(target_generator=dict(total_steps=10))))
    model = build_pretrain_model(cfg)
    seen = []
    sample_masks = model.sample_masks
    model.sample_masks = lambda *args: seen.append(sample_masks(*args)) or seen[-1]
    inputs = torch.randn(3, 3, *model.backbone.img_size)
    with torch.no_grad():
        for _ in range(3):
            model.loss(inputs, [])
    meta = build_pretrain_model(cfg, meta=True)
    context, targets = tool.step_masks(meta, 2, 3)
    assert torch.equal(context, seen[2].context) and torch.equal(targets, seen[2].targets)
    assert not torch.equal(tool.step_masks(meta, 1, 3)[1], targets)
    # rank 1 of 2 takes the odd positions of the global batch of 6
    full_context, full_targets = tool.step_masks(meta, 5, 6)
    context, targets = tool.step_masks(meta, 5, 3, rank=1, world_size=2)
    assert torch.equal(context, full_context[1::2]) and torch.equal(targets, full_targets[:, 1::2])
    with pytest.raises(ValueError, match='--rank'):
        tool.step_masks(meta, 0, 3, rank=2, world_size=2)


def test_world_size_from_name(tool, demo_configs):
    assert tool.world_size_from_name('configs/ijepa/ijepa_vit-base-p16_8xb256-amp-600e_in1k.py') == 8
    assert tool.world_size_from_name('ecijepa_vit-giant-p16_128xb16-amp-44e_in22k.py') == 128
    assert tool.world_size_from_name(demo_configs['ijepa']) == 1
    assert tool.world_size_from_name('my_config.py') == 1


@pytest.mark.parametrize('algo', ['ijepa', 'dmtjepa', 'ecijepa'])
def test_cli_writes_the_grid(tool, algo, tmp_path, demo_configs, demo_data_options):
    out = str(tmp_path / 'masks.png')
    res = tool.main([demo_configs[algo], '--step', '3', '--num-images', '5', '--ncols', '3', '--panel-size', '128',
                     '--out', out] + demo_data_options)
    num_targets = res['targets'].shape[0]
    expected = ImageGrid(2, 3, 128, title_lines=2, captions=True, legend_items=num_targets + 2).size
    with Image.open(out) as png:
        assert png.format == 'PNG' and png.size == res['size'] == expected
        drawn = np.asarray(png.convert('RGB'))
    # the first panel in the PNG is the overlay of sample 0, pixel for pixel
    x, y = ImageGrid(2, 3, 128, title_lines=2, captions=True, legend_items=num_targets + 2).cell(0, 0)
    panel = res['panels'][0]
    assert len(res['panels']) == 5 and panel.shape == (128, 128, 3)
    assert np.abs(drawn[y:y + 128, x:x + 128].astype(int) - panel).mean() < 2


def test_cli_errors(tool, tmp_path, demo_configs, demo_data_options):
    with pytest.raises(FileNotFoundError, match='make_demo_data.py.*--images'):
        tool.main([demo_configs['ijepa'], '--out', str(tmp_path / 'm.png'), '--cfg-options',
                   f'train_dataloader.dataset.dataset.data_root={tmp_path}/nowhere'])
    with pytest.raises(FileNotFoundError, match='no such file'):
        tool.main([demo_configs['ijepa'], '--images', str(tmp_path / 'missing.png')])
    with pytest.raises(ValueError, match='at most 2'):
        tool.main([demo_configs['ijepa'], '--batch-size', '2', '--num-images', '3', '--out',
                   str(tmp_path / 'm.png')] + demo_data_options)


def test_full_size_config_with_image_files(tool, tmp_path, tiny_demo_set):
    """A ViT-B/16 ImageNet config (no ImageNet here): its data is reported missing, and --images draws on any
    files; the world size comes from the config name (8xb256: a global batch of 2048)."""
    config = 'configs/ijepa/ijepa_vit-base-p16_8xb256-amp-600e_in1k.py'
    with pytest.raises(FileNotFoundError, match='Cannot read the training set of the config'):
        tool.main([config, '--out', str(tmp_path / 'm.png')])
    images = sorted(glob.glob(f'{tiny_demo_set}/train/*/*'))[:2]
    out = str(tmp_path / 'm.png')
    res = tool.main([config, '--images', *images, '--step', '7', '--out', out])
    assert len(res['panels']) == 2 and res['panels'][0].shape == (224, 224, 3)  # 224 px, scale 1 for 192 px panels
    assert res['targets'].shape[:2] == (4, 256) and res['context'].shape[0] == 256
    with Image.open(out) as png:
        assert png.size == res['size']
