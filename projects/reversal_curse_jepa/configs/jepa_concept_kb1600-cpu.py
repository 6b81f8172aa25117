# (b) The JEPA concept model: 1 Wernicke block per concept, 2 causal blocks over the concepts, in-batch negatives.
_base_ = ['./_base_/kb1600_cpu.py']
model = dict(type='ReversalConceptJEPA', embed_dims=64, num_heads=4, wernicke_depth=1, depth=2,
             negatives='in_batch', concept_norm='variance_only')
