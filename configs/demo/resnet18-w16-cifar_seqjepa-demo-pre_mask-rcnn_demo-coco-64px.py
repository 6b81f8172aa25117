# Mask R-CNN on the embedded COCO-format demo set with the demo seq-JEPA ResNet-18 (width 16, CIFAR stem): the
# online encoder (prefix 'backbone.') strictly loaded into mmpretrain's ResNet keys, mmdet's FPN over its four
# stages (strides 1-8 at 64 px; five levels, anchors and RoI strides 1-16), AdamW without layer decay. Otherwise the ViT demo config.
#   python tools/train.py THIS --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/seqjepa_demo/epoch_30.pth
_base_ = ['./vit-tiny-p8_ijepa-demo-pre_mask-rcnn_demo-coco-64px.py']
model = dict(
    backbone=dict(
        _delete_=True, type='mmpretrain.JEPAResNetCIFAR', depth=18, stem_channels=16, base_channels=16,
        out_indices=(0, 1, 2, 3),
        init_cfg=dict(type='Pretrained', checkpoint='work_dirs/seqjepa_demo/epoch_30.pth', prefix='backbone.')),
    neck=dict(_delete_=True, type='FPN', in_channels=[16, 32, 64, 128], out_channels={{_base_.channels}},
              num_outs=5),
    # the CIFAR stem keeps full resolution: levels at strides 1-16 instead of mmdet's 4-64
    rpn_head=dict(anchor_generator=dict(strides=[1, 2, 4, 8, 16])),
    roi_head=dict(bbox_roi_extractor=dict(featmap_strides=[1, 2, 4, 8]),
                  mask_roi_extractor=dict(featmap_strides=[1, 2, 4, 8])))
optim_wrapper = dict(_delete_=True, type='OptimWrapper',
                     optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.05))
