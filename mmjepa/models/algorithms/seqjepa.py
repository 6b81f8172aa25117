# Copyright (c) mmjepa contributors. All rights reserved.
"""seq-JEPA: predict the EMA embedding of the next view of a sequence from the aggregate of the observed views
and the actions between them."""
from typing import Dict, List, Optional, Tuple, Union

import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from .base import BaseJEPA


@MODELS.register_module()
class SeqJEPA(BaseJEPA):
    """`seq-JEPA <https://arxiv.org/abs/2505.03176>`_ (Ghaemi et al., NeurIPS 2025; official code
    ``hafezgh/seq-jepa``): a sample is a sequence of ``M + 1`` views of one object or image and the ``M``
    actions between them (action ``i``: the relative transformation from view ``i`` to view ``i + 1``, e.g. the
    quaternion of ``R_i^-1 R_{i+1}``). The ResNet encodes the ``M`` observed views (``z_i``);
    :class:`ActionSequenceAggregator` turns the tokens ``[z_i; a_i]`` (the last action slot zeroed) into
    ``agg``; :class:`MLPPredictor` maps ``[agg; a_{M -> M+1}]`` to the EMA ResNet's embedding of view
    ``M + 1``; loss ``1 - cos``. ``z`` is meant to be equivariant (the transformation is decodable from
    ``[z_i; z_j]``) and ``agg`` invariant (:mod:`tools/analysis_tools/seqjepa_eval.py` measures both).

    Template steps overridden: :meth:`prepare_inputs` (the views ``[B, M + 1, C, H, W]`` and the actions of
    the data samples), :meth:`sample_masks` (nothing is masked), :meth:`compute_targets` (the EMA encoder on
    the last view), :meth:`predict_targets` (encoder, aggregator, predictor). The encoder to evaluate is the
    online ResNet, as the official evaluation probes it.

    Args:
        backbone (dict): :class:`JEPAResNetCIFAR` (32-64 px) or :class:`JEPAResNet`.
        aggregator (dict): :class:`ActionSequenceAggregator`; ``feat_dims`` defaults to the backbone's.
        predictor (dict): :class:`MLPPredictor`; ``in_dims`` defaults to ``agg`` + action embedding width,
            ``out_dims`` to the backbone's width.
        target_generator (dict): Defaults to the EMA encoder, momentum 0.996 -> 1, no normalisation, batch
            norms on batch statistics (the official target runs in train mode).
        loss (dict): Defaults to ``1 - cos``.
        **kwargs: ``data_preprocessor``, ``init_cfg`` of :class:`BaseJEPA`.
    """
    algorithm_name = 'seq-JEPA'

    def __init__(self,
                 backbone: dict,
                 aggregator: dict,
                 predictor: dict = dict(type='MLPPredictor', hidden_dims=1024),
                 target_generator: dict = dict(type='EMATargetGenerator', momentum=(0.996, 1.0), normalize=False,
                                               batch_stats=True),
                 loss: dict = dict(type='JEPAPredictionLoss', criterion='cosine'),
                 **kwargs):
        super().__init__(backbone=backbone, mask_sampler=None, target_generator=target_generator, loss=loss,
                         **kwargs)
        feat_dims = self.backbone.embed_dims
        self.aggregator = MODELS.build(aggregator, default_args=dict(feat_dims=feat_dims))
        if self.aggregator.feat_dims != feat_dims:
            raise ValueError(f'model.aggregator.feat_dims={self.aggregator.feat_dims} must be the backbone width '
                             f'{feat_dims}; leave it unset')
        self.predictor = MODELS.build(predictor, default_args=dict(
            in_dims=self.aggregator.embed_dims + self.aggregator.action_embed_dims, out_dims=feat_dims))
        if self.predictor.out_dims != feat_dims:
            raise ValueError(f'model.predictor.out_dims={self.predictor.out_dims} must be the backbone width '
                             f'{feat_dims} (it predicts the target encoder\'s embedding); leave it unset')

    def encoder_to_evaluate(self) -> torch.nn.Module:
        """The online ResNet (the official evaluation probes ``model.encoder``, not the EMA copy)."""
        return self.backbone

    # ------------------------------------------------------------------------------------------ the step
    def prepare_inputs(self, inputs: Union[torch.Tensor, List[torch.Tensor]],
                       data_samples: Optional[List[DataSample]]) -> Dict[str, torch.Tensor]:
        """``views`` [B, M + 1, C, H, W] (a list of M + 1 view batches from the data preprocessor, or the
        stacked tensor) and ``actions`` [B, M, A] (each data sample's ``actions``)."""
        views = torch.stack(list(inputs), dim=1) if isinstance(inputs, (list, tuple)) else inputs
        if views.dim() != 5 or views.shape[1] < 2:
            raise ValueError(f'{type(self).__name__} takes sequences of at least 2 views ([B, M + 1, C, H, W] or a '
                             f'list of M + 1 view batches); got {tuple(views.shape)}')
        if not data_samples or not all('actions' in sample for sample in data_samples):
            raise ValueError(f'{type(self).__name__} needs the actions between the views in every data sample: '
                             "pack them with dict(type='PackInputs', algorithm_keys=['actions'])")
        actions = torch.stack([torch.as_tensor(sample.actions) for sample in data_samples])
        actions = actions.to(views.device, views.dtype if views.is_floating_point() else torch.float32)
        if actions.dim() != 3 or actions.shape[1] != views.shape[1] - 1:
            raise ValueError(f'{views.shape[1]} views need {views.shape[1] - 1} actions per sample (one per step); '
                             f'the data samples hold {tuple(actions.shape[1:])}')
        return dict(views=views, actions=actions)

    def sample_masks(self, batch_size: int, device: torch.device) -> None:
        """seq-JEPA masks nothing: the views are the context, the next view the target."""
        return None

    def compute_targets(self, inputs: Dict[str, torch.Tensor], masks=None) -> torch.Tensor:
        """The EMA encoder's embedding of the last view, [B, C] (no gradient)."""
        return self.target_generator.features(inputs['views'][:, -1])[:, 0]

    def encode_sequence(self, views: torch.Tensor, actions: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """``z`` [B, M, C] of the observed ``views`` [B, M, ...] and the aggregate ``agg`` [B, C + A] of them
        with their ``actions`` [B, M, action_dims]."""
        batch, num_views = views.shape[:2]
        feats = self.backbone.forward_tokens(views.flatten(0, 1))[:, 0].view(batch, num_views, -1)
        return feats, self.aggregator(feats, actions)

    def predict_targets(self, inputs: Dict[str, torch.Tensor], masks=None) -> torch.Tensor:
        """The prediction of the last view's embedding from the observed views and all actions, [B, C]."""
        actions = inputs['actions']
        # the predictor's action is embedded before the observed ones, as the official forward: the action
        # embedding's batch norm updates its running statistics in that order
        next_action = self.aggregator.embed_actions(actions[:, -1])
        _, agg = self.encode_sequence(inputs['views'][:, :-1], actions)
        return self.predictor(torch.cat([agg, next_action], dim=-1))

    @torch.no_grad()
    def target_features(self, inputs: torch.Tensor) -> torch.Tensor:
        """The evaluated encoder's embeddings of ``inputs`` [B, C, H, W] as [B, 1, C], in eval mode (its batch
        norms' running statistics are left as training left them)."""
        encoder = self.encoder_to_evaluate()
        was_training = encoder.training
        encoder.eval()
        try:
            return encoder.forward_tokens(inputs)
        finally:
            encoder.train(was_training)
