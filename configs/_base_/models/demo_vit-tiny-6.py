# The demo encoder: ViT-tiny width (192, 3 heads, MLP 768) with 6 blocks instead of 12, half the CPU cost per step.
# Shared by the demo pretraining configs (configs/demo/*jepa_*) and the demo transfer configs that load them.
demo_arch = dict(embed_dims=192, num_layers=6, num_heads=3, feedforward_channels=768)
