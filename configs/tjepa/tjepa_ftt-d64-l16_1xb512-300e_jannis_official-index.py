# The jannis recipe with the official code's mask indexing: the [CLS] token is the first token of the sequence
# (with a position, as the official encoder), and mask indices are drawn in [0, D) of that D + 1 token sequence,
# so index 0 is the [CLS] token and the last feature is never drawn (configs/tjepa/README.md).
_base_ = ['./tjepa_ftt-d64-l16_1xb512-300e_jannis.py']
model = dict(
    backbone=dict(num_register_tokens=0, tokenizer=dict(num_cls_tokens=1)),
    mask_sampler=dict(official_indexing=True, num_cls_tokens=1))
