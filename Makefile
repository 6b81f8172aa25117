# mmjepa: the two commands of the README, and their parts.
#   make demo   install what is missing, generate the demo data, pretrain I-JEPA ViT-tiny on it (CPU, ~10 minutes),
#               then probe the pretrained encoder against a randomly initialised one (the difference with its
#               paired standard error)
#   make test   install what is missing, run the test suite
PYTHON ?= python3
DEMO_CONFIG ?= configs/demo/ijepa_vit-tiny-p8_1xb64-60e_demo-64px.py
DEMO_WORK_DIR ?= work_dirs/demo_ijepa
DEMO_DATA ?= data/demo

.PHONY: install demo demo-data test benchmark-demo

# make benchmark-demo: the whole demo benchmark on CPU: the demo pretraining (skipped when its checkpoint
# exists), then k-NN, linear probe, fine-tune, UperNet (demo ADE20K) and Mask R-CNN (demo COCO) transfers of
# its target encoder, then the leaderboard ($(BENCH_WORK_DIR)/results.md and .csv). Each stage prints its time.
BENCH_WORK_DIR ?= work_dirs/benchmark_demo
DEMO_CKPT ?= $(DEMO_WORK_DIR)/epoch_60.pth
BENCH_TASKS ?= linear:vit-tiny-p8_ijepa-demo-pre_linear_demo-64px ft:vit-tiny-p8_ijepa-demo-pre_ft_demo-64px \
	ade:vit-tiny-p8_ijepa-demo-pre_upernet_demo-ade-64px coco:vit-tiny-p8_ijepa-demo-pre_mask-rcnn_demo-coco-64px

install:
	PYTHON=$(PYTHON) bash tools/install_deps.sh

demo-data: install
	$(PYTHON) tools/dataset_converters/make_demo_data.py --out $(DEMO_DATA)

demo: demo-data
	$(PYTHON) tools/train.py $(DEMO_CONFIG) --work-dir $(DEMO_WORK_DIR)
	$(PYTHON) tools/analysis_tools/probe.py $(DEMO_CONFIG) --data-root $(DEMO_DATA)/imagenet \
		--out $(DEMO_WORK_DIR)/probe_random_init.json
	$(PYTHON) tools/analysis_tools/probe.py $(DEMO_CONFIG) $(DEMO_CKPT) --data-root $(DEMO_DATA)/imagenet \
		--baseline $(DEMO_WORK_DIR)/probe_random_init.json --out $(DEMO_WORK_DIR)/probe_pretrained.json
	@echo "[mmjepa] demo done: checkpoints and logs in $(DEMO_WORK_DIR)/, probe results in" \
		"$(DEMO_WORK_DIR)/probe_{pretrained,random_init}.json"

test: install
	$(PYTHON) -m pytest tests -q

benchmark-demo: demo-data
	@t=$$(date +%s); test -f $(DEMO_CKPT) || $(PYTHON) tools/train.py $(DEMO_CONFIG) --work-dir $(DEMO_WORK_DIR); \
		echo "[benchmark-demo] pretraining: $$(( $$(date +%s) - t ))s"
	@t=$$(date +%s); $(PYTHON) tools/analysis_tools/knn_eval.py configs/demo/vit-tiny-p8_ijepa-demo-pre_linear_demo-64px.py \
		--checkpoint $(DEMO_CKPT) --out $(BENCH_WORK_DIR)/linear/knn.json; \
		echo "[benchmark-demo] k-NN: $$(( $$(date +%s) - t ))s"
	@set -e; for item in $(BENCH_TASKS); do name=$${item%%:*}; cfg=configs/demo/$${item#*:}.py; t=$$(date +%s); \
		$(PYTHON) tools/train.py $$cfg --work-dir $(BENCH_WORK_DIR)/$$name \
			--cfg-options model.backbone.init_cfg.checkpoint=$(DEMO_CKPT); \
		$(PYTHON) tools/test.py $$cfg $$(cat $(BENCH_WORK_DIR)/$$name/last_checkpoint) --work-dir $(BENCH_WORK_DIR)/$$name; \
		echo "[benchmark-demo] $$name: $$(( $$(date +%s) - t ))s"; done
	$(PYTHON) tools/analysis_tools/leaderboard.py $(BENCH_WORK_DIR) --out $(BENCH_WORK_DIR)/results.md
