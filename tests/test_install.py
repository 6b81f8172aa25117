# Copyright (c) mmjepa contributors. All rights reserved.
"""The install keeps what a fresh virtual environment would lose (``tools/install_deps.sh``)."""
import os.path as osp
import re
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def test_every_pip_call_holds_the_constraints():
    """torch's setuptools>=77.0.3 alone upgrades a venv to a setuptools without pkg_resources: the pin must be
    in force in every resolution, so the script may only call pip through its constrained command."""
    script = open(osp.join(ROOT, 'tools', 'install_deps.sh')).read()
    assert 'export PIP_CONSTRAINT=' in script
    assert re.search(r'PIP=\(.*-c "\$CONSTRAINTS"\)', script)
    raw_calls = [line for line in script.splitlines()
                 if re.search(r'pip install', line) and not line.lstrip().startswith(('#', 'PIP='))]
    assert raw_calls == [], f'pip called without the constraints: {raw_calls}'
    constraints = open(osp.join(ROOT, 'requirements', 'constraints.txt')).read()
    assert re.search(r'^setuptools<82$', constraints, re.M)


def test_check_install_passes_here():
    """What the install checks at its end holds in the environment running the tests."""
    result = subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'check_install.py')],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count('[check] ok') >= 9


def test_a_missing_extra_names_it(monkeypatch):
    import sys
    from mmjepa.utils.extras import MissingExtraError, require
    monkeypatch.setitem(sys.modules, 'wfdb', None)  # as if not installed
    with pytest.raises(MissingExtraError, match=r'Reading WFDB records needs \'wfdb\'.*pip install "mmjepa\[ecg\]"'):
        require('wfdb', 'ecg', 'Reading WFDB records')
    assert require('json', 'ecg', 'x').dumps([]) == '[]'


def test_extras_of_setup_cover_the_member_requirements():
    import importlib.util
    spec = importlib.util.spec_from_file_location('mmjepa_setup', osp.join(ROOT, 'setup.py'))
    setup = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(setup)  # not __main__: defines, does not build
    extras = setup.extras_require()
    assert {'ecg', 'tabular', 'act', 'lidar', 'all', 'tests'} <= set(extras)
    assert 'wfdb' in extras['ecg'] and 'metaworld==3.1.1' in extras['act'] and 'xgboost-cpu' in extras['tabular']
    assert set(extras['ecg']) | set(extras['act']) <= set(extras['all'])
    core = setup.parse_requirements('runtime.txt')
    assert not {'wfdb', 'neurokit2', 'xgboost-cpu', 'metaworld==3.1.1', 'fvcore'} & set(core)
