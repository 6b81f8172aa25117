# Copyright (c) mmjepa contributors. All rights reserved.
"""tools/visualization/vis_pca.py: PCA maps of the target encoder's patch tokens, with and without a checkpoint."""
import numpy as np
import pytest
import torch
from PIL import Image

from mmjepa.utils import TransferError
from mmjepa.visualization.figure import ImageGrid
from mmjepa.visualization.inputs import (build_pretrain_model, load_config, load_images, model_input_size, normalise,
                                         pick_image_paths)


@pytest.fixture(scope='module')
def tool(load_tool):
    return load_tool('visualization/vis_pca.py')


def test_pca_rgb_is_invariant_and_scaled(tool):
    gen = torch.Generator().manual_seed(0)
    tokens = torch.randn(3, 16, 8, generator=gen) * torch.tensor([8., 4, 2, 1, 1, 1, 1, 1])
    maps = tool.pca_rgb(tokens, (4, 4))
    assert maps.shape == (3, 4, 4, 3) and maps.dtype == np.float32
    flat = maps.reshape(-1, 3)
    np.testing.assert_allclose(flat.min(0), 0, atol=1e-6)
    np.testing.assert_allclose(flat.max(0), 1, atol=1e-6)
    # the same picture for -x, for a rotation of the feature space and for a shift (signs fixed by the skewness)
    q, _ = torch.linalg.qr(torch.randn(8, 8, generator=gen))
    for other in (-tokens, tokens @ q, tokens + 5):
        np.testing.assert_allclose(tool.pca_rgb(other, (4, 4)), maps, atol=1e-5)
    # the first component is the direction of largest variance: feature 0 here
    pc1 = maps[..., 0].reshape(-1)
    assert abs(np.corrcoef(pc1, tokens[..., 0].reshape(-1).numpy())[0, 1]) > 0.95
    with pytest.raises(ValueError, match='do not fill'):
        tool.pca_rgb(tokens, (3, 4))


def test_background_threshold(tool):
    """A quarter of the patches (the objects) lie far along one direction: the threshold keeps exactly them,
    the rest is black."""
    gen = torch.Generator().manual_seed(1)
    tokens = torch.randn(2, 16, 6, generator=gen) * 0.1
    foreground = torch.zeros(2, 16, dtype=torch.bool)
    foreground[:, :4] = True
    tokens[foreground] += torch.tensor([4., 0, 0, 0, 0, 0])
    maps = tool.pca_rgb(tokens, (4, 4), bg_threshold=0.5)
    kept = maps.reshape(2, 16, 3).any(-1)
    assert torch.equal(torch.from_numpy(kept), foreground)
    np.testing.assert_allclose(maps.reshape(2, 16, 3)[foreground.numpy()].max(0), 1, atol=1e-6)
    with pytest.raises(ValueError, match='keeps'):
        tool.pca_rgb(tokens, (4, 4), bg_threshold=1.0)
    with pytest.raises(ValueError, match=r'in \[0, 1\]'):
        tool.pca_rgb(tokens, (4, 4), bg_threshold=2)


def test_upsample(tool):
    maps = np.arange(2 * 2 * 3 * 3, dtype=np.float32).reshape(2, 2, 3, 3)
    big = tool.upsample(maps, (4, 6))
    assert big.shape == (2, 4, 6, 3)
    np.testing.assert_array_equal(big[:, ::2, ::2], maps)
    np.testing.assert_array_equal(big[:, 1::2, 1::2], maps)
    with pytest.raises(ValueError, match='whole number'):
        tool.upsample(maps, (5, 6))


def test_cli_random_init_and_checkpoint(tool, tmp_path, demo_configs, demo_data_options, tiny_demo_set, capsys):
    config = demo_configs['ijepa']
    out = str(tmp_path / 'pca.png')
    res = tool.main([config, '--num-images', '3', '--panel-size', '96', '--out', out] + demo_data_options)
    assert 'random init' in capsys.readouterr().out
    maps, images = res['maps'], res['images']
    cfg = load_config(config, {'train_dataloader.dataset.dataset.data_root': tiny_demo_set})
    model = build_pretrain_model(cfg)
    size = model_input_size(model)
    assert maps.shape == (3, *size, 3) and maps.dtype == np.float32 and 0 <= maps.min() and maps.max() <= 1
    assert images.shape == (3, *size, 3)
    expected = ImageGrid(2, 3, 96, title_lines=2, captions=True, row_labels=True).size
    with Image.open(out) as png:
        assert png.format == 'PNG' and png.size == res['size'] == expected

    # a checkpoint: the maps are those of its target encoder, not of the random init
    with torch.no_grad():
        for param in model.target_generator.encoder.parameters():
            param.add_(torch.randn_like(param) * 0.5)
    ckpt = str(tmp_path / 'epoch_1.pth')
    torch.save(dict(meta=dict(epoch=1), state_dict=model.state_dict()), ckpt)
    res = tool.main([config, ckpt, '--num-images', '3', '--out', out] + demo_data_options)
    assert 'checkpoint epoch_1.pth' in capsys.readouterr().out
    inputs = normalise(model, load_images(pick_image_paths(cfg, 3), size))
    direct = tool.upsample(tool.pca_rgb(model.target_features(inputs), model.backbone.patch_resolution), size)
    np.testing.assert_allclose(res['maps'], direct, atol=1e-4)
    assert np.abs(res['maps'] - maps).max() > 0.1
    # the context encoder of the checkpoint is still the initial one, which the random-init target copies
    res = tool.main([config, ckpt, '--encoder', 'context', '--num-images', '3', '--out', out] + demo_data_options)
    assert "PCA of the context encoder's patch tokens" in capsys.readouterr().out
    np.testing.assert_allclose(res['maps'], maps, atol=1e-4)


def test_cli_other_algorithms_and_errors(tool, tmp_path, demo_configs, demo_data_options):
    out = str(tmp_path / 'pca.png')
    res = tool.main([demo_configs['ecijepa'], '--num-images', '2', '--bg-threshold', '0.3', '--out', out] +
                    demo_data_options)
    assert res['maps'].shape[0] == 2
    # a checkpoint of another model (missing keys) and a foreign one are refused, naming the problem
    bad = str(tmp_path / 'bad.pth')
    torch.save(dict(state_dict={'backbone.cls_token': torch.zeros(1)}), bad)
    with pytest.raises(TransferError, match='does not match the model of the config'):
        tool.main([demo_configs['ijepa'], bad, '--out', out] + demo_data_options)
    torch.save(dict(encoder={'module.patch_embed.proj.weight': torch.zeros(1)}), bad)
    with pytest.raises(TransferError, match='convert it first'):
        tool.main([demo_configs['ijepa'], bad, '--out', out] + demo_data_options)
    with pytest.raises(ValueError, match='PNG'):
        tool.main([demo_configs['ijepa'], '--num-images', '2', '--out', str(tmp_path / 'pca.jpg')] + demo_data_options)
