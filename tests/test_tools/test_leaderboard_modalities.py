# Copyright (c) mmjepa contributors. All rights reserved.
"""The leaderboard per modality: RGB (ImageNet / ADE20K / COCO), SAR few-shot (one column per number of shots) and
PTB-XL (one column per label set) runs of fake finished transfers each land in their own table, beside the rows
reported by the metafiles (ECG-JEPA's README numbers; SAR-JEPA has none)."""
import csv
import importlib.util
import json
import os.path as osp
import warnings

import pytest

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def record(algorithm, arch, sha, epochs=20):
    return dict(algorithm=algorithm, arch=arch, epochs=epochs, max_epochs=epochs, data='demo', config='pre.py',
                checkpoint=f'work_dirs/{sha}.pth', sha256=sha)


IJEPA = record('I-JEPA', 'ViT-T/8', 'aaaa1111', 16)
SAR = record('SAR-JEPA', 'ViT-T/8', 'bbbb2222')
ECG = record('ECG-JEPA', 'ViT-D384xL8/25', 'cccc3333')


@pytest.fixture(scope='module')
def leaderboard():
    spec = importlib.util.spec_from_file_location('mmjepa_leaderboard_modalities',
                                                  osp.join(REPO, 'tools', 'analysis_tools', 'leaderboard.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dumped_config(folder, benchmark_meta, dataset_lines=''):
    """The config mmengine dumps into a work dir: benchmark_meta plus the dataset keys the leaderboard reads."""
    (folder / 'cfg.py').write_text(f'benchmark_meta = {benchmark_meta!r}\n{dataset_lines}')


def evaluated_run(folder, benchmark_meta, provenance, metrics, dataset_lines=''):
    """A finished run evaluated by tools/test.py: test_metrics.json and the dumped config beside it."""
    folder.mkdir(parents=True)
    (folder / 'test_metrics.json').write_text(json.dumps(dict(benchmark_meta=benchmark_meta, metrics=metrics,
                                                              pretrain_provenance=provenance)))
    dumped_config(folder, benchmark_meta, dataset_lines)
    return str(folder)


def scalars_run(folder, benchmark_meta, provenance, line, dataset_lines=''):
    """A finished training run: mmengine's scalars.json, dumped config and TransferProvenanceHook's record."""
    vis = folder / '20260101_000000' / 'vis_data'
    vis.mkdir(parents=True)
    (vis / 'scalars.json').write_text(json.dumps({'loss': 1.0, 'step': 1}) + '\n' + json.dumps(line) + '\n')
    dumped_config(folder, benchmark_meta, dataset_lines)
    (folder / 'pretrain_provenance.json').write_text(json.dumps(provenance))
    return str(folder)


FEWSHOT_20 = ("train_dataloader = dict(dataset=dict(type='FewShotDataset', shots_per_class=20, "
              "dataset=dict(type='CustomDataset', data_root='data/demo/sar/')))\n")
PTBXL_ALL = "test_dataloader = dict(dataset=dict(type='PTBXLDataset', task='all'))\n"
PTBXL_SUPER_SINGLE = ("test_dataloader = dict(dataset=dict(type='PTBXLDataset', task='superdiagnostic', "
                      "single_label=True))\n")


@pytest.fixture
def runs(tmp_path):
    return [
        evaluated_run(tmp_path / 'rgb_linear', dict(task='linear', dataset='demo'), IJEPA, {'accuracy/top1': 40.}),
        # shots from the dumped config's train dataset; from benchmark_meta (explicit) in the second
        evaluated_run(tmp_path / 'sar_ft', dict(task='fewshot-finetune', dataset='demo-sar'), SAR,
                    {'accuracy/top1': 61.5}, FEWSHOT_20),
        scalars_run(tmp_path / 'sar_lin', dict(task='fewshot-linear', dataset='demo-sar', shots=10), SAR,
                    {'accuracy/top1': 33.25, 'step': 100}),
        # an RGB model on the SAR benchmark: a cross-modal baseline row in the SAR table
        evaluated_run(tmp_path / 'ijepa_on_sar', dict(task='fewshot-finetune', dataset='demo-sar'), IJEPA,
                    {'accuracy/top1': 20.}, FEWSHOT_20),
        evaluated_run(tmp_path / 'ecg_lin', dict(task='ptbxl-linear', dataset='demo'), ECG,
                    {'multi-label/auc': 0.8125, 'multi-label/num_classes': 71.}, PTBXL_ALL),
        scalars_run(tmp_path / 'ecg_ft', dict(task='ptbxl-finetune', dataset='demo'), ECG,
                    {'multi-label/auc': 0.75, 'step': 50}, PTBXL_SUPER_SINGLE),
    ]


def test_each_modality_has_its_table_with_reported_rows(leaderboard, runs, tmp_path):
    out = tmp_path / 'board.md'
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # every field known: nothing to warn about
        rows = leaderboard.main([*runs, '--out', str(out)])
    measured = {(r['modality'], r['algorithm']): r for r in rows if r['source'] == 'measured'}
    assert set(measured) == {('rgb', 'I-JEPA'), ('sar', 'SAR-JEPA'), ('sar', 'I-JEPA'), ('ecg', 'ECG-JEPA')}
    assert measured['rgb', 'I-JEPA']['linear'] == 40.
    sar = measured['sar', 'SAR-JEPA']  # two tasks of one checkpoint: one row
    assert (sar['sar_20shot_finetune'], sar['sar_10shot_linear'], sar['checkpoint']) == (61.5, 33.25, 'bbbb2222')
    assert measured['sar', 'I-JEPA']['sar_20shot_finetune'] == 20. and 'linear' not in measured['sar', 'I-JEPA']
    ecg = measured['ecg', 'ECG-JEPA']
    assert (ecg['ptbxl_all_linear'], ecg['ptbxl_superdiagnostic_single_finetune']) == (0.8125, 0.75)
    assert ecg['arch'] == 'ViT-D384xL8/25' and ecg['pretrain_epochs'] == '20'

    reported = [r for r in rows if r['source'] != 'measured']
    ecg_reported = {r['arch']: r for r in reported if r['algorithm'] == 'ECG-JEPA'}
    assert set(ecg_reported) == {'ViT-D384xL8/25', 'ViT-B/25'}  # XS: no number
    s, b = ecg_reported['ViT-D384xL8/25'], ecg_reported['ViT-B/25']
    assert (s['ptbxl_all_finetune'], s['ptbxl_all_linear'], s['ptbxl_superdiagnostic_single_finetune'],
            s['ptbxl_superdiagnostic_single_linear']) == (0.945, 0.938, 0.935, 0.928)
    assert (b['ptbxl_all_finetune'], b['ptbxl_all_linear'], b['ptbxl_superdiagnostic_single_finetune'],
            b['ptbxl_superdiagnostic_single_linear']) == (0.940, 0.935, 0.928, 0.920)
    assert s['modality'] == 'ecg' and s['source'] == 'reported (official README, mean of 10 runs)'
    assert s['pretrain_epochs'] == '100000 iters'
    assert not [r for r in reported if r['algorithm'] == 'SAR-JEPA']  # Results: null (not retrieved)
    assert {r['modality'] for r in reported if r['algorithm'] == 'I-JEPA'} == {'rgb'}

    text = out.read_text()
    sections = text.split('### ')
    overview, tables = sections[0], {s.split(':')[0]: s for s in sections[1:]}
    assert set(tables) == {'RGB images', 'SAR images', '12-lead ECG', 'Tables'}  # Tables: T-JEPA's reported rows
    assert '| I-JEPA | RGB images | yes | yes | yes | yes | n/a | n/a |' in overview  # it has a SAR result
    assert '| SAR-JEPA | SAR images | n/a | n/a | n/a | yes | n/a | n/a |' in overview
    assert '| DMT-JEPA | RGB images | yes | yes | yes | n/a | n/a | n/a |' in overview  # listed without any row
    assert '| ECG-JEPA | 12-lead ECG | n/a | n/a | n/a | n/a | yes | n/a |' in overview
    assert '| T-JEPA | Tables | n/a | n/a | n/a | n/a | n/a | yes |' in overview
    header = lambda table: table.splitlines()[2]  # noqa: E731
    assert header(tables['SAR images']).endswith(
        '| Source | SAR 10-shot linear top-1 | SAR 20-shot FT top-1 |')
    assert header(tables['12-lead ECG']).endswith(
        '| Source | PTB-XL all FT AUC | PTB-XL all linear AUC | PTB-XL superdiag. FT AUC '
        '| PTB-XL superdiag. linear AUC | PTB-XL superdiag. single-label FT AUC '
        '| PTB-XL superdiag. single-label linear AUC |')
    assert 'SAR' not in header(tables['RGB images']) and 'PTB-XL' not in header(tables['RGB images'])
    assert '| SAR-JEPA | ViT-T/8 | 20 | demo | bbbb2222 | demo-sar | measured | 33.25 | 61.50 |' \
        in tables['SAR images']
    assert ('| ECG-JEPA | ViT-D384xL8/25 | 100000 iters | ECG pretraining mix (10 public databases, 1.01M '
            'records) | – | standard | **reported (official README, mean of 10 runs)** | 0.945 | 0.938 | – | – '
            '| 0.935 | 0.928 |') in tables['12-lead ECG']
    assert ('| ECG-JEPA | ViT-D384xL8/25 | 20 | demo | cccc3333 | demo | measured | – | 0.812 | – | – | 0.750 '
            '| – |') in tables['12-lead ECG']

    with open(tmp_path / 'board.csv') as f:
        table = list(csv.DictReader(f))
    assert {'modality', 'linear', 'sar_20shot_finetune', 'ptbxl_all_linear'} <= set(table[0])
    by = {(r['modality'], r['algorithm'], r['source']): r for r in table}
    assert by['sar', 'SAR-JEPA', 'measured']['sar_20shot_finetune'] == '61.50'
    assert by['sar', 'SAR-JEPA', 'measured']['linear'] == ''


def test_rgb_only_board_has_no_other_tables(leaderboard, runs):
    rows = leaderboard.main([runs[0], '--no-reported'])
    text = leaderboard.to_markdown(rows)
    assert '### RGB images' in text and '### SAR images' not in text and '### 12-lead ECG' not in text


def test_unknown_shots_and_label_set_are_said(leaderboard, tmp_path):
    sar = evaluated_run(tmp_path / 'sar', dict(task='fewshot-linear', dataset='demo-sar'), SAR, {'accuracy/top1': 50.})
    ecg = evaluated_run(tmp_path / 'ecg', dict(task='ptbxl-linear', dataset='demo'), ECG, {'multi-label/auc': 0.5})
    with pytest.warns(UserWarning) as caught:
        rows = leaderboard.main([sar, ecg, '--no-reported'])
    text = ' '.join(str(w.message) for w in caught)
    assert 'benchmark_meta.shots=K' in text and 'benchmark_meta.label_set=all' in text
    assert rows[0]['sar_unknownshot_linear'] == 50. and rows[1]['ptbxl_unknown_linear'] == 0.5
    table = leaderboard.to_markdown(rows)
    assert 'SAR unknown-shot linear top-1' in table and 'PTB-XL unknown linear AUC' in table


def test_provenance_names_a_signal_encoder():
    """ProvenanceHook names a TokenTransformer by its width, depth and tokenizer patch (ECG-JEPA's ViT-S)."""
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    import mmjepa  # noqa: F401
    from mmjepa.engine.hooks.provenance import backbone_arch
    init_default_scope('mmpretrain')
    tokenizer = dict(type='SignalPatchEmbed', in_channels=12, patch_size=25, signal_length=500)
    small = MODELS.build(dict(type='TokenTransformer', tokenizer=tokenizer, arch=dict(
        embed_dims=384, num_layers=8, num_heads=6, feedforward_channels=1536)))
    assert backbone_arch(small) == 'ViT-D384xL8/25'
    assert backbone_arch(MODELS.build(dict(type='TokenTransformer', tokenizer=tokenizer, arch='base'))) == 'ViT-B/25'


def test_tabular_runs_and_reported_rows(leaderboard, tmp_path):
    """tabular_eval.py results: the T-JEPA tokens in the checkpoint's row, the raw features in their own row;
    the T-JEPA README numbers as reported rows (tokens and raw-feature baselines apart)."""
    run = tmp_path / 'tjepa'
    run.mkdir()
    result = dict(benchmark_meta=dict(task='tabular', table='wine', dataset='wine', metric='accuracy'),
                  metrics={'tjepa+mlp/accuracy': 0.9, 'raw+mlp/accuracy': 0.95, 'tjepa+xgboost/accuracy': 0.97},
                  pretrain_provenance=record('T-JEPA', 'FTT-D64xL4', 'dddd4444', 50))
    (run / 'tabular_eval.json').write_text(json.dumps(result))
    rows = leaderboard.build_rows(leaderboard.collect_runs([str(tmp_path)])
                                  + leaderboard.collect_reported(osp.join(REPO, 'model-index.yml')))
    tab = {(r['algorithm'], r['source'].startswith('reported'), r['dataset']): r for r in rows
           if r['modality'] == 'tabular'}
    measured = tab[('T-JEPA', False, 'wine')]
    assert measured['tab_wine_mlp_accuracy'] == 0.9 and measured['tab_wine_xgboost_accuracy'] == 0.97
    raw = tab[('raw features', False, 'wine')]
    assert raw['tab_wine_mlp_accuracy'] == 0.95 and 'tab_wine_xgboost_accuracy' not in raw
    assert raw['checkpoint'] == '–'
    assert tab[('T-JEPA', True, 'standard')]['tab_jannis_mlp_accuracy'] == 0.728
    assert tab[('T-JEPA', True, 'raw features')]['tab_jannis_xgboost_accuracy'] == 0.72
    assert tab[('T-JEPA', True, 'standard')]['tab_california_resnet_rmse'] == 0.441
    markdown = leaderboard.to_markdown(rows)
    assert '### Tables: downstream models on frozen tokens' in markdown and 'wine MLP acc' in markdown
    assert 'california ResNet RMSE↓' in markdown and '| T-JEPA | Tables | n/a |' in markdown
    assert '| raw features | unknown |' not in markdown  # a baseline row, not an algorithm of the overview


def test_seqjepa_eval_json_lands_in_the_rotation_table(leaderboard, tmp_path):
    """seqjepa_eval.py's JSON (means over its seeds) fills the 'Views under known rotations' table."""
    seq = record('seq-JEPA', 'JEPAResNetCIFAR', 'dddd4444', 30)
    summary = {k: dict(mean=v, stderr=0.1, n=3) for k, v in
               dict(cls_acc_agg=60., cls_acc_z=55., rot_r2_z=0.5, rot_r2_agg=0.05).items()}
    (tmp_path / 'run').mkdir()
    (tmp_path / 'run' / 'seqjepa_eval.json').write_text(json.dumps(dict(
        benchmark_meta=dict(task='seqjepa-eval', dataset='objects3d'), pretrain_provenance=seq, summary=summary)))
    out = tmp_path / 'board.md'
    rows = leaderboard.main([str(tmp_path / 'run'), '--no-reported', '--out', str(out)])
    (row, ) = rows
    assert row['modality'] == 'views' and row['algorithm'] == 'seq-JEPA' and row['checkpoint'] == 'dddd4444'
    assert (row['rot_cls_agg'], row['rot_cls_z'], row['rot_r2_z'], row['rot_r2_agg']) == (60., 55., 0.5, 0.05)
    text = out.read_text()
    assert 'Views under known rotations' in text and 'rotation R2 from [z; z]' in text and '0.500' in text
