# Copyright (c) mmjepa contributors. All rights reserved.
"""Tests of FewShotDataset: exact counts per class, seeded and nested selection, pass-through of labels and
metainfo, CustomDataset and ImageNet, and the errors."""
import numpy as np
import pytest
from PIL import Image

import mmjepa  # noqa: F401  (registers FewShotDataset)
from mmjepa.datasets import FewShotDataset, SeededDataset, few_shot_indices

COUNTS = {'apple': 5, 'boat': 7, 'cat': 3}


@pytest.fixture
def folders(tmp_path):
    """``train/<class>/<i>.png`` with COUNTS[class] tiny images, each holding its own (class, index) number."""
    for k, (name, count) in enumerate(COUNTS.items()):
        (tmp_path / 'train' / name).mkdir(parents=True)
        for i in range(count):
            Image.fromarray(np.full((4, 4), 10 * k + i, np.uint8)).save(tmp_path / 'train' / name / f'{i}.png')
    return tmp_path


def custom(root, **kwargs):
    return dict(type='CustomDataset', data_root=str(root), data_prefix='train', **kwargs)


def paths(dataset):
    return [dataset.get_data_info(i)['img_path'] for i in range(len(dataset))]


def test_exact_counts_and_pass_through(folders):
    dataset = FewShotDataset(custom(folders), shots_per_class=3, seed=0)
    assert len(dataset) == 9
    labels = dataset.get_gt_labels()
    np.testing.assert_array_equal(np.bincount(labels), [3, 3, 3])
    assert dataset.CLASSES == tuple(COUNTS) and dataset.metainfo['classes'] == tuple(COUNTS)
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        assert dataset.get_cat_ids(i) == [labels[i]] == [info['gt_label']]
        assert f'/{dataset.CLASSES[labels[i]]}/' in info['img_path']
    assert len(set(paths(dataset))) == 9  # no sample twice
    # the whole of 'cat' (3 samples) is kept; the wrapped dataset's attributes are reachable
    assert sorted(p for p in paths(dataset) if '/cat/' in p) == sorted(
        p for p in paths(dataset.dataset) if '/cat/' in p)
    assert dataset.data_root == str(folders)
    assert 'shots_per_class=3' in repr(dataset) and '9 samples' in repr(dataset)


def test_seeded_deterministic_and_nested(folders):
    first = paths(FewShotDataset(custom(folders), 2, seed=0))
    np.random.seed(123)  # the global RNG plays no part
    assert paths(FewShotDataset(custom(folders), 2, seed=0)) == first
    assert paths(FewShotDataset(custom(folders), 2, seed=1)) != first
    # the 1-shot subset is part of the 2-shot subset, which is part of the 3-shot one (same seed)
    one, two, three = (set(paths(FewShotDataset(custom(folders), k, seed=5))) for k in (1, 2, 3))
    assert one < two < three


def test_selection_of_a_class_depends_on_its_seed_only():
    labels = np.array([0] * 50 + [1] * 50)
    a = few_shot_indices(labels, 10, seed=3)
    b = few_shot_indices(np.concatenate([labels, [2] * 20]), 10, seed=3)  # another class added
    np.testing.assert_array_equal(a, b[:20])
    assert np.all(np.diff(a) > 0) and (labels[a] == 0).sum() == 10


def test_too_few_samples_names_the_class(folders):
    with pytest.raises(ValueError, match=r"class 'cat' \(label 2\).*has 3 sample\(s\), fewer than shots_per_class=4"):
        FewShotDataset(custom(folders), shots_per_class=4)
    (folders / 'train' / 'dog').mkdir()  # a class folder with no image: a class with 0 samples
    with pytest.raises(ValueError, match=r"class 'dog' \(label 3\).*has 0 sample"):
        FewShotDataset(custom(folders), shots_per_class=1)


@pytest.mark.parametrize('shots', [0, -1, 1.5, True, '10'])
def test_bad_shots(folders, shots):
    with pytest.raises(ValueError, match='shots_per_class must be a positive integer'):
        FewShotDataset(custom(folders), shots_per_class=shots)


def test_lazy_init(folders):
    dataset = FewShotDataset(custom(folders, lazy_init=True), 2, lazy_init=True)
    with pytest.raises(RuntimeError, match='full_init'):
        len(dataset)
    dataset.full_init()
    assert len(dataset) == 6


def test_imagenet_and_registry_inside_seeded_dataset(folders):
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import DATASETS
    init_default_scope('mmpretrain')
    cfg = dict(type='FewShotDataset', shots_per_class=2, seed=0,
               dataset=dict(type='ImageNet', data_root=str(folders), split='train',
                            metainfo=dict(classes=tuple(COUNTS)), pipeline=[dict(type='LoadImageFromFile',
                                                                                 color_type='grayscale')]))
    dataset = DATASETS.build(cfg)
    assert type(dataset.dataset).__name__ == 'ImageNet' and len(dataset) == 6
    np.testing.assert_array_equal(np.bincount(dataset.get_gt_labels()), [2, 2, 2])
    seeded = SeededDataset(cfg)
    assert len(seeded) == 6 and seeded.metainfo['classes'] == tuple(COUNTS)
    for i in range(len(seeded)):
        sample = seeded[(i, 7)]
        k, index = divmod(int(sample['img'][0, 0]), 10)  # the pixel value names the file
        assert k == sample['gt_label'] == dataset.get_gt_labels()[i]
        assert sample['img_path'].endswith(f'/{list(COUNTS)[k]}/{index}.png')


def test_dataset_without_labels():
    class Unlabelled:
        def __len__(self):
            return 3

    with pytest.raises(TypeError, match='neither get_gt_labels'):
        FewShotDataset(Unlabelled(), 1)
