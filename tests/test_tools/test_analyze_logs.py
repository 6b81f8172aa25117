# Copyright (c) mmjepa contributors. All rights reserved.
"""tools/analysis_tools/analyze_logs.py plot_curve on synthetic mmengine logs."""
import json

import numpy as np
import pytest
from PIL import Image


@pytest.fixture(scope='module')
def tool(load_tool):
    return load_tool('analysis_tools/analyze_logs.py')


def write_run(work_dir, timestamp, entries, name='scalars.json'):
    vis_data = work_dir / timestamp / 'vis_data'
    vis_data.mkdir(parents=True)
    (vis_data / name).write_text(''.join(json.dumps(e) + '\n' for e in entries))


def train_entry(it, **values):
    entry = dict(base_lr=1e-4, lr=1e-4 * it, data_time=0.1, loss=1. / it, ema_momentum=0.996 + 1e-4 * it, time=0.5,
                 epoch=1 + it // 10, iter=it, step=it)
    entry.update(values)
    return entry


@pytest.fixture
def work_dir(tmp_path):
    """A run of 6 iterations (RankMe from iteration 4), resumed at iteration 4 into a second run of 8."""
    work = tmp_path / 'demo_ijepa'
    first = [train_entry(i) for i in (2, 4, 6)]
    first[1].update(rankme=38., feature_std=0.5)
    write_run(work, '20260101_000000', first)
    second = [train_entry(6, loss=0.1, rankme=39.), train_entry(8, rankme=40.),
              dict(accuracy=50., data_time=0.1, time=0.2, step=1)]  # a validation entry: no 'iter'
    write_run(work, '20260101_010000', second)
    return work


def test_reads_and_merges_runs(tool, work_dir):
    files = tool.find_logs(str(work_dir))
    assert [f.split('/')[-3] for f in files] == ['20260101_000000', '20260101_010000']
    curves = tool.read_scalars(files)
    assert set(curves) == {'base_lr', 'lr', 'data_time', 'loss', 'ema_momentum', 'time', 'rankme', 'feature_std'}
    x, y = curves['loss']
    np.testing.assert_array_equal(x, [2, 4, 6, 8])
    np.testing.assert_allclose(y, [1 / 2, 1 / 4, 0.1, 1 / 8])  # iteration 6 from the resumed run
    np.testing.assert_array_equal(curves['rankme'][0], [4, 6, 8])
    np.testing.assert_allclose(curves['rankme'][1], [38, 39, 40])
    assert tool.select_keys([curves]) == ['loss', 'lr', 'ema_momentum', 'rankme']
    assert tool.select_keys([curves], ['train/rankme', 'feature_std']) == ['rankme', 'feature_std']


def test_plot_curve_cli(tool, work_dir, tmp_path, capsys):
    out = str(tmp_path / 'curves' / 'c.png')
    res = tool.main(['plot_curve', str(work_dir), '--out', out])
    assert res['keys'] == ['loss', 'lr', 'ema_momentum', 'rankme']
    with Image.open(out) as png:
        assert png.format == 'PNG' and png.size == res['size'] == (800, 90 + 4 * 200)
    assert 'demo_ijepa rankme: 3 points, iterations 4-8, first 38, last 40' in capsys.readouterr().out
    res = tool.main(['plot_curve', str(work_dir), str(work_dir / '20260101_000000' / 'vis_data' / 'scalars.json'),
                     '--keys', 'loss', '--legend', 'all', 'first', '--out', out])
    with Image.open(out) as png:
        assert png.size == (800, 290)
    assert len(res['runs']) == 2 and res['runs'][1]['loss'][0].tolist() == [2, 4, 6]


def test_errors(tool, work_dir, tmp_path):
    with pytest.raises(KeyError, match=r"'accuracy/top1' is not in the log; available: \['base_lr', "):
        tool.main(['plot_curve', str(work_dir), '--keys', 'loss', 'accuracy/top1'])
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match='No training log under'):
        tool.main(['plot_curve', str(tmp_path / 'empty')])
    with pytest.raises(FileNotFoundError, match='neither a work dir nor a log file'):
        tool.main(['plot_curve', str(tmp_path / 'nowhere')])
    write_run(tmp_path / 'other', '20260101_000000', [dict(time=0.1, iter=1, step=1)])
    with pytest.raises(KeyError, match=r"None of the default keys .* available: \['time'\]"):
        tool.main(['plot_curve', str(tmp_path / 'other')])
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps(train_entry(1)) + '\n{"loss": \n')
    with pytest.raises(ValueError, match='bad.json:2 is not a JSON line'):
        tool.main(['plot_curve', str(bad)])
    with pytest.raises(ValueError, match='--legend has 2 names for 1 logs'):
        tool.main(['plot_curve', str(work_dir), '--legend', 'a', 'b'])


def test_timestamp_json_fallback(tool, tmp_path):
    """Without scalars.json, the <timestamp>.json that LoggerHook writes beside it is read."""
    write_run(tmp_path / 'w', '20260102_000000', [train_entry(2), train_entry(4)], name='20260102_000000.json')
    files = tool.find_logs(str(tmp_path / 'w'))
    assert files[0].endswith('20260102_000000/vis_data/20260102_000000.json')
    assert tool.find_logs(str(tmp_path / 'w' / '20260102_000000')) == files  # a run folder works too
    assert tool.read_scalars(files)['lr'][0].tolist() == [2, 4]
