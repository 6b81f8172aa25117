# Copyright (c) mmjepa contributors. All rights reserved.
import json
import os.path as osp

import pytest

pytest.importorskip('metaworld')

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
TASKS = ['reach-v3', 'push-v3']


def write_configs(root, data_root):
    """A tiny two-task ACT-JEPA / ACT pair on the shared Meta-World base: 2 iterations, 1 rollout of 3 steps."""
    base = osp.join(REPO, 'configs', '_base_', 'actjepa_mlp-d128_metaworld.py')
    jepa = osp.join(root, 'tiny_actjepa.py')
    with open(jepa, 'w') as f:
        f.write(f'''_base_ = [{base!r}]
tasks = {TASKS!r}
model = dict(tasks=tasks, backbone=dict(embed_dims=16, hidden_dims=16, num_heads=2),
             action_decoder=dict(num_layers=1), predictor=dict(num_layers=1), encoder_layers=1)
dataset = dict(type='MetaWorldDemoDataset', data_root={data_root!r}, chunk_size=10, model_tasks=tasks)
train_dataloader = dict(batch_size=4, dataset=dataset)
test_dataloader = dict(dataset=dataset)
test_cfg = dict(tasks=tasks, num_rollouts=1, max_steps=3)
train_cfg = dict(max_iters=2)
default_hooks = dict(checkpoint=dict(interval=2), logger=dict(interval=1))
''')
    act = osp.join(root, 'tiny_act.py')
    with open(act, 'w') as f:
        f.write("_base_ = ['./tiny_actjepa.py']\nmodel = dict(jepa_weight=0.0)\n")
    return act, jepa


def test_sweep_trains_rolls_out_and_pairs_the_seeds(tmp_path, load_tool, capsys):
    from mmjepa.datasets.metaworld_demos import collect_demos
    tool = load_tool('analysis_tools/rollout_sweep.py')
    data_root = str(tmp_path / 'demos')
    collect_demos(data_root, TASKS, 1, seed=0, max_steps=12, progress=False)
    act, jepa = write_configs(str(tmp_path), data_root)
    work = str(tmp_path / 'sweep')
    argv = [act, jepa, '--seeds', '0', '1', '--work-dir', work]
    result = tool.main(argv)
    out = capsys.readouterr().out
    assert 'run 4/4: tiny_actjepa seed 1: success' in out
    assert result['baseline'] == 'tiny_act' and list(result['differences']) == ['tiny_actjepa - tiny_act']
    runs = {n: c['runs'] for n, c in result['configs'].items()}
    assert [r['seed'] for r in runs['tiny_act']] == [0, 1] and runs['tiny_act'][0]['num_rollouts'] == 2
    # the summaries are the runs' numbers: per task, the mean over tasks, and the per-seed paired difference
    summary = result['configs']['tiny_actjepa']['summary']
    reach = [r['tasks']['reach-v3'] for r in runs['tiny_actjepa']]
    assert summary['reach-v3']['mean'] == pytest.approx(sum(reach) / 2) and summary['reach-v3']['n'] == 2
    per_seed = [sum(r['tasks'].values()) / 2 for r in runs['tiny_actjepa']]
    assert summary[tool.MEAN]['mean'] == pytest.approx(sum(per_seed) / 2)
    diffs = [a['tasks']['push-v3'] - b['tasks']['push-v3'] for a, b in zip(runs['tiny_actjepa'], runs['tiny_act'])]
    d = result['differences']['tiny_actjepa - tiny_act']['push-v3']
    assert d['mean'] == pytest.approx(sum(diffs) / 2)
    assert d['se'] == pytest.approx(abs(diffs[0] - diffs[1]) / 2)  # sd of two values / sqrt(2)
    with open(osp.join(work, 'sweep.json')) as f:
        assert json.load(f)['seeds'] == [0, 1]
    table = open(osp.join(work, 'sweep.md')).read()
    assert '| **mean over tasks** |' in table and '| push-v3 |' in table and 'tiny_actjepa - tiny_act' in table
    # a second sweep reuses the finished runs; another budget retrains
    again = tool.main(argv)
    assert all(r['reused'] for c in again['configs'].values() for r in c['runs'])
    assert again['configs']['tiny_act']['summary'] == result['configs']['tiny_act']['summary']
    changed = tool.main([act, '--seeds', '0', '--work-dir', work, '--cfg-options', 'train_cfg.max_iters=1'])
    assert not changed['configs']['tiny_act']['runs'][0]['reused'] and changed['differences'] == {}


def test_sweep_refuses_bad_input(tmp_path, load_tool):
    tool = load_tool('analysis_tools/rollout_sweep.py')
    demo = osp.join(REPO, 'configs', 'demo', 'ijepa_vit-tiny-p8_1xb64-16e_demo-64px.py')
    with pytest.raises(ValueError, match='test_cfg.type must be RolloutTestLoop'):
        tool.main([demo, '--work-dir', str(tmp_path)])
    reach = osp.join(REPO, 'configs', 'demo', 'act_mlp-d128_1xb64-1k_demo-metaworld-reach.py')
    with pytest.raises(ValueError, match="--baseline 'act' is not one of the configs"):
        tool.main([reach, '--baseline', 'act', '--work-dir', str(tmp_path)])
    with pytest.raises(SystemExit):
        tool.parse_args([reach, reach])  # one work dir per config name
