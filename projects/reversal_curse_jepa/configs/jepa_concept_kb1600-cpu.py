# (b) The JEPA concept model: 1 Wernicke block per concept, 2 causal blocks over the concepts, in-batch negatives.
# Its shared encoder must first learn to bind each entity's two name tokens into one concept, so it memorises more
# slowly than the token baseline and the memory model: 3,000 iterations instead of 1,500.
_base_ = ['./_base_/kb1600_cpu.py']
model = dict(type='ReversalConceptJEPA', embed_dims=64, num_heads=4, wernicke_depth=1, depth=2,
             negatives='in_batch', concept_norm='variance_only')
max_iters = 3000
train_cfg = dict(max_iters=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
