# Copyright (c) mmjepa contributors. All rights reserved.
"""seq-JEPA's view sequences: the actions are recovered from the views; the demo renderer; the dataset."""
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from mmjepa.datasets import RenderedObjectsDataset
from mmjepa.datasets.demo.objects3d import (OBJECT_CLASSES, euler_xyz_matrix, random_euler_xyz, render_object_views,
                                            write_objects3d_set)
from mmjepa.datasets.transforms import LoadRenderedViews, ParamAugmentedViews, relative_quaternions
from mmjepa.utils.rng import seeded_rng


def test_euler_convention_is_scipys_and_the_relative_quaternion_composes():
    rng = np.random.default_rng(0)
    euler = np.stack([random_euler_xyz(rng) for _ in range(5)])
    for angles in euler:
        np.testing.assert_allclose(euler_xyz_matrix(angles), Rotation.from_euler('xyz', angles).as_matrix(),
                                   atol=1e-10)
    quats = relative_quaternions(euler)
    assert quats.shape == (4, 4)
    for i, q in enumerate(quats):  # R_i @ R(q) == R_{i+1}
        np.testing.assert_allclose(euler_xyz_matrix(euler[i]) @ Rotation.from_quat(q).as_matrix(),
                                   euler_xyz_matrix(euler[i + 1]), atol=1e-5)
    canonical = relative_quaternions(euler, canonical=True)
    assert (canonical[:, 3] >= 0).all()
    np.testing.assert_allclose(np.abs(canonical), np.abs(quats))


def test_training_quaternions_keep_the_official_raw_sign():
    """The official loader composes ``R.from_euler('xyz', a_j).inv() * R.from_euler('xyz', a_{j+1})`` one pair at
    a time and takes scipy's raw ``as_quat()``: both signs occur (w < 0 for some pairs), and ours are the same."""
    euler = np.random.default_rng(1).uniform(-np.pi, np.pi, (200, 3)).astype(np.float32)
    quats = relative_quaternions(euler)
    official = np.stack([(Rotation.from_euler('xyz', euler[j]).inv() * Rotation.from_euler('xyz', euler[j + 1]))
                         .as_quat().astype(np.float32) for j in range(len(euler) - 1)])
    np.testing.assert_array_equal(quats, official)
    assert (quats[:, 3] < 0).any() and (quats[:, 3] > 0).any()


def test_renderer_sees_the_rotation():
    images, latents = render_object_views(0, np.random.default_rng(1), views=3)
    assert images.shape == (3, 32, 32, 3) and images.dtype == np.uint8 and latents.shape == (3, 7)
    assert np.abs(images[0].astype(int) - images[1]).mean() > 5  # another orientation, another image
    again, _ = render_object_views(0, np.random.default_rng(1), views=3)
    np.testing.assert_array_equal(images, again)


@pytest.fixture(scope='module')
def objects3d(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('objects3d'))
    summary = write_objects3d_set(root, train_per_class=1, val_per_class=1, views_per_object=5, image_size=16)
    assert summary['num_train'] == len(OBJECT_CLASSES)
    return root


def test_rendered_views_and_their_actions(objects3d):
    dataset = RenderedObjectsDataset(data_root=objects3d, views_per_object=5,
                                     pipeline=[dict(type='LoadRenderedViews', num_views=4)])
    assert len(dataset) == len(OBJECT_CLASSES)
    with seeded_rng(3):
        results = dataset[2]
    assert results['gt_label'] == 2 and len(results['img']) == 4 and results['img'][0].shape == (16, 16, 3)
    assert len(set(results['view_ids'].tolist())) == 4  # distinct views
    np.testing.assert_allclose(results['actions'], relative_quaternions(results['latents'][:, :3]))
    # the action recovers the next view's rotation from the latents written next to the images
    for i, k in enumerate(results['view_ids'][:-1]):
        nxt = np.load(f'{results["object_dir"]}/latent_{results["view_ids"][i + 1]}.npy')[:3]
        here = np.load(f'{results["object_dir"]}/latent_{k}.npy')[:3]
        np.testing.assert_allclose(euler_xyz_matrix(here) @ Rotation.from_quat(results['actions'][i]).as_matrix(),
                                   euler_xyz_matrix(nxt), atol=1e-5)
    with seeded_rng(3):
        again = dataset[2]
    np.testing.assert_array_equal(again['view_ids'], results['view_ids'])
    rotcolor = LoadRenderedViews(num_views=2, action='rotcolor', img_size=8)(dict(dataset.get_data_info(0)))
    assert rotcolor['actions'].shape == (1, 6) and rotcolor['img'][0].shape == (8, 8, 3)
    with pytest.raises(ValueError, match='fewer than num_views'):
        LoadRenderedViews(num_views=6)(dict(dataset.get_data_info(0)))


def test_dataset_names_the_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='ann_file'):
        RenderedObjectsDataset(data_root=str(tmp_path))


