# T-JEPA demo on the scikit-learn wine table (configs/demo/tjepa_ftt-d64-l4_1xb64-50e_demo-breast-cancer.py
# for the recipe and the commands).
_base_ = ['./tjepa_ftt-d64-l4_1xb64-50e_demo-breast-cancer.py']
model = dict(backbone=dict(tokenizer=dict(num_numeric=13, cardinalities=[])))
train_dataloader = dict(dataset=dict(data_root='data/demo/tabular/wine/'))
