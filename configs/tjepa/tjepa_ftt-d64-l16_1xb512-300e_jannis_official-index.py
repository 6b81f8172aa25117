# The jannis recipe with the official code's mask indexing: the [CLS] token is the first token of the sequence
# (with position row 0, as the official encoder), and mask indices are drawn in [0, D) of that D + 1 token
# sequence, so index 0 is the [CLS] token and the last feature is never drawn (configs/tjepa/README.md); the
# predictor's table rows are the mask indices (row 0: the [CLS] token). With the other official bugs reproduced
# too (the 4 target sets of a row are one set; step 0 at AdamW's default lr 1e-3 and weight decay 1e-2) this is
# the official code, step for step (tests/test_models/test_tjepa_official.py).
_base_ = ['./tjepa_ftt-d64-l16_1xb512-300e_jannis.py']
model = dict(
    backbone=dict(num_register_tokens=0, tokenizer=dict(num_cls_tokens=1, pos_offset=0)),
    predictor=dict(pos_cfg=dict(offset=0)),
    mask_sampler=dict(official_indexing=True, num_cls_tokens=1, identical_targets=True))
custom_hooks = _base_.custom_hooks + [dict(type='OfficialFirstStepHook', lr=1e-3, weight_decay=1e-2)]
