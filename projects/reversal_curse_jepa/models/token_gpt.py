# Copyright (c) mmjepa contributors. All rights reserved.
"""The baseline of the study: a GPT-style causal transformer trained with next-token prediction."""
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from torch import nn

from .base import KnowledgeBaseModel
from .layers import CausalTransformer, gpt2_init_


@MODELS.register_module()
class ReversalTokenGPT(KnowledgeBaseModel):
    """A fact is the token sequence ``head name, relation, <mask>, tail name``; the loss is next-token cross
    entropy on the tail-name tokens only, as in the paper's ``run_normal.sh`` setting (tied input and output
    embeddings, no position embeddings: causal attention alone orders the tokens).

    The prediction is the greedy decoding of the tail name after ``<mask>``, mapped back to its entity (-1 for a
    decoded name that no entity has). Greedy decoding is right iff the teacher-forced arg-max is right at every
    name token, so this is the paper's exact-match accuracy.

    Args:
        kb (dict): arguments of :func:`..kb.build_kb`.
        embed_dims (int), depth (int), num_heads (int): the transformer (GPT-2 small is 768, 12, 12).
    """

    def __init__(self, kb: dict, embed_dims: int = 128, depth: int = 4, num_heads: int = 4, **kwargs):
        super().__init__(kb, **kwargs)
        self.token_embed = nn.Embedding(self.vocab_size, embed_dims)
        self.transformer = CausalTransformer(embed_dims, depth, num_heads, final_norm=True)
        gpt2_init_(self)
        vocab = self.vocab_size
        codes = (self.names * vocab**torch.arange(self.names.shape[1])).sum(1)  # one integer per name
        order = codes.argsort()
        self.register_buffer('name_codes', codes[order], persistent=False)
        self.register_buffer('name_entities', order, persistent=False)

    def logits(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.transformer(self.token_embed(tokens)) @ self.token_embed.weight.T

    def prompt(self, facts: torch.Tensor) -> torch.Tensor:
        """``[B, L + 2]`` tokens: head name, relation, ``<mask>``."""
        mask = self.mask_token.expand(len(facts), 1)
        return torch.cat([self.names[facts[:, 0]], self.relation_tokens[facts[:, 1], None], mask], dim=1)

    def loss(self, facts: torch.Tensor) -> torch.Tensor:
        prompt, target = self.prompt(facts), self.names[facts[:, 2]]
        logits = self.logits(torch.cat([prompt, target[:, :-1]], dim=1))[:, prompt.shape[1] - 1:]
        return F.cross_entropy(logits.flatten(0, 1), target.flatten())

    @torch.no_grad()
    def predict_entities(self, facts: torch.Tensor) -> torch.Tensor:
        tokens = self.prompt(facts)
        for _ in range(self.names.shape[1]):
            tokens = torch.cat([tokens, self.logits(tokens)[:, -1].argmax(-1, keepdim=True)], dim=1)
        name = tokens[:, -self.names.shape[1]:]
        codes = (name * self.vocab_size**torch.arange(name.shape[1], device=name.device)).sum(1)
        slot = torch.searchsorted(self.name_codes, codes).clamp(max=len(self.name_codes) - 1)
        found = self.name_codes[slot] == codes
        return torch.where(found, self.name_entities[slot], torch.full_like(codes, -1))
