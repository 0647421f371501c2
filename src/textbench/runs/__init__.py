"""The run engine: one run folder per run (claim, manifest, guard, artifacts) and the run kinds.

Run kinds: `finetune` (pretrained or from-scratch classifiers through the Trainer), `pretrain`
(masked or causal LM), `baseline` (majority class, TF-IDF + logistic regression). Models are
built in `build` (and `from_pretraining` for a pretraining run's body).
"""
