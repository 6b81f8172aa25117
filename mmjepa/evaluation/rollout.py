# Copyright (c) mmjepa contributors. All rights reserved.
"""Success rate of an action-chunk policy (ACT, ACT-JEPA) over seeded Meta-World rollouts: the rollout,
the mmengine metric and the test loop that ``tools/test.py`` runs."""
import functools
import time
from collections import deque
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric, Evaluator
from mmengine.registry import LOOPS
from mmpretrain.registry import METRICS
from mmengine.runner import BaseLoop

from .stats import mean_std_se

EXECUTIONS = ('chunk', 'ensemble')


@torch.no_grad()
def rollout(policy, task: str, seed: int, max_steps: int = 200, execution: str = 'chunk',
            execute_steps: Optional[int] = None, ensemble_m: float = 0.01) -> Dict:
    """One episode of ``policy`` (``predict_actions(obs [H, D]) -> [k, A]``, ``history`` H, ``chunk_size`` k)
    in the Meta-World environment of ``task`` seeded by ``seed``; deterministic given the seed and weights. A
    multi-task policy (non-empty ``policy.tasks``) is queried with ``predict_actions(obs, task=task)``.

    ``execution='chunk'`` plays the first ``execute_steps`` (default ``k``) actions of each chunk before the
    next query; ``'ensemble'`` queries every step and averages every chunk covering the step (ACT's temporal
    ensembling, weights ``exp(-ensemble_m * i)``, oldest first). Returns ``dict(task, seed, success, steps,
    actions)``: success is ``info['success']`` reached within ``max_steps``.
    """
    from mmjepa.datasets.metaworld_demos import make_env
    from mmjepa.models.algorithms.actjepa import temporal_ensemble
    if execution not in EXECUTIONS:
        raise ValueError(f'execution={execution!r} must be one of {EXECUTIONS}')
    k = policy.chunk_size
    execute_steps = k if execute_steps is None else execute_steps
    if not 1 <= execute_steps <= k:
        raise ValueError(f'execute_steps={execute_steps} must be in [1, chunk_size={k}]')
    act = policy.predict_actions
    if getattr(policy, 'tasks', None):
        check_tasks(policy, [task])
        act = functools.partial(policy.predict_actions, task=task)
    was_training = policy.training
    policy.eval()
    env = make_env(task, seed)
    try:
        ob, _ = env.reset(seed=seed)
        history = deque([np.asarray(ob, np.float32)] * policy.history, maxlen=policy.history)
        chunks: List[torch.Tensor] = []
        plan: List[np.ndarray] = []
        actions, success, steps = [], False, 0
        for t in range(max_steps):
            if execution == 'ensemble':
                chunks.append(act(torch.from_numpy(np.stack(history))).cpu())
                action = temporal_ensemble(chunks, t, ensemble_m).numpy()
                if len(chunks) > k:  # chunks older than k steps cover nothing any more
                    chunks[len(chunks) - k - 1] = None
            else:
                if not plan:
                    chunk = act(torch.from_numpy(np.stack(history))).cpu().numpy()
                    plan = list(chunk[:execute_steps])
                action = plan.pop(0)
            action = np.clip(action, -1, 1).astype(np.float32)
            actions.append(action)
            ob, _, terminated, truncated, info = env.step(action)
            steps = t + 1
            history.append(np.asarray(ob, np.float32))
            if info.get('success', 0):
                success = True
                break
            if terminated or truncated:
                break
    finally:
        env.close()
        policy.train(was_training)
    return dict(task=task, seed=int(seed), success=bool(success), steps=steps, actions=np.stack(actions))


def check_tasks(policy, tasks: Sequence[str]) -> None:
    """A multi-task policy is evaluated on its own tasks only: a task outside ``policy.tasks`` is an error."""
    unknown = [t for t in tasks if t not in policy.tasks]
    if unknown:
        raise ValueError(f'rollout tasks {unknown} are not in the policy\'s model.tasks={policy.tasks}')


