# Copyright (c) mmjepa contributors. All rights reserved.
"""The synthetic knowledge base of "Is the Reversal Curse a Binding Problem?" (https://arxiv.org/abs/2504.01928).

Entities carry names of ``name_tokens`` tokens (1: one unique token each, the paper's abstract setting; 2: a
first and a last name, each name token shared by ``name_multiplicity`` entities, the paper's ``comb`` setting,
so that an entity is only identified by binding its two tokens). There are ``num_relation_pairs`` relation pairs
(r, r^-1). For every pair, the entities of group A are paired at random and both directions of every pair are
training facts; the entities of group B are paired at random too, one direction (chosen at random) is a training
fact and the other is held out: the reversal test.

Everything is a function of the arguments (and ``seed``), so the data set and the model of one config build the
same knowledge base independently.
"""
import functools
from dataclasses import dataclass
from typing import Dict, Tuple

import numpy as np

PROBES = ('A', 'B_forward', 'B_reverse')  # group A facts (trained), group B trained direction, group B reverse


@dataclass(frozen=True)
class KnowledgeBase:
    """Token tables and fact lists; facts are ``[N, 3]`` int arrays of (head entity, relation, tail entity).

    Attributes:
        vocab (tuple): token strings; a token id is an index into it.
        names (np.ndarray): ``[num_entities, name_tokens]`` token ids of each entity's name.
        group (np.ndarray): ``[num_entities]``, 0 for group A, 1 for group B.
        relation_tokens (np.ndarray): ``[2 * num_relation_pairs]`` token ids; relation ``2i`` is r_i, ``2i+1``
            its inverse.
        mask_token (int), pad_token (int): token ids of ``<mask>`` (the query slot) and ``<pad>``.
        train (np.ndarray): all training facts (group A both directions, group B one direction).
        probes (dict): evaluation facts per name in :data:`PROBES` (at most ``probe_size`` each).
        held_out (np.ndarray): every group-B reverse fact (``probes['B_reverse']`` is a sample of it).
    """
    vocab: Tuple[str, ...]
    names: np.ndarray
    group: np.ndarray
    relation_tokens: np.ndarray
    mask_token: int
    pad_token: int
    train: np.ndarray
    probes: Dict[str, np.ndarray]
    held_out: np.ndarray

    @property
    def num_entities(self) -> int:
        return len(self.names)

    @property
    def num_relations(self) -> int:
        return len(self.relation_tokens)


def inverse_relation(relation):
    """Index of the inverse relation: r_i (2i) <-> r_i^-1 (2i+1)."""
    return relation ^ 1


def _name_table(rng: np.random.Generator, num_entities: int, name_tokens: int,
                name_multiplicity: int) -> Tuple[np.ndarray, Tuple[str, ...]]:
    """Unique names; with two tokens, every first and every last name is used by ``name_multiplicity`` entities."""
    if name_tokens == 1:
        return np.arange(num_entities).reshape(-1, 1), tuple(f'<e_{i}>' for i in range(num_entities))
    m = name_multiplicity
    num_names = num_entities // m
    if num_entities % m or m > num_names:
        raise ValueError(f'name_multiplicity={m} must divide the number of entities ({num_entities}) and be at '
                         f'most num_entities / name_multiplicity ({num_names})')
    # Entity (f, s) is named (first f, last (f + offset_s) mod K) with distinct offsets: pairs are unique, and
    # each last name occurs once per s, i.e. m times. Random offsets and relabelings make the matching random.
    offsets = rng.choice(num_names, size=m, replace=False)
    first = np.repeat(np.arange(num_names), m)
    last = (first + np.tile(offsets, num_names)) % num_names
    first, last = rng.permutation(num_names)[first], rng.permutation(num_names)[last]
    order = rng.permutation(num_entities)
    names = np.stack([first[order], num_names + last[order]], axis=1)
    vocab = tuple(f'<f_{i}>' for i in range(num_names)) + tuple(f'<l_{i}>' for i in range(num_names))
    return names, vocab


def _random_pairs(rng: np.random.Generator, entities: np.ndarray) -> np.ndarray:
    return rng.permutation(entities).reshape(-1, 2)


@functools.lru_cache(maxsize=8)
def build_kb(num_group_a: int = 2000, num_group_b: int = 1200, num_relation_pairs: int = 6, name_tokens: int = 2,
             name_multiplicity: int = 4, probe_size: int = 1000, seed: int = 0) -> KnowledgeBase:
    """Generate the knowledge base (cached: the data set and the model of a config share one build).

    The paper's size is ``num_group_a=50000, num_group_b=30000, num_relation_pairs=6`` with one-token names, or
    two-token names with ``name_multiplicity=10``; the defaults here are a CPU-sized version.
    """
    for key, value in (('num_group_a', num_group_a), ('num_group_b', num_group_b)):
        if value < 2 or value % 2:
            raise ValueError(f'{key}={value} must be an even number >= 2 (its entities are paired)')
    if num_relation_pairs < 1:
        raise ValueError(f'num_relation_pairs={num_relation_pairs} must be >= 1')
    if name_tokens not in (1, 2):
        raise ValueError(f'name_tokens={name_tokens} must be 1 (unique tokens) or 2 (first and last names)')
    rng = np.random.default_rng(seed)
    num_entities = num_group_a + num_group_b
    names, vocab = _name_table(rng, num_entities, name_tokens, name_multiplicity)
    relation_tokens = len(vocab) + np.arange(2 * num_relation_pairs)
    vocab += tuple(f'<r_{i // 2}{"_inv" if i % 2 else ""}>' for i in range(2 * num_relation_pairs))
    mask_token, pad_token = len(vocab), len(vocab) + 1
    vocab += ('<mask>', '<pad>')
    group = (np.arange(num_entities) >= num_group_a).astype(np.int64)

    both, atomic, held_out = [], [], []
    for pair in range(num_relation_pairs):
        r, r_inv = 2 * pair, 2 * pair + 1
        a = _random_pairs(rng, np.arange(num_group_a))
        both += [np.stack([a[:, 0], np.full(len(a), r), a[:, 1]], 1),
                 np.stack([a[:, 1], np.full(len(a), r_inv), a[:, 0]], 1)]
        b = _random_pairs(rng, np.arange(num_group_a, num_entities))
        forward = np.stack([b[:, 0], np.full(len(b), r), b[:, 1]], 1)
        backward = np.stack([b[:, 1], np.full(len(b), r_inv), b[:, 0]], 1)
        flip = rng.random(len(b)) < 0.5  # which direction is trained
        atomic.append(np.where(flip[:, None], backward, forward))
        held_out.append(np.where(flip[:, None], forward, backward))
    both, atomic, held_out = np.concatenate(both), np.concatenate(atomic), np.concatenate(held_out)
    train = rng.permutation(np.concatenate([both, atomic]))

    def sample(facts):
        return facts[np.sort(rng.choice(len(facts), size=min(probe_size, len(facts)), replace=False))]

    probes = dict(zip(PROBES, (sample(both), sample(atomic), sample(held_out))))
    return KnowledgeBase(vocab=vocab, names=names, group=group, relation_tokens=relation_tokens,
                         mask_token=mask_token, pad_token=pad_token, train=train, probes=probes, held_out=held_out)
