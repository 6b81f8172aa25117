# Copyright (c) mmjepa contributors. All rights reserved.
"""tools/analysis_tools/benchmark.py on the demo config (CPU, 2 steps) and benchmark_masks.py."""
import importlib.util
import json
import os.path as osp

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(ROOT, 'configs/demo/ijepa_vit-tiny-p8_1xb64-16e_demo-64px.py')


def load_tool(name):
    spec = importlib.util.spec_from_file_location(name, osp.join(ROOT, 'tools/analysis_tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_demo_config_writes_json(tmp_path):
    out = tmp_path / 'bench.json'
    threads = torch.get_num_threads()
    try:
        load_tool('benchmark').main([DEMO, '--batch-size', '4', '--iters', '2', '--warmup', '1', '--device', 'cpu',
                                     '--threads', '1', '--quiet', '--out', str(out)])
    finally:
        torch.set_num_threads(threads)
    result = json.loads(out.read_text())
    for key in ('config', 'device', 'device_name', 'torch', 'amp', 'compile', 'flop_counter', 'results'):
        assert key in result
    assert result['device'] == 'cpu' and result['amp'] is False
    (row, ) = result['results']
    assert row['optim_wrapper'] == 'OptimWrapper'
    for key in ('batch_size', 'iters', 'step_time_median_s', 'images_per_s', 'peak_mem_mib', 'peak_mem_kind',
                'flops_per_step', 'flops_per_image', 'achieved_tflops', 'mfu'):
        assert key in row
    assert row['batch_size'] == 4 and len(row['step_times_s']) == 2
    assert row['images_per_s'] > 0 and row['peak_mem_kind'] == 'peak_rss' and row['peak_mem_mib'] > 0
    assert row['mfu'] is None  # no peak for a CPU unless --peak-tflops
    # FlopCounterMode saw the encoders, the predictor and the attention: well above the patch embedding alone.
    assert row['flops_per_image'] > 1e8


def test_benchmark_amp_on_cpu_uses_bf16_wrapper(tmp_path):
    out = tmp_path / 'bench.json'
    threads = torch.get_num_threads()
    try:
        load_tool('benchmark').main([DEMO, '--batch-size', '2', '--iters', '1', '--warmup', '1', '--device', 'cpu',
                                     '--amp', '--no-flops', '--threads', '1', '--quiet', '--out', str(out)])
    finally:
        torch.set_num_threads(threads)
    result = json.loads(out.read_text())
    assert result['amp'] is True and result['results'][0]['optim_wrapper'] == 'BF16OptimWrapper'


def test_benchmark_rejects_unknown_wrapper():
    with pytest.raises(SystemExit, match='optim_wrapper.type'):
        load_tool('benchmark').main([DEMO, '--device', 'cpu', '--iters', '1', '--cfg-options',
                                     'optim_wrapper.type=ApexOptimWrapper'])


def test_benchmark_masks_reports_rates():
    threads = torch.get_num_threads()
    try:
        rates = load_tool('benchmark_masks').main(['--batch-size', '16', '--seconds', '0.2'])
    finally:
        torch.set_num_threads(threads)
    assert rates['draws_per_s'] > 0 and rates['best_block_draws_per_s'] > 0


# ------------------------------------------------------------------------ SAR-JEPA and ECG-JEPA configs
SAR = osp.join(ROOT, 'configs/sarjepa/sarjepa_vit-base-p16_4xb75-300e_sar-pretrain.py')
ECG = osp.join(ROOT, 'configs/ecgjepa/ecgjepa_vit-s-p25_8xb256-amp-100k_ecg-pretrain.py')
# Small encoders and predictors; ECG-JEPA at its own 12 x 5000 input, SAR-JEPA at 64 px (the demo's operator).
SAR_TINY = ['model.backbone.arch=tiny', 'model.backbone.img_size=64', 'model.backbone.patch_size=8',
            'model.predictor.predictor_dims=32', 'model.predictor.depth=1', 'model.predictor.num_heads=2',
            'model.predictor.out_dims=256', 'model.mask_sampler.window_size=4',
            'model.target_generator.operator.patch_size=8', 'model.target_generator.operator.radii=(2,4,6,8)']
ECG_TINY = ['model.backbone.arch.num_layers=1', 'model.predictor.depth=1']


def run_benchmark(config, cfg_options, out, *extra):
    threads = torch.get_num_threads()
    try:
        return load_tool('benchmark').main([config, '--batch-size', '2', '--iters', '2', '--warmup', '1',
                                            '--device', 'cpu', '--threads', '1', '--quiet', '--out', str(out),
                                            *extra, '--cfg-options', *cfg_options])
    finally:
        torch.set_num_threads(threads)


def test_benchmark_sarjepa_one_channel_images_and_operator_share(tmp_path, capsys):
    out = tmp_path / 'sar.json'
    run_benchmark(SAR, SAR_TINY, out, '--breakdown')
    result = json.loads(out.read_text())
    (row, ) = result['results']
    assert result['breakdown'] is True
    assert row['algorithm'] == 'SARJEPA' and row['target_operator'] == 'ROAGradientTarget'
    assert row['input_kind'] == 'images' and row['input_shape'] == [1, 64, 64] and row['input_dtype'] == 'uint8'
    assert row['samples_per_s'] > 0 and row['images_per_s'] == row['samples_per_s']
    parts = row['breakdown']
    assert set(parts) == {'sample_masks', 'compute_targets', 'predict_targets', 'update_target', 'rest'}
    assert 0 < parts['compute_targets']['share_of_step'] < 1
    assert parts['update_target']['total_s'] < parts['compute_targets']['total_s']  # no EMA: nothing to update
    assert abs(sum(p['share_of_step'] for p in parts.values()) - 1) < 1e-6
    assert 'images/s' in capsys.readouterr().out


def test_benchmark_ecgjepa_signals_without_dataset(tmp_path, capsys):
    out = tmp_path / 'ecg.json'
    run_benchmark(ECG, ECG_TINY, out, '--breakdown')
    printed = capsys.readouterr().out
    (row, ) = json.loads(out.read_text())['results']
    assert row['algorithm'] == 'ECGJEPA' and row['target_generator'] == 'EMATargetGenerator'
    assert row['input_kind'] == 'signals' and row['input_shape'] == [12, 5000] and row['input_dtype'] == 'float32'
    assert row['samples_per_s'] > 0 and row['images_per_s'] is None
    assert row['flops_per_step'] > 0  # the Conv1d tokenizer, the blocks and the predictor were counted
    assert row['breakdown']['update_target']['total_s'] > 0  # the EMA update ran in every timed step
    assert 'signals/s' in printed and 'compute_targets' in printed


def test_synthetic_inputs_follow_the_backbone():
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    import mmjepa  # noqa: F401
    init_default_scope('mmpretrain')
    tool = load_tool('benchmark')
    gen = torch.Generator().manual_seed(0)
    vit = MODELS.build(dict(type='JEPAViT', arch='tiny', img_size=(32, 48), patch_size=16, in_channels=2))
    images, kind = tool.synthetic_inputs(vit, 3, gen)
    assert kind == 'images' and images.shape == (3, 2, 32, 48) and images.dtype == torch.uint8
    signal = MODELS.build(dict(type='TokenTransformer', arch='tiny', tokenizer=dict(
        type='SignalPatchEmbed', in_channels=8, patch_size=10, signal_length=200)))
    signals, kind = tool.synthetic_inputs(signal, 3, gen)
    assert kind == 'signals' and signals.shape == (3, 8, 200) and signals.abs().max() <= tool.SIGNAL_CLIP
    with pytest.raises(SystemExit, match='model.backbone.type=Linear.*synthetic_inputs'):
        tool.synthetic_inputs(torch.nn.Linear(2, 2), 3, gen)


def test_missing_dataset_base_is_left_out_other_missing_bases_raise(tmp_path):
    tool = load_tool('benchmark')
    model_base = osp.join(ROOT, 'configs/_base_/models/ecgjepa_vit-s.py')
    (tmp_path / 'datasets').mkdir()
    config = tmp_path / 'cfg.py'
    config.write_text(f"_base_ = [{model_base!r}, './datasets/absent.py']\nextra = 1\n")
    cfg = tool.load_config(tool.parse_args([str(config)]))
    assert cfg.model.type == 'ECGJEPA' and cfg.extra == 1
    config.write_text(f"_base_ = [{model_base!r}, './schedules/absent.py']\n")
    with pytest.raises(FileNotFoundError, match='absent.py'):
        tool.load_config(tool.parse_args([str(config)]))


TJEPA = osp.join(ROOT, 'configs/tjepa/tjepa_ftt-d64-l16_1xb512-300e_jannis.py')


def test_benchmark_tjepa_rows_without_dataset(tmp_path, capsys):
    out = tmp_path / 'tjepa.json'
    run_benchmark(TJEPA, ['model.backbone.arch.num_layers=1', 'model.predictor.depth=1'], out, '--breakdown')
    (row, ) = json.loads(out.read_text())['results']
    assert row['algorithm'] == 'TJEPA' and row['input_kind'] == 'rows' and row['input_shape'] == [54]
    assert row['samples_per_s'] > 0 and row['breakdown']['update_target']['total_s'] > 0
    assert 'rows/s' in capsys.readouterr().out


def test_synthetic_rows_follow_the_tabular_tokenizer():
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    import mmjepa  # noqa: F401
    init_default_scope('mmpretrain')
    backbone = MODELS.build(dict(type='TokenTransformer', arch='tiny', tokenizer=dict(
        type='TabularTokenizer', num_numeric=3, cardinalities=[2, 7])))
    rows, kind = load_tool('benchmark').synthetic_inputs(backbone, 50, torch.Generator().manual_seed(0))
    assert kind == 'rows' and rows.shape == (50, 5)
    assert rows[:, 3].max() <= 1 and rows[:, 4].max() <= 6 and torch.equal(rows[:, 3:], rows[:, 3:].round())
    backbone.tokenizer(rows)  # valid codes


def breakdown_row(config: str, tmp_path) -> dict:
    """The JSON row of ``benchmark.py CONFIG --breakdown`` at batch 2, one timed step on one CPU thread."""
    out = tmp_path / 'bench.json'
    threads = torch.get_num_threads()
    try:
        load_tool('benchmark').main([osp.join(ROOT, config), '--batch-size', '2', '--iters', '1', '--warmup', '1',
                                     '--device', 'cpu', '--threads', '1', '--quiet', '--breakdown', '--out', str(out)])
    finally:
        torch.set_num_threads(threads)
    (row, ) = json.loads(out.read_text())['results']
    return row


def test_benchmark_seqjepa_view_sequences(tmp_path):
    """seq-JEPA: sequences of views with actions, sized by the config's pipeline (the demo: 4 views of 32 px)."""
    row = breakdown_row('configs/demo/seqjepa_resnet18-w16-cifar_1xb32-30e_demo-objects3d-32px.py', tmp_path)
    assert row['algorithm'] == 'SeqJEPA' and row['input_kind'] == 'sequences'
    assert row['input_shape'] == [4, 3, 32, 32] and row['input_dtype'] == 'uint8'
    assert row['samples_per_s'] > 0 and row['flops_per_step'] > 0


def test_benchmark_adljepa_lidar_scans(tmp_path):
    """AD-L-JEPA: point clouds in the voxel layer's range, voxelised by the config's Det3DDataPreprocessor."""
    row = breakdown_row('configs/demo/adljepa_pointpillars-d192_1xb4-200it_demo-kitti.py', tmp_path)
    assert row['algorithm'] == 'ADLJEPA' and row['input_kind'] == 'scans'
    assert row['input_shape'] == [5000, 4] and row['input_dtype'] == 'float32'
    assert row['samples_per_s'] > 0 and row['breakdown']['masks_for']['median_s'] > 0


def test_optimizer_overhead_counts_groups_on_the_meta_device(tmp_path):
    """--optimizer-overhead: the demo model on the meta device, its groups and the optimizer step's host time;
    the config's constructor merges mmengine's one group per tensor into 2."""
    rows = []
    for options in ([], ['--cfg-options', 'optim_wrapper.constructor=FrozenSummaryOptimWrapperConstructor']):
        out = tmp_path / f'overhead{len(rows)}.json'
        load_tool('benchmark').main([DEMO, '--optimizer-overhead', '--device', 'cpu', '--out', str(out), *options])
        (row, ) = json.loads(out.read_text())['results']
        rows.append(row)
    merged, per_tensor = rows
    assert merged['param_groups'] == 2 and per_tensor['param_groups'] == per_tensor['trained_tensors'] > 50
    assert merged['trained_tensors'] == per_tensor['trained_tensors']
    assert merged['optimizer'] == 'AdamW' and merged['optimizer_step_host_ms'] > 0
