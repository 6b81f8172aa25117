# Copyright (c) mmjepa contributors. All rights reserved.
"""An epoch-based training loop that resumes mid-epoch exactly where the checkpoint was written."""
import torch
from mmengine.logging import print_log
from mmengine.registry import LOOPS
from mmengine.runner import EpochBasedTrainLoop


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """:class:`mmengine.runner.EpochBasedTrainLoop` that continues an epoch from an iteration checkpoint.

    mmengine's loop restarts a resumed epoch from its first batch, so an iteration checkpoint (the one a
    preempted job has) would repeat data and shift every later step. Here the batches already trained in
    the checkpoint's epoch are skipped in the sampler (:class:`ResumableSampler`, nothing is loaded) or, with
    another sampler, by drawing and discarding them. Starting the dataloader leaves the global torch RNG
    untouched (PyTorch draws the workers' base seed from it; mmengine reseeds the workers anyway), so model
    randomness continues the same in a resumed run.
    """

    def __init__(self, runner, dataloader, *args, **kwargs):
        super().__init__(runner, dataloader, *args, **kwargs)
        if len(self.dataloader) == 0:
            loader = self.dataloader
            raise ValueError(
                f'train_dataloader gives no batch per epoch: batch_size={loader.batch_size} per process with '
                f'drop_last={loader.drop_last} over {len(loader.dataset)} samples '
                f'({len(loader.sampler)} for this process). Lower train_dataloader.batch_size or use a larger '
                'dataset (train_dataloader.dataset)')

    def run_epoch(self) -> None:
        self.runner.call_hook('before_train_epoch')  # sets the sampler's epoch
        self.runner.model.train()
        done = self._iter - self._epoch * len(self.dataloader)
        for idx, data_batch in enumerate(self._batches(done), start=done):
            self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1

    def _batches(self, done: int):
        """An iterator over the epoch's batches after the first ``done``."""
        sampler = self.dataloader.sampler
        can_skip = hasattr(sampler, 'skip_next') and self.dataloader.batch_size is not None
        if done > 0:
            print_log(f'Resuming epoch {self._epoch + 1} after its first {done} of {len(self.dataloader)} '
                      'batches', logger='current')
            if can_skip:
                sampler.skip_next(min(done * self.dataloader.batch_size, len(sampler)))
            else:
                print_log(f'{type(sampler).__name__} cannot skip: loading and discarding {done} batches',
                          logger='current', level=30)
        with torch.random.fork_rng(devices=[]):
            batches = iter(self.dataloader)
        if done > 0 and not can_skip:
            for _ in range(done):
                next(batches)
        return batches
