# Copyright (c) mmjepa contributors. All rights reserved.
"""The ViT sizes of the official I-JEPA code (``vit_tiny`` ... ``vit_giant``): one table for the encoders' arch
names and the leaderboard's ``ViT-B/16`` labels."""

VIT_ARCHS = {
    'tiny': dict(embed_dims=192, num_layers=12, num_heads=3, feedforward_channels=768),
    'small': dict(embed_dims=384, num_layers=12, num_heads=6, feedforward_channels=1536),
    'base': dict(embed_dims=768, num_layers=12, num_heads=12, feedforward_channels=3072),
    'large': dict(embed_dims=1024, num_layers=24, num_heads=16, feedforward_channels=4096),
    'huge': dict(embed_dims=1280, num_layers=32, num_heads=16, feedforward_channels=5120),
    # vit_giant of the official code: mlp_ratio 48/11 -> 6144.
    'giant': dict(embed_dims=1408, num_layers=40, num_heads=16, feedforward_channels=6144),
}