def test_augmentation_actions_are_recovered_from_the_views():
    """A coordinate image (channel 0 = row, channel 1 = column): each view's corner pixels give its crop box,
    and the actions are the changes of the boxes."""
    size = 100
    rows, cols = np.mgrid[0:size, 0:size]
    img = np.stack([rows * 255 // (size - 1), cols * 255 // (size - 1), np.zeros_like(rows)], -1).astype(np.uint8)
    transform = ParamAugmentedViews(num_views=4, size=20, flip_prob=0., jitter_prob=0., gray_prob=0., blur_prob=0.,
                                    solarize_prob=0., interpolation='nearest', channel_order='rgb',
                                    normalize_params=False)
    with seeded_rng(0):
        results = transform(dict(img=img))
    params = results['view_params']
    assert params.shape == (4, 9) and results['actions'].shape == (3, 9)
    np.testing.assert_allclose(results['actions'], np.diff(params, axis=0))
    for view, p in zip(results['img'], params):
        view = view[..., ::-1]  # the views come out BGR
        top, left = view[0, 0, 0] / 255 * (size - 1), view[0, 0, 1] / 255 * (size - 1)
        np.testing.assert_allclose([top, left], p[:2], atol=2)  # pixels, as the official crop box
        bottom, right = view[-1, -1, 0] / 255 * (size - 1), view[-1, -1, 1] / 255 * (size - 1)
        np.testing.assert_allclose([bottom - top, right - left], p[2:4], atol=8)
        np.testing.assert_allclose(p[4:], [1, 1, 1, 0, 0])
    with seeded_rng(0):
        again = transform(dict(img=img))
    np.testing.assert_array_equal(again['view_params'], params)


def test_augmentation_actions_are_l2_normalised_across_views_before_differencing():
    """The official ``train_one_epoch_aug``: ``F.normalize(params, p=2, dim=1)`` over the view axis of [B, V, 9],
    then the differences (an all-zero parameter, e.g. no blur anywhere, stays zero)."""
    import torch
    img = (np.random.default_rng(0).random((32, 32, 3)) * 255).astype(np.uint8)
    transform = ParamAugmentedViews(num_views=4, size=32, blur_prob=0.)
    with seeded_rng(5):
        results = transform(dict(img=img))
    normalised = torch.nn.functional.normalize(torch.from_numpy(results['view_params'])[None], p=2, dim=1)[0]
    np.testing.assert_allclose(results['actions'], torch.diff(normalised, dim=0).numpy(), rtol=1e-6, atol=1e-7)
    assert (results['actions'][:, 8] == 0).all()


def test_augmented_views_never_crash_over_many_samples():
    """400 four-view samples at the official probabilities: every colour operation with every sign of its factor
    runs (a negative hue factor crashed mmcv's adjust_hue under numpy 2 in 335 of 400 samples)."""
    img = (np.random.default_rng(0).random((32, 32, 3)) * 255).astype(np.uint8)
    transform = ParamAugmentedViews(num_views=4, size=32)
    hues = []
    for seed in range(400):
        with seeded_rng(seed):
            results = transform(dict(img=img))
        assert all(v.shape == (32, 32, 3) and v.dtype == np.uint8 for v in results['img'])
        assert np.isfinite(results['actions']).all()
        hues.append(results['view_params'][:, 7])
    hues = np.concatenate(hues)
    assert (hues < 0).sum() > 100 and (hues > 0).sum() > 100


def test_colour_operations_see_rgb_whatever_the_input_order():
    """A saturated red image: the hue shift, saturation and grey scale act on RGB (PIL), so an RGB input with
    channel_order='rgb' and its BGR copy with the default give the same (BGR) views."""
    img = np.zeros((32, 32, 3), np.uint8)
    img[..., 0] = 200  # red in RGB
    img[8:24, 8:24, 1] = 120
    rgb = ParamAugmentedViews(num_views=3, size=16, jitter_prob=1., channel_order='rgb')
    bgr = ParamAugmentedViews(num_views=3, size=16, jitter_prob=1.)
    with seeded_rng(2):
        a = rgb(dict(img=img))
    with seeded_rng(2):
        b = bgr(dict(img=img[..., ::-1].copy()))
    for x, y in zip(a['img'], b['img']):
        np.testing.assert_array_equal(x, y)
    plain = ParamAugmentedViews(num_views=2, size=32, crop_scale=(1., 1.), crop_ratio=(1., 1.), flip_prob=0.,
                                jitter_prob=0., gray_prob=0., blur_prob=0., solarize_prob=0., channel_order='rgb')
    with seeded_rng(0):
        out = plain(dict(img=img))['img'][0]
    assert out[0, 0, 2] == 200 and out[0, 0, 0] == 0  # BGR out: red is the last channel


def test_augmentation_probabilities_per_position():
    img = (np.random.default_rng(0).random((40, 40, 3)) * 255).astype(np.uint8)
    transform = ParamAugmentedViews(num_views=3, size=16, blur_prob=(1., 0.), jitter_prob=1.)
    with seeded_rng(1):
        params = transform(dict(img=img))['view_params']
    assert (params[:-1, 8] > 0).all() and params[-1, 8] == 0  # every observed view blurred, the predicted not
    assert (params[:, 4:8] != [1, 1, 1, 0]).any(axis=1).all()
