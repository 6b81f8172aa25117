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
