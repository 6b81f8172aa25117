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
    assert quats.shape == (4, 4) and (quats[:, 3] >= 0).all()
    for i, q in enumerate(quats):  # R_i @ R(q) == R_{i+1}
        np.testing.assert_allclose(euler_xyz_matrix(euler[i]) @ Rotation.from_quat(q).as_matrix(),
                                   euler_xyz_matrix(euler[i + 1]), atol=1e-5)


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
                                    solarize_prob=0., interpolation='nearest')
    with seeded_rng(0):
        results = transform(dict(img=img))
    params = results['view_params']
    assert params.shape == (4, 9) and results['actions'].shape == (3, 9)
    np.testing.assert_allclose(results['actions'], np.diff(params, axis=0))
    for view, p in zip(results['img'], params):
        top, left = view[0, 0, 0] / 255 * (size - 1), view[0, 0, 1] / 255 * (size - 1)
        np.testing.assert_allclose([top / size, left / size], p[:2], atol=0.02)
        bottom, right = view[-1, -1, 0] / 255 * (size - 1), view[-1, -1, 1] / 255 * (size - 1)
        np.testing.assert_allclose([(bottom - top) / size, (right - left) / size], p[2:4], atol=0.08)
        np.testing.assert_allclose(p[4:], [1, 1, 1, 0, 0])
    with seeded_rng(0):
        again = transform(dict(img=img))
    np.testing.assert_array_equal(again['view_params'], params)


def test_augmentation_probabilities_per_position():
    img = (np.random.default_rng(0).random((40, 40, 3)) * 255).astype(np.uint8)
    transform = ParamAugmentedViews(num_views=3, size=16, blur_prob=(1., 0.), jitter_prob=1.)
    with seeded_rng(1):
        params = transform(dict(img=img))['view_params']
    assert (params[:-1, 8] > 0).all() and params[-1, 8] == 0  # every observed view blurred, the predicted not
    assert (params[:, 4:8] != [1, 1, 1, 0]).any(axis=1).all()
