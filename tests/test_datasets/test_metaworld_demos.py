# Copyright (c) mmjepa contributors. All rights reserved.
import json
import os.path as osp

import numpy as np
import pytest

from mmjepa.datasets.metaworld_demos import (CorruptEpisodeError, MetaWorldDemoDataset, chunk_sample,
                                             collect_demos, collect_episode, load_episode, save_episode)

pytest.importorskip('metaworld')


def test_chunk_sample_pads_past_the_end():
    obs = np.arange(5, dtype=np.float32)[:, None].repeat(3, 1)
    actions = 10 + np.arange(5, dtype=np.float32)[:, None].repeat(2, 1)
    s = chunk_sample(obs, actions, t=3, history=2, chunk=4)
    assert s['obs'][:, 0].tolist() == [2, 3]
    assert s['actions'][:, 0].tolist() == [13, 14, 14, 14]
    assert s['future_obs'][:, 0].tolist() == [4, 4, 4, 4]
    assert s['action_pad'].tolist() == [False, False, True, True]
    s0 = chunk_sample(obs, actions, t=0, history=3, chunk=2)
    assert s0['obs'][:, 0].tolist() == [0, 0, 0]
    assert s0['future_obs'][:, 0].tolist() == [1, 2]


def test_collect_is_seeded_and_flags_failures():
    a = collect_episode('reach-v3', seed=3, action_noise=0.1, max_steps=8)
    b = collect_episode('reach-v3', seed=3, action_noise=0.1, max_steps=8)
    c = collect_episode('reach-v3', seed=4, action_noise=0.1, max_steps=8)
    assert a['obs'].shape == (8, 39) and a['actions'].shape == (8, 4)
    np.testing.assert_array_equal(a['actions'], b['actions'])
    assert not np.array_equal(a['actions'], c['actions'])
    assert not bool(a['success'])  # 8 steps are too few for reach-v3 (the expert needs ~70)
    assert np.abs(a['actions']).max() <= 1


def test_dataset_reads_and_names_corrupt_files(tmp_path):
    root = str(tmp_path)
    index = collect_demos(root, ['reach-v3'], 2, seed=0, max_steps=6, progress=False)
    assert [e['success'] for e in index['episodes']] == [False, False]
    ds = MetaWorldDemoDataset(root, chunk_size=4, history=2)
    assert len(ds) == 12
    s = ds[5]['inputs']
    assert s['obs'].shape == (2, 39) and s['actions'].shape == (4, 4) and s['future_obs'].shape == (4, 39)
    ep = load_episode(osp.join(root, 'episodes/reach-v3_seed0.npz'))
    np.testing.assert_array_equal(s['actions'][:1], ep['actions'][5:6])
    assert s['action_pad'].tolist() == [False, True, True, True]
    with pytest.raises(ValueError, match='no episodes left'):
        MetaWorldDemoDataset(root, successful_only=True)
    # a truncated file is an error naming it
    path = osp.join(root, 'episodes/reach-v3_seed1.npz')
    data = open(path, 'rb').read()
    open(path, 'wb').write(data[:len(data) // 2])
    with pytest.raises(CorruptEpisodeError, match='reach-v3_seed1.npz'):
        MetaWorldDemoDataset(root)
    # a file shorter than its index entry too
    save_episode(path, ep['obs'][:3], ep['actions'][:3], False, 'reach-v3', 1)
    with pytest.raises(CorruptEpisodeError, match='reach-v3_seed1.npz holds 3 steps'):
        MetaWorldDemoDataset(root)
    with open(osp.join(root, 'index.json'), 'w') as f:
        json.dump(dict(format_version=99), f)
    with pytest.raises(CorruptEpisodeError, match='format_version'):
        MetaWorldDemoDataset(root)


def test_dataset_gives_the_model_task_index(tmp_path):
    root = str(tmp_path)
    collect_demos(root, ['reach-v3', 'push-v3'], 1, seed=0, max_steps=3, progress=False)
    ds = MetaWorldDemoDataset(root, chunk_size=2, model_tasks=['push-v3', 'reach-v3'])
    assert len(ds) == 6 and [int(ds[i]['inputs']['task']) for i in range(6)] == [1, 1, 1, 0, 0, 0]
    assert 'task' not in MetaWorldDemoDataset(root, chunk_size=2)[0]['inputs']  # single task: no index
    # the tasks filter drops push-v3 before the model's list is consulted
    only = MetaWorldDemoDataset(root, chunk_size=2, tasks=['reach-v3'], model_tasks=['pick-place-v3', 'reach-v3'])
    assert len(only) == 3 and int(only[0]['inputs']['task']) == 1
    with pytest.raises(ValueError, match="task 'push-v3'.*not in model_tasks"):
        MetaWorldDemoDataset(root, model_tasks=['reach-v3'])
    with pytest.raises(ValueError, match='non-empty list'):
        MetaWorldDemoDataset(root, model_tasks='reach-v3')
