# Copyright (c) mmjepa contributors. All rights reserved.
"""The reversal-curse study (projects/reversal_curse_jepa): knowledge-base invariants, the models, the metric,
one mmengine run from a study config and the study tool's reading, table and claim check."""
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import default_collate

from projects.reversal_curse_jepa import (PROBES, ReversalAccuracy, ReversalConceptJEPA, ReversalFactDataset,
                                          ReversalTokenGPT, build_kb, inverse_relation)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PROJECT = osp.join(ROOT, 'projects', 'reversal_curse_jepa')
TINY = dict(num_group_a=24, num_group_b=16, num_relation_pairs=3, name_tokens=2, name_multiplicity=2,
            probe_size=1000, seed=3)


def as_set(facts):
    return {tuple(int(v) for v in fact) for fact in facts}


def reverse(facts):
    return as_set(np.stack([facts[:, 2], inverse_relation(facts[:, 1]), facts[:, 0]], 1))


def test_kb_invariants():
    kb = build_kb(**TINY)
    num_entities = TINY['num_group_a'] + TINY['num_group_b']
    assert kb.names.shape == (num_entities, 2)
    assert len(as_set(kb.names)) == num_entities  # names unique
    for column in range(2):  # every first / last name is shared by name_multiplicity entities
        assert set(np.bincount(kb.names[:, column])[np.unique(kb.names[:, column])]) == {2}
    assert kb.names.max() < kb.relation_tokens.min() and len(kb.vocab) == kb.pad_token + 1
    assert [kb.vocab[t] for t in kb.relation_tokens[:2]] == ['<r_0>', '<r_0_inv>']
    train, held_out = as_set(kb.train), as_set(kb.held_out)
    assert len(train) == len(kb.train)  # no repeated fact
    group_of = kb.group[kb.train[:, 0]]
    assert (kb.group[kb.train[:, 2]] == group_of).all()  # facts never cross groups
    a_facts, b_facts = kb.train[group_of == 0], kb.train[group_of == 1]
    assert reverse(a_facts) == as_set(a_facts)  # group A: both directions, with the inverse relation
    assert reverse(b_facts) == held_out and not (held_out & train)  # group B: no reverse fact in training
    # every entity is in exactly one pair per relation pair
    assert len(a_facts) == 2 * TINY['num_relation_pairs'] * TINY['num_group_a'] // 2
    assert len(b_facts) == TINY['num_relation_pairs'] * TINY['num_group_b'] // 2
    for pair in range(TINY['num_relation_pairs']):
        facts = b_facts[b_facts[:, 1] // 2 == pair]
        assert sorted(facts[:, [0, 2]].ravel()) == list(range(24, 40))
    assert as_set(kb.probes['A']) <= as_set(a_facts) and as_set(kb.probes['B_forward']) == as_set(b_facts)
    assert as_set(kb.probes['B_reverse']) == held_out


def test_kb_seeded_and_bad_input():
    first, again = build_kb(**TINY), build_kb(**dict(TINY, probe_size=999))  # a second, uncached build
    assert (first.train == again.train).all() and (first.names == again.names).all()
    other = build_kb(**dict(TINY, seed=4))
    assert not (first.train.shape == other.train.shape and (first.train == other.train).all())
    one_token = build_kb(**dict(TINY, name_tokens=1))
    assert one_token.names.shape == (40, 1) and len(as_set(one_token.names)) == 40
    with pytest.raises(ValueError, match='num_group_b=15 must be an even'):
        build_kb(**dict(TINY, num_group_b=15))
    with pytest.raises(ValueError, match='name_multiplicity=3 must divide'):
        build_kb(**dict(TINY, name_multiplicity=3))
    with pytest.raises(ValueError, match='name_tokens=3'):
        build_kb(**dict(TINY, name_tokens=3))


def test_dataset_items():
    train, probe = ReversalFactDataset(TINY), ReversalFactDataset(TINY, split='probe')
    batch = default_collate([train[i] for i in range(5)])
    assert batch['inputs'].shape == (5, 3) and batch['data_samples']['probe'].tolist() == [-1] * 5
    kb = build_kb(**TINY)
    assert len(probe) == sum(len(kb.probes[name]) for name in PROBES)
    assert probe.probe.unique().tolist() == [0, 1, 2]
    assert as_set(probe.facts[probe.probe == 2].numpy()) == as_set(kb.held_out)
    with pytest.raises(ValueError, match="split='val'"):
        ReversalFactDataset(TINY, split='val')


MODELS = [
    dict(type='ReversalTokenGPT', embed_dims=32, depth=2, num_heads=2),
    dict(type='ReversalConceptJEPA', embed_dims=32, num_heads=2, wernicke_depth=1, depth=2),
    dict(type='ReversalConceptJEPA', embed_dims=32, num_heads=2, depth=2, negatives='all', concept_norm='layer_norm'),
    dict(type='ReversalConceptJEPA', embed_dims=32, num_heads=2, depth=2, memory=dict(top_k=1),
         concept_norm='layer_norm'),
]


@pytest.mark.parametrize('cfg', MODELS, ids=['gpt', 'jepa', 'jepa-all-negatives', 'jepa-memory'])
def test_models_train_and_score(cfg):
    from mmpretrain.registry import MODELS as REGISTRY
    torch.manual_seed(0)
    model = REGISTRY.build(dict(cfg, kb=TINY))
    facts = torch.as_tensor(build_kb(**TINY).train)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=3e-3)
    losses = []
    for _ in range(25):
        loss = model(facts, mode='loss')['loss']
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < 0.8 * losses[0]
    dataset = ReversalFactDataset(TINY, split='probe')
    batch = default_collate([dataset[i] for i in range(len(dataset))])
    outputs = model(batch['inputs'], batch['data_samples'], mode='predict')
    assert len(outputs) == len(dataset) and set(outputs[0]) == {'probe', 'pred', 'target'}
    assert model(batch['inputs'], mode='tensor').shape == (len(dataset), )
    metric = ReversalAccuracy()
    metric.process(None, outputs)
    scores = metric.compute_metrics(metric.results)
    assert set(scores) == {'A_acc', 'B_forward_acc', 'B_reverse_acc'}
    assert all(0 <= v <= 100 for v in scores.values())
    with pytest.raises(ValueError, match=r'inputs must be \[B, 3\]'):
        model(facts[:, :2], mode='loss')
    with pytest.raises(ValueError, match="mode='val'"):
        model(facts, mode='val')


