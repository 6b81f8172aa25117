# Copyright (c) mmjepa contributors. All rights reserved.
"""What the two models of the study share: the knowledge base's token tables and the mmengine modes."""
from typing import Dict, List, Optional, Union

import torch
from mmengine.model import BaseModel

from ..kb import build_kb


class KnowledgeBaseModel(BaseModel):
    """A model over the facts of one knowledge base (:func:`..kb.build_kb` of ``kb``).

    ``inputs`` are ``[B, 3]`` (head entity, relation, tail entity) index triples, as :class:`..ReversalFactDataset`
    yields them. Modes: ``'loss'`` -> ``dict(loss=...)``; ``'predict'`` -> one dict per fact with the predicted
    tail entity (``pred``, -1 if the output names no entity), the ``target`` and the ``probe`` index, for
    :class:`..ReversalAccuracy`; ``'tensor'`` -> the predicted entity indices ``[B]``.

    Subclasses implement ``loss(facts) -> Tensor`` and ``predict_entities(facts) -> LongTensor [B]``.
    """

    def __init__(self, kb: dict, data_preprocessor: Optional[dict] = None, init_cfg: Optional[dict] = None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        knowledge = build_kb(**kb)
        self.num_entities, self.vocab_size = knowledge.num_entities, len(knowledge.vocab)
        self.register_buffer('names', torch.as_tensor(knowledge.names), persistent=False)
        self.register_buffer('relation_tokens', torch.as_tensor(knowledge.relation_tokens), persistent=False)
        self.register_buffer('mask_token', torch.tensor([knowledge.mask_token]), persistent=False)

    def forward(self, inputs: torch.Tensor, data_samples: Optional[Dict] = None,
                mode: str = 'tensor') -> Union[Dict[str, torch.Tensor], List[dict], torch.Tensor]:
        if inputs.ndim != 2 or inputs.shape[1] != 3:
            raise ValueError(f'inputs must be [B, 3] (head, relation, tail) triples, got {tuple(inputs.shape)}')
        if mode == 'loss':
            return dict(loss=self.loss(inputs))
        pred = self.predict_entities(inputs)
        if mode == 'tensor':
            return pred
        if mode != 'predict':
            raise ValueError(f"mode={mode!r} must be 'loss', 'predict' or 'tensor'")
        probe = data_samples['probe'] if data_samples is not None else torch.full_like(pred, -1)
        return [dict(probe=int(p), pred=int(x), target=int(t)) for p, x, t in zip(probe, pred, inputs[:, 2])]

    def loss(self, facts: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def predict_entities(self, facts: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError
