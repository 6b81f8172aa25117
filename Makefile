# mmjepa: the two commands of the README, and their parts.
#   make demo   install what is missing, generate the demo data, pretrain I-JEPA ViT-tiny on it (CPU, minutes),
#               then probe the pretrained encoder against a randomly initialised one
#   make test   install what is missing, run the test suite
PYTHON ?= python3
DEMO_CONFIG ?= configs/demo/ijepa_vit-tiny-p8_1xb64-16e_demo-64px.py
DEMO_WORK_DIR ?= work_dirs/demo_ijepa
DEMO_DATA ?= data/demo

.PHONY: install demo demo-data test

install:
	PYTHON=$(PYTHON) bash tools/install_deps.sh

demo-data: install
	$(PYTHON) tools/dataset_converters/make_demo_data.py --out $(DEMO_DATA)

demo: demo-data
	$(PYTHON) tools/train.py $(DEMO_CONFIG) --work-dir $(DEMO_WORK_DIR)
	$(PYTHON) tools/analysis_tools/probe.py $(DEMO_CONFIG) --data-root $(DEMO_DATA)/imagenet \
		--out $(DEMO_WORK_DIR)/probe_random_init.json
	$(PYTHON) tools/analysis_tools/probe.py $(DEMO_CONFIG) $(DEMO_WORK_DIR)/epoch_16.pth \
		--data-root $(DEMO_DATA)/imagenet --out $(DEMO_WORK_DIR)/probe_pretrained.json
	@echo "[mmjepa] demo done: checkpoints and logs in $(DEMO_WORK_DIR)/, probe results in" \
		"$(DEMO_WORK_DIR)/probe_{pretrained,random_init}.json"

test: install
	$(PYTHON) -m pytest tests -q
