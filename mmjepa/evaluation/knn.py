# Copyright (c) mmjepa contributors. All rights reserved.
"""Frozen-feature classification metrics: weighted k-NN (cosine, DINO-style) and an L-BFGS linear probe.

Used by ``tools/analysis_tools/probe.py`` (pretraining config) and ``tools/analysis_tools/knn_eval.py``
(classification transfer config).
"""
from typing import Optional

import torch
import torch.nn.functional as F


def _labels(train_labels, val_labels, num_classes: Optional[int]):
    train_labels, val_labels = torch.as_tensor(train_labels).long(), torch.as_tensor(val_labels).long()
    if num_classes is None:
        num_classes = int(max(train_labels.max(), val_labels.max())) + 1
    return train_labels, val_labels, num_classes


def top1(pred: torch.Tensor, labels: torch.Tensor) -> float:
    """Top-1 accuracy (%) of predicted class ids against ``labels``."""
    return 100. * float((pred == torch.as_tensor(labels).long()).double().mean())


@torch.no_grad()
def knn_predict(train_feats: torch.Tensor, train_labels: torch.Tensor, val_feats: torch.Tensor,
                k: int = 20, temperature: float = 0.07, num_classes: Optional[int] = None,
                chunk: int = 1024) -> torch.Tensor:
    """Weighted k-NN predictions as in DINO: cosine similarity of L2-normalised features, the ``k`` nearest
    train samples vote for their class with weight ``exp(similarity / temperature)``. [N_val] class ids."""
    train_labels, _, num_classes = _labels(train_labels, train_labels, num_classes)
    k = min(k, len(train_feats))
    bank = F.normalize(train_feats.float(), dim=1)
    preds = []
    for i in range(0, len(val_feats), chunk):
        query = F.normalize(val_feats[i:i + chunk].float(), dim=1)
        sim, idx = (query @ bank.T).topk(k, dim=1)
        votes = torch.zeros(len(query), num_classes)
        votes.scatter_add_(1, train_labels[idx], (sim / temperature).exp())
        preds.append(votes.argmax(dim=1))
    return torch.cat(preds)


def knn_top1(train_feats: torch.Tensor, train_labels: torch.Tensor, val_feats: torch.Tensor,
             val_labels: torch.Tensor, k: int = 20, temperature: float = 0.07,
             num_classes: Optional[int] = None, chunk: int = 1024) -> float:
    """Weighted k-NN top-1 (%) of :func:`knn_predict`."""
    train_labels, val_labels, num_classes = _labels(train_labels, val_labels, num_classes)
    return top1(knn_predict(train_feats, train_labels, val_feats, k, temperature, num_classes, chunk), val_labels)


def linear_probe_predict(train_feats: torch.Tensor, train_labels: torch.Tensor, val_feats: torch.Tensor,
                         num_classes: Optional[int] = None, weight_decay: float = 5e-4, max_iter: int = 300,
                         seed: int = 0) -> torch.Tensor:
    """Linear-probe predictions ([N_val] class ids): multinomial logistic regression on features standardised
    with the train statistics, trained full-batch with L-BFGS (``max_iter`` iterations, L2 penalty
    ``weight_decay``)."""
    train_labels, _, num_classes = _labels(train_labels, train_labels, num_classes)
    x_train, x_val = train_feats.double(), val_feats.double()
    mean, std = x_train.mean(dim=0), x_train.std(dim=0, unbiased=False).clamp_min(1e-6)
    x_train, x_val = (x_train - mean) / std, (x_val - mean) / std
    generator = torch.Generator().manual_seed(seed)
    weight = (0.01 * torch.randn(x_train.shape[1], num_classes, generator=generator, dtype=torch.float64))
    weight.requires_grad_(True)
    bias = torch.zeros(num_classes, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([weight, bias], lr=1, max_iter=max_iter, history_size=20,
                                  tolerance_grad=1e-9, tolerance_change=1e-12, line_search_fn='strong_wolfe')

    def closure():
        optimizer.zero_grad()
        loss = F.cross_entropy(x_train @ weight + bias, train_labels) + weight_decay * weight.pow(2).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        optimizer.step(closure)
    with torch.no_grad():
        return (x_val @ weight + bias).argmax(dim=1)


def linear_probe_top1(train_feats: torch.Tensor, train_labels: torch.Tensor, val_feats: torch.Tensor,
                      val_labels: torch.Tensor, num_classes: Optional[int] = None, weight_decay: float = 5e-4,
                      max_iter: int = 300, seed: int = 0) -> float:
    """Linear-probe top-1 (%) of :func:`linear_probe_predict`."""
    train_labels, val_labels, num_classes = _labels(train_labels, val_labels, num_classes)
    return top1(linear_probe_predict(train_feats, train_labels, val_feats, num_classes, weight_decay, max_iter, seed),
                val_labels)
