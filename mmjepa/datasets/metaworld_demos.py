# Copyright (c) mmjepa contributors. All rights reserved.
"""Meta-World demonstrations for `ACT-JEPA <https://arxiv.org/abs/2501.14622>`_: the on-disk episode format,
the seeded collection from Meta-World's scripted experts, and the chunked dataset.

**On-disk format** (``format_version`` 1). A folder holds ``index.json`` and one ``.npz`` per episode::

    index.json   {"format_version": 1, "obs_dim": 39, "action_dim": 4,
                  "episodes": [{"file": "episodes/reach-v3_seed0.npz", "task": "reach-v3", "seed": 0,
                                "length": 73, "success": true, "action_noise": 0.1}, ...]}
    episodes/<task>_seed<seed>.npz
        obs      [T, 39] float32  the observation before each step's action
        actions  [T, 4]  float32  the action taken (expert action + noise, clipped to [-1, 1])
        success  ()      bool     whether ``info['success']`` was reached (failed episodes are kept, flagged)
        task     ()      str      the Meta-World v3 task name
        seed     ()      int64    the environment seed of the episode
"""
import json
import os
import os.path as osp
import zipfile
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.registry import DATASETS

from ..utils.extras import require
from ..utils.progress import track

FORMAT_VERSION = 1
EPISODE_KEYS = ('obs', 'actions', 'success', 'task', 'seed')


class CorruptEpisodeError(ValueError):
    """An episode file that cannot be read or does not hold the documented arrays."""


def save_episode(path: str, obs: np.ndarray, actions: np.ndarray, success: bool, task: str, seed: int) -> None:
    """Write one episode in the documented ``.npz`` format (see the module docstring)."""
    obs = np.asarray(obs, np.float32)
    actions = np.asarray(actions, np.float32)
    if obs.ndim != 2 or actions.ndim != 2 or len(obs) != len(actions) or len(obs) == 0:
        raise ValueError(f'{path}: obs {obs.shape} and actions {actions.shape} must be [T, D] with the same T > 0')
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    np.savez(path, obs=obs, actions=actions, success=np.bool_(success), task=np.str_(task), seed=np.int64(seed))


def load_episode(path: str, obs_dim: Optional[int] = None, action_dim: Optional[int] = None,
                 length: Optional[int] = None) -> Dict[str, np.ndarray]:
    """Read and check one episode; a missing, corrupt or truncated file raises :class:`CorruptEpisodeError`
    naming it."""
    if not osp.isfile(path):
        raise CorruptEpisodeError(f'episode file {path} does not exist (listed in index.json)')
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in EPISODE_KEYS if k not in data.files]
            if missing:
                raise CorruptEpisodeError(f'episode file {path} lacks {missing} (format v{FORMAT_VERSION} holds '
                                          f'{list(EPISODE_KEYS)})')
            episode = {k: data[k] for k in EPISODE_KEYS}
    except CorruptEpisodeError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError) as err:
        raise CorruptEpisodeError(f'episode file {path} is corrupt or truncated: {type(err).__name__}: {err}') \
            from err
    obs, actions = episode['obs'], episode['actions']
    if obs.ndim != 2 or actions.ndim != 2 or len(obs) != len(actions) or len(obs) == 0:
        raise CorruptEpisodeError(f'episode file {path}: obs {obs.shape} and actions {actions.shape} must be '
                                  '[T, D] with the same T > 0')
    if obs_dim is not None and obs.shape[1] != obs_dim or action_dim is not None and actions.shape[1] != action_dim:
        raise CorruptEpisodeError(f'episode file {path}: obs {obs.shape} / actions {actions.shape} do not match '
                                  f'index.json obs_dim={obs_dim}, action_dim={action_dim}')
    if length is not None and len(obs) != length:
        raise CorruptEpisodeError(f'episode file {path} holds {len(obs)} steps; index.json says {length} '
                                  '(truncated?)')
    if not (np.isfinite(obs).all() and np.isfinite(actions).all()):
        raise CorruptEpisodeError(f'episode file {path} holds non-finite obs or actions')
    return episode


