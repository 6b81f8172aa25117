# (a) The baseline: a GPT-style causal transformer over tokens, next-token loss on the tail name.
_base_ = ['./_base_/kb1600_cpu.py']
model = dict(type='ReversalTokenGPT', embed_dims=64, depth=3, num_heads=4)
