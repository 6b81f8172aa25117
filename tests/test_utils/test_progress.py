# Copyright (c) mmjepa contributors. All rights reserved.
"""Long loops show count and ETA on stderr, and nothing under --quiet."""
from mmjepa.utils.progress import track


def test_track_reports_count_and_eta_on_stderr(capsys):
    assert list(track(range(4), desc='records')) == [0, 1, 2, 3]
    out, err = capsys.readouterr()
    assert out == '' and err.startswith('records\n') and '4/4' in err and 'ETA' in err and err.endswith('\n')


def test_track_is_silent_when_quiet(capsys):
    assert list(track(iter('abc'), total=3, desc='x', quiet=True)) == ['a', 'b', 'c']
    assert capsys.readouterr() == ('', '')
