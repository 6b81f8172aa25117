# (c) The JEPA concept model with the top-1 key-value memory as its Wernicke stage (keys: the frozen mean token
# embeddings of every entity and one-token concept), LayerNorm on outputs and candidates, as the paper's
# run_jepa_mem.sh.
_base_ = ['./_base_/kb1600_cpu.py']
model = dict(type='ReversalConceptJEPA', embed_dims=64, num_heads=4, depth=2, memory=dict(top_k=1),
             negatives='in_batch', concept_norm='layer_norm')