@METRICS.register_module()
class RolloutSuccessRate(BaseMetric):
    """Success rate (%) over the rollouts, with its standard error (``100 * std(ddof=1) / sqrt(n)``), overall
    and per task (``<task>/success_rate``), and the mean episode length."""
    default_prefix = 'rollout'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            self.results.append(dict(task=sample['task'], success=float(sample['success']), steps=sample['steps']))

    @staticmethod
    def rate(successes: Sequence[float]):
        mean, _, stderr = mean_std_se(successes)
        return 100 * mean, 100 * stderr

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        metrics = {}
        metrics['success_rate'], metrics['success_stderr'] = self.rate([r['success'] for r in results])
        metrics['num_rollouts'] = len(results)
        metrics['mean_steps'] = float(np.mean([r['steps'] for r in results]))
        for task in sorted({r['task'] for r in results}):
            rate, err = self.rate([r['success'] for r in results if r['task'] == task])
            metrics[f'{task}/success_rate'], metrics[f'{task}/success_stderr'] = rate, err
        return metrics


@LOOPS.register_module()
class RolloutTestLoop(BaseLoop):
    """The test loop of a policy: ``num_rollouts`` rollouts per task with environment seeds ``seed, seed + 1,
    ...`` (:func:`rollout`), progress logged per rollout, then the evaluator (:class:`RolloutSuccessRate`).
    The config's ``test_dataloader`` is not iterated (mmengine requires one with a test loop): the rollouts
    are the data.

    Args:
        tasks (list[str]): Meta-World v3 task names.
        num_rollouts (int): Rollouts per task. Defaults to 10.
        seed (int): First environment seed. Defaults to 1000 (away from the demonstrations' 0, 1, ...).
        max_steps (int), execution (str), execute_steps (int), ensemble_m (float): see :func:`rollout`.
    """

    def __init__(self, runner, dataloader, evaluator, tasks: Sequence[str], num_rollouts: int = 10,
                 seed: int = 1000, max_steps: int = 200, execution: str = 'chunk',
                 execute_steps: Optional[int] = None, ensemble_m: float = 0.01):
        self._runner = runner
        self.evaluator = runner.build_evaluator(evaluator) if isinstance(evaluator, (dict, list)) else evaluator
        if not isinstance(self.evaluator, Evaluator):
            raise TypeError(f'test_evaluator must build an Evaluator; got {type(self.evaluator).__name__}')
        if execution not in EXECUTIONS:
            raise ValueError(f'test_cfg.execution={execution!r} must be one of {EXECUTIONS}')
        self.tasks, self.num_rollouts, self.seed = list(tasks), num_rollouts, seed
        self.rollout_kwargs = dict(max_steps=max_steps, execution=execution, execute_steps=execute_steps,
                                   ensemble_m=ensemble_m)
        # Not iterated (see the docstring): one placeholder per rollout, for the hooks that ask its length.
        self.dataloader = [None] * (len(self.tasks) * num_rollouts)

    def run(self) -> dict:
        self.runner.call_hook('before_test')
        self.runner.call_hook('before_test_epoch')
        model = self.runner.model
        policy = model.module if hasattr(model, 'module') else model
        if getattr(policy, 'tasks', None):
            check_tasks(policy, self.tasks)  # before any rollout
        total, done, start = len(self.tasks) * self.num_rollouts, 0, time.time()
        for task in self.tasks:
            for i in range(self.num_rollouts):
                result = rollout(policy, task, self.seed + i, **self.rollout_kwargs)
                self.evaluator.process(data_samples=[result], data_batch=None)
                done += 1
                self.runner.logger.info(f'rollout {done}/{total} [{task} seed={self.seed + i}] '
                                        f'success={result["success"]} steps={result["steps"]} '
                                        f'({time.time() - start:.1f}s)')
        metrics = self.evaluator.evaluate(total)
        self.runner.call_hook('after_test_epoch', metrics=metrics)
        self.runner.call_hook('after_test')
        return metrics
