# AD-L-JEPA optimisation (official tools/cfgs/kitti_models/ad_l_jepa_kitti.yaml): OpenPCDet's adam_onecycle, lr 3e-4,
# weight decay 0.01, one cycle with 40 % rise from lr / 10, gradient norm clipped at 10, 4 scans per GPU, 30 epochs.
# Departure: OpenPCDet also cycles Adam's beta1 0.95 -> 0.85; mmengine's OneCycleLR cycles the lr only.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=3e-4, weight_decay=0.01, betas=(0.9, 0.99)),
    clip_grad=dict(max_norm=10, norm_type=2))
max_epochs = 30
param_scheduler = [dict(type='OneCycleLRPlainState', eta_max=3e-4, pct_start=0.4, div_factor=10, begin=0, end=max_epochs, by_epoch=True,
                        convert_to_iter_based=True)]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=32, enable=False)
