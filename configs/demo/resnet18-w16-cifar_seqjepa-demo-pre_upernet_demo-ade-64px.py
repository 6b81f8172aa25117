# UperNet on the embedded ADE20K-layout demo set with the demo seq-JEPA ResNet-18 (width 16, CIFAR stem: stage
# strides 1, 2, 4, 8 at 64 px; configs/demo/seqjepa_resnet18-w16-cifar_1xb32-30e_demo-objects3d-32px.py): the
# online encoder (prefix 'backbone.'), strictly loaded into mmpretrain's ResNet keys, its four stages straight into
# UPerHead (no neck: a ResNet is already a pyramid), AdamW without layer decay. Otherwise the ViT demo config.
#   python tools/train.py THIS --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/seqjepa_demo/epoch_30.pth
_base_ = ['./vit-tiny-p8_ijepa-demo-pre_upernet_demo-ade-64px.py']
widths = [16, 32, 64, 128]
model = dict(
    backbone=dict(
        _delete_=True, type='mmpretrain.JEPAResNetCIFAR', depth=18, stem_channels=16, base_channels=16,
        out_indices=(0, 1, 2, 3),
        init_cfg=dict(type='Pretrained', checkpoint='work_dirs/seqjepa_demo/epoch_30.pth', prefix='backbone.')),
    neck=None,
    decode_head=dict(in_channels=widths),
    auxiliary_head=dict(in_channels=widths[2]))
optim_wrapper = dict(_delete_=True, type='OptimWrapper',
                     optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.05))
