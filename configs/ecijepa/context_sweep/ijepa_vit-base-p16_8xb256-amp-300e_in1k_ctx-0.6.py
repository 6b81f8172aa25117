# Context-size sweep, I-JEPA baseline at context scale 0.6 (see the ctx-0.4 file for the recipe).
_base_ = ['./ijepa_vit-base-p16_8xb256-amp-300e_in1k_ctx-0.4.py']
model = dict(mask_sampler=dict(context_scale=(0.6, 0.6)))