def make_env(task: str, seed: int, max_episode_steps: Optional[int] = None):
    """The Meta-World v3 MT1 environment of ``task`` (state observations, 39-d), seeded."""
    import gymnasium as gym
    require('metaworld', 'act', 'Meta-World demonstrations and rollouts')  # registers the Meta-World/* envs
    kwargs = dict(max_episode_steps=max_episode_steps) if max_episode_steps else {}
    return gym.make('Meta-World/MT1', env_name=task, seed=seed, **kwargs)


def collect_episode(task: str, seed: int, action_noise: float = 0.1, max_steps: int = 200,
                    stop_on_success: bool = True) -> Dict[str, np.ndarray]:
    """Roll Meta-World's scripted expert of ``task`` in the environment seeded by ``seed``, with Gaussian noise
    of std ``action_noise`` on its actions (from a generator seeded by ``seed``). Returns the episode arrays;
    ``success`` is False when ``info['success']`` was not reached in ``max_steps`` (the episode is kept)."""
    from metaworld.policies import ENV_POLICY_MAP
    if task not in ENV_POLICY_MAP:
        raise KeyError(f'task {task!r} has no scripted Meta-World policy; one of {sorted(ENV_POLICY_MAP)}')
    env = make_env(task, seed)
    policy = ENV_POLICY_MAP[task]()
    rng = np.random.default_rng(seed)
    ob, _ = env.reset(seed=seed)
    obs, actions, success = [], [], False
    try:
        for _ in range(max_steps):
            action = np.asarray(policy.get_action(ob), np.float64)
            action = np.clip(action + action_noise * rng.standard_normal(action.shape), -1, 1).astype(np.float32)
            obs.append(np.asarray(ob, np.float32))
            actions.append(action)
            ob, _, terminated, truncated, info = env.step(action)
            success = success or bool(info.get('success', 0))
            if (success and stop_on_success) or terminated or truncated:
                break
    finally:
        env.close()
    return dict(obs=np.stack(obs), actions=np.stack(actions), success=np.bool_(success), task=np.str_(task),
                seed=np.int64(seed))


def collect_demos(out_dir: str, tasks: Sequence[str], num_episodes: int, seed: int = 0, action_noise: float = 0.1,
                  max_steps: int = 200, progress: bool = True) -> dict:
    """Collect ``num_episodes`` per task (environment seeds ``seed, seed + 1, ...``) into ``out_dir`` with its
    ``index.json``; returns the index. ``progress``: a bar with the ETA on stderr."""
    index = dict(format_version=FORMAT_VERSION, obs_dim=None, action_dim=None, episodes=[])
    episodes = [(task, i) for task in tasks for i in range(num_episodes)]
    for task, i in track(episodes, desc=f'collecting {len(episodes)} Meta-World episodes', quiet=not progress):
        ep_seed = seed + i
        ep = collect_episode(task, ep_seed, action_noise, max_steps)
        rel = f'episodes/{task}_seed{ep_seed}.npz'
        save_episode(osp.join(out_dir, rel), **ep)
        index['obs_dim'], index['action_dim'] = int(ep['obs'].shape[1]), int(ep['actions'].shape[1])
        index['episodes'].append(dict(file=rel, task=task, seed=ep_seed, length=int(len(ep['obs'])),
                                      success=bool(ep['success']), action_noise=float(action_noise)))
    with open(osp.join(out_dir, 'index.json'), 'w') as f:
        json.dump(index, f, indent=1)
    return index


def read_index(data_root: str) -> dict:
    path = osp.join(data_root, 'index.json')
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} does not exist: collect demonstrations with '
                                'tools/dataset_converters/collect_metaworld_demos.py')
    try:
        with open(path) as f:
            index = json.load(f)
    except json.JSONDecodeError as err:
        raise CorruptEpisodeError(f'{path} is not valid JSON: {err}') from err
    if index.get('format_version') != FORMAT_VERSION:
        raise CorruptEpisodeError(f'{path}: format_version={index.get("format_version")!r}, this reader reads '
                                  f'{FORMAT_VERSION}')
    return index