def test_gpt_decoding_maps_names_to_entities():
    model = ReversalTokenGPT(TINY, embed_dims=16, depth=1, num_heads=2)
    facts = torch.as_tensor(build_kb(**TINY).probes['B_reverse'])
    answer = model.names[facts[:, 2]]

    def oracle(tokens):  # a model that emits the true tail name after the prompt
        step = tokens.shape[1] - model.prompt(facts).shape[1]
        logits = torch.zeros(*tokens.shape, model.vocab_size)
        logits[:, -1] = torch.nn.functional.one_hot(answer[:, step], model.vocab_size).float()
        return logits

    model.logits = oracle
    assert (model.predict_entities(facts) == facts[:, 2]).all()
    answer = torch.stack([answer[:, 0], answer[:, 0]], 1)  # first-name token twice: no entity has that name
    assert (model.predict_entities(facts) == -1).all()


def test_memory_lookup_is_per_entity():
    model = ReversalConceptJEPA(TINY, embed_dims=64, num_heads=2, depth=1, memory=dict(top_k=1))
    assert not model.token_embed.weight.requires_grad
    concepts = model.encode(model.names)  # each entity's query must hit its own key: its own value
    assert torch.equal(concepts, model.memory.values[:model.num_entities])
    singles = model.encode(model.single_tokens[:, None])
    assert torch.equal(singles, model.memory.values[model.num_entities:])
    with pytest.raises(ValueError, match='top_k=0'):
        ReversalConceptJEPA(TINY, memory=dict(top_k=0))
    with pytest.raises(ValueError, match="negatives='none'"):
        ReversalConceptJEPA(TINY, negatives='none')
    with pytest.raises(ValueError, match="concept_norm='rms'"):
        ReversalConceptJEPA(TINY, concept_norm='rms')


def test_metric_numbers():
    metric = ReversalAccuracy()
    metric.process(None, [dict(probe=0, pred=1, target=1), dict(probe=2, pred=-1, target=3),
                          dict(probe=2, pred=3, target=3), dict(probe=2, pred=0, target=3)])
    assert metric.compute_metrics(metric.results) == {'A_acc': 100., 'B_reverse_acc': pytest.approx(100. / 3)}
    with pytest.raises(ValueError, match='no results'):
        metric.compute_metrics([(-1, True)])


def load_study_tool():
    spec = importlib.util.spec_from_file_location('run_study', osp.join(PROJECT, 'tools', 'run_study.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_config_trains_with_runner_and_study_reads_it(tmp_path):
    """The memory config through mmengine's Runner on the tiny KB (4 iterations, 2 evaluations), then the study
    tool's curve reading, table and claim check on that run."""
    from mmengine.runner import Runner
    cfg = Config.fromfile(osp.join(PROJECT, 'configs', 'jepa_concept-memory_kb1600-cpu.py'))
    for node in (cfg.model, cfg.train_dataloader.dataset, cfg.val_dataloader.dataset):
        node.kb = dict(TINY)
    cfg.model.embed_dims = 32
    cfg.train_dataloader.batch_size = 16
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=4, val_interval=2)
    cfg.work_dir = str(tmp_path / 'run')
    cfg.default_hooks.checkpoint.interval = 4
    Runner.from_cfg(cfg).train()

    study = load_study_tool()
    curves = study.read_curves(cfg.work_dir)
    assert curves['step'] == [2, 4] and all(len(curves[p]) == 2 for p in PROBES)
    assert 0 <= study.run_seconds(cfg.work_dir) < 600
    runs = [dict(seed=0, seconds=1., curves=curves)]
    fake = dict(step=[2, 4], A=[0., 90.], B_forward=[0., 80.], B_reverse=[0., 1.])
    results = {'base': [dict(seed=0, seconds=2., curves=fake)], 'mem': runs}
    assert '| base | 1 | 90.0 ± 0.0 | 80.0 ± 0.0 | 1.0 ± 0.0 | 2 |' in study.table(results)
    verdict = study.check_claim({'base': results['base'], 'better': [dict(fake=1, curves=dict(
        fake, B_reverse=[0., 40.]))]}, near_zero=5., margin=20.)
    assert verdict[0].startswith('baseline base: B_reverse 1.0% (PASS') and '40.0% (PASS' in verdict[1]
    assert 'FAIL' in study.check_claim({'base': results['base'], 'same': results['base']}, 5., 20.)[1]
    study.plot(results, str(tmp_path / 'curves.png'))
    assert osp.getsize(tmp_path / 'curves.png') > 1000
    with pytest.raises(FileNotFoundError, match='no \\*/vis_data/scalars.json'):
        study.read_curves(str(tmp_path / 'missing'))
