# Copyright (c) mmjepa contributors. All rights reserved.
"""The JEPA concept model of "Is the Reversal Curse a Binding Problem?" (https://arxiv.org/abs/2504.01928)."""
from typing import Optional

import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from torch import nn

from .base import KnowledgeBaseModel
from .layers import CausalTransformer, TopKMemory, gpt2_init_, variance_only_norm


@MODELS.register_module()
class ReversalConceptJEPA(KnowledgeBaseModel):
    """Predict the next concept in the model's own concept space.

    1. "Wernicke" layers encode each concept's own tokens, causally within the concept, into one concept
       vector (read at the concept's last token): an entity from its name tokens, a relation or ``<mask>`` from
       its one token.
    2. Causal layers run over the concept sequence ``head, relation, <mask>``.
    3. The output at ``<mask>``, normalised (``concept_norm``), scores the candidate concepts by dot product with
       their concept vectors; cross entropy against the tail entity. The candidates
       and the target come from the same online encoder: no EMA, no stop-gradient.

    Training candidates (``negatives``): ``'in_batch'``, every distinct entity of the batch plus the one-token
    concepts (the paper's in-batch negatives, without the duplicates of the target it keeps), or ``'all'``, every
    entity. Evaluation always ranks all entities (the paper's ``eval_full_negatives``).

    With ``memory=dict(top_k=1)`` the Wernicke stage is the paper's memory layer instead: the causal mean of the
    concept's token embeddings queries a key-value memory whose keys are those means for every entity and
    one-token concept (the token embeddings and so the keys are frozen, as ``memory_block_value_only``); the
    concept vector is the value of the top-1 key.

    Args:
        kb (dict): arguments of :func:`..kb.build_kb`.
        embed_dims (int), num_heads (int): width and heads of all layers.
        wernicke_depth (int): blocks of the concept encoder (ignored with ``memory``).
        depth (int): causal blocks over the concept sequence.
        negatives (str): ``'in_batch'`` or ``'all'``.
        memory (dict, optional): ``dict(top_k=...)`` for the memory layer.
        concept_norm (str): ``'variance_only'`` (the paper's default: the output's RMS is normalised, the
            candidates are raw concept vectors) or ``'layer_norm'`` (one LayerNorm on the output and on the
            candidates, the paper's setting for the memory layer).
    """
    NEGATIVES = ('in_batch', 'all')
    NORMS = ('variance_only', 'layer_norm')

    def __init__(self, kb: dict, embed_dims: int = 128, num_heads: int = 4, wernicke_depth: int = 2,
                 depth: int = 4, negatives: str = 'in_batch', memory: Optional[dict] = None,
                 concept_norm: str = 'variance_only', **kwargs):
        super().__init__(kb, **kwargs)
        if negatives not in self.NEGATIVES:
            raise ValueError(f'negatives={negatives!r} must be one of {self.NEGATIVES}')
        if concept_norm not in self.NORMS:
            raise ValueError(f'concept_norm={concept_norm!r} must be one of {self.NORMS}')
        self.negatives = negatives
        self.concept_norm = nn.LayerNorm(embed_dims) if concept_norm == 'layer_norm' else None
        self.token_embed = nn.Embedding(self.vocab_size, embed_dims)
        self.register_buffer('single_tokens', torch.cat([self.relation_tokens, self.mask_token]), persistent=False)
        if memory is None:
            self.wernicke, self.memory = CausalTransformer(embed_dims, wernicke_depth, num_heads), None
        else:
            self.wernicke = None
            self.memory = TopKMemory(self.num_entities + len(self.single_tokens), embed_dims, **memory)
        self.concept_layers = CausalTransformer(embed_dims, depth, num_heads)
        gpt2_init_(self)
        if self.memory is not None:
            self.token_embed.weight.requires_grad_(False)

    def encode(self, tokens: torch.Tensor) -> torch.Tensor:
        """Concept vectors ``[N, C]`` of ``[N, L]`` concepts' tokens (all of one length)."""
        embeds = self.token_embed(tokens)
        if self.memory is None:
            return self.wernicke(embeds)[:, -1]
        return self.memory(embeds.mean(1), self.memory_keys())

    def memory_keys(self) -> torch.Tensor:
        """One key per entity (mean of its name's token embeddings), then per relation and ``<mask>``."""
        return torch.cat([self.token_embed(self.names).mean(1), self.token_embed(self.single_tokens)])

    def query(self, head: torch.Tensor, facts: torch.Tensor) -> torch.Tensor:
        """``[B, C]`` predictions of the tail concept from the head concepts ``[B, C]`` and the relations."""
        singles = self.encode(self.single_tokens[:, None])  # relations, then <mask>
        sequence = torch.stack([head, singles[facts[:, 1]], singles[-1].expand_as(head)], dim=1)
        out = self.concept_layers(sequence)[:, -1]
        return variance_only_norm(out) if self.concept_norm is None else self.concept_norm(out)

    def candidates(self, concepts: torch.Tensor) -> torch.Tensor:
        return concepts if self.concept_norm is None else self.concept_norm(concepts)

    def loss(self, facts: torch.Tensor) -> torch.Tensor:
        if self.negatives == 'all':
            concepts = self.encode(self.names)
            logits = self.query(concepts[facts[:, 0]], facts) @ self.candidates(concepts).T
            return F.cross_entropy(logits, facts[:, 2])
        entities, index = torch.unique(facts[:, [0, 2]], return_inverse=True)
        concepts = self.encode(self.names[entities])
        candidates = self.candidates(torch.cat([concepts, self.encode(self.single_tokens[:, None])]))
        return F.cross_entropy(self.query(concepts[index[:, 0]], facts) @ candidates.T, index[:, 1])

    @torch.no_grad()
    def predict_entities(self, facts: torch.Tensor) -> torch.Tensor:
        concepts = self.encode(self.names)
        return (self.query(concepts[facts[:, 0]], facts) @ self.candidates(concepts).T).argmax(-1)