def chunk_sample(obs: np.ndarray, actions: np.ndarray, t: int, history: int, chunk: int) -> Dict[str, np.ndarray]:
    """The training sample at step ``t``: ``obs`` [history, D] (steps ``t - history + 1 .. t``, the first
    repeated before the start), ``actions`` [chunk, A] (steps ``t .. t + chunk - 1``), ``future_obs``
    [chunk, D] (steps ``t + 1 .. t + chunk``) and ``action_pad`` [chunk] (True past the episode end, where
    the last action / observation is repeated and the action loss ignores the step, as in ACT)."""
    T = len(obs)
    hist = np.clip(np.arange(t - history + 1, t + 1), 0, T - 1)
    steps = np.arange(t, t + chunk)
    pad = steps >= T
    future = np.clip(steps + 1, 0, T - 1)
    return dict(obs=obs[hist], actions=actions[np.clip(steps, 0, T - 1)], future_obs=obs[future],
                action_pad=pad)


@DATASETS.register_module()
class MetaWorldDemoDataset(BaseDataset):
    """Chunked samples of Meta-World demonstrations (format above): one per episode step, each
    ``dict(inputs=dict(obs, actions, future_obs, action_pad[, task]))`` (see :func:`chunk_sample`).

    Args:
        data_root (str): The folder of ``index.json``.
        chunk_size (int): ``k``, the actions (and future observations) per sample. Defaults to 10.
        history (int): Observations per sample (the current one and ``history - 1`` before). Defaults to 1.
        tasks (list[str], optional): Keep these tasks only.
        successful_only (bool): Drop the episodes flagged as failed. Defaults to False.
        model_tasks (list[str], optional): The multi-task policy's ``model.tasks``: each sample then carries
            ``task``, the index of its episode's task in this list, and an episode (kept by ``tasks``) of a task
            not in it is an error. None (default): no task index.
    """

    def __init__(self, data_root: str, chunk_size: int = 10, history: int = 1, tasks: Optional[List[str]] = None,
                 successful_only: bool = False, model_tasks: Optional[List[str]] = None, **kwargs):
        if chunk_size < 1 or history < 1:
            raise ValueError(f'chunk_size={chunk_size} and history={history} must be >= 1')
        if model_tasks is not None and (isinstance(model_tasks, str) or not model_tasks):
            raise ValueError(f'model_tasks={model_tasks!r} must be a non-empty list of task names (the model\'s '
                             'tasks) or None')
        self.chunk_size, self.history = chunk_size, history
        self.tasks, self.successful_only = tasks, successful_only
        self.model_tasks = None if model_tasks is None else list(model_tasks)
        kwargs.setdefault('serialize_data', False)
        super().__init__(data_root=data_root, ann_file='', **kwargs)

    def load_data_list(self) -> List[dict]:
        index = read_index(self.data_root)
        self.episodes = []
        data_list = []
        for entry in index['episodes']:
            if self.tasks is not None and entry['task'] not in self.tasks:
                continue
            if self.successful_only and not entry['success']:
                continue
            if self.model_tasks is not None and entry['task'] not in self.model_tasks:
                raise ValueError(f'{self.data_root}/index.json holds task {entry["task"]!r} ({entry["file"]}), '
                                 f'which is not in model_tasks={self.model_tasks}: add it to model.tasks or '
                                 'drop it with the dataset\'s tasks')
            ep = load_episode(osp.join(self.data_root, entry['file']), index['obs_dim'], index['action_dim'],
                              entry.get('length'))
            e = len(self.episodes)
            if self.model_tasks is not None:
                ep['task_index'] = np.int64(self.model_tasks.index(entry['task']))
            self.episodes.append(ep)
            data_list.extend(dict(episode=e, t=t) for t in range(len(ep['obs'])))
        if not data_list:
            raise ValueError(f'{self.data_root}/index.json: no episodes left (tasks={self.tasks}, '
                             f'successful_only={self.successful_only})')
        return data_list

    def prepare_data(self, idx: int) -> dict:
        info = self.get_data_info(idx)
        ep = self.episodes[info['episode']]
        inputs = chunk_sample(ep['obs'], ep['actions'], info['t'], self.history, self.chunk_size)
        if 'task_index' in ep:
            inputs['task'] = ep['task_index']
        return dict(inputs=inputs)
