#!/usr/bin/env bash
# Issue 19's GPU checks, prepared for one call on a lent device machine (see the device tool's
# README): the from-scratch step benchmark on the GPU (fp32 / TF32 / bf16, MFU against the bf16
# peak: bench/gpu_step.py) and the emotion methods study at full scale (3 seeds, the full
# published split: configs/studies/emotion-finetuning-methods.yaml, bf16 by train.precision: auto).
#
#   here:   python scripts/device_kit.py          # builds .device-kit/ (wheels, MiniLM-L6 in fp16, emotion)
#   device: run(command="bash scripts/device_checks.sh", carry=[".device-kit"], timeout_s=600)
#           run(command="STAGES=study bash scripts/device_checks.sh", ...)   # again, on the warm machine:
#                                                     # the study resumes; complete runs are kept
# What comes back in $OUT (at most 8 files): gpu_step.json, gpu_step.log, study.log, report.md,
# emotion-study.tgz (the study folder without model weights: metrics, predictions, logs), and
# versions.txt. Copy gpu_step.json to bench/results/ and run `python -m bench --markdown-only`.
#
# STAGES: "bench study" (default), or one of them. STUDY_SET: more --set arguments for the study
# (a CPU smoke check: STUDY_SET="--set seeds=[1] --set data.max_train_samples=64 ...").
# STUDY_SECONDS: the study's share of the call (default 420 s); what is unfinished then resumes on
# the next call. JOBS: runs side by side on
# the one GPU (default 6: at batch 32 a MiniLM-L6 step cannot fill an H100). Baselines are left
# out (`baselines: []`): they use no GPU and the CPU study measured them on the same split.
set -uo pipefail
cd "$(dirname "$0")/.."
KIT="$PWD/.device-kit"
OUT="${OUT:-$PWD/device-out}"
STAGES="${STAGES:-bench study}"
mkdir -p "$OUT"
[ -d "$KIT/wheels" ] || { echo "device_checks: $KIT is missing: run python scripts/device_kit.py here and carry .device-kit" >&2; exit 2; }

python3 -c "import datasets" 2>/dev/null ||
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$KIT"/wheels/*.whl ||
    exit 2
export PYTHONPATH="$PWD/src:/tmp/site:$PWD" PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
[ -f /tmp/minilm-l6/model.safetensors ] || python3 scripts/device_kit.py --restore-model "$KIT/minilm-l6" /tmp/minilm-l6 || exit 2
python3 - >"$OUT/versions.txt" 2>&1 <<'EOF'
import importlib.metadata as md, torch
print("gpu", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none")
for n in ("torch", "transformers", "peft", "accelerate", "datasets", "pyarrow", "scikit-learn", "numpy"):
    try:
        print(n, md.version(n))
    except md.PackageNotFoundError:
        print(n, "missing")
import textbench.cli  # noqa: F401  - fails here, not in the middle of the study, if an import is missing
print("textbench imports")
EOF
cat "$OUT/versions.txt"
grep -q "textbench imports" "$OUT/versions.txt" || exit 2

if [[ " $STAGES " == *" bench "* ]]; then
    python3 -m bench gpu_step --no-markdown 2>&1 | tee "$OUT/gpu_step.log"
    cp bench/results/gpu_step.json "$OUT/" 2>/dev/null
    python3 -c "import sys; sys.path.insert(0, '.'); import json; from bench import gpu_step as g; print(g.markdown(json.load(open('bench/results/gpu_step.json'))))" 2>/dev/null
fi

if [[ " $STAGES " == *" study "* ]]; then
    STUDY=studies/emotion-finetuning-methods
    timeout --signal=INT --kill-after=30 "${STUDY_SECONDS:-420}" \
        python3 -m textbench study configs/studies/emotion-finetuning-methods.yaml \
        --set "data.source=$KIT/emotion" --set "shared.model.name_or_path=/tmp/minilm-l6" \
        --set "baselines=[]" ${STUDY_SET:-} --output-dir studies --jobs "${JOBS:-6}" --no-progress 2>&1 | tee -a "$OUT/study.log"
    [ -f "$STUDY/report.md" ] || python3 -m textbench report "$STUDY" 2>&1 | tail -3
    cp "$STUDY/report.md" "$OUT/" 2>/dev/null
    tar czf "$OUT/emotion-study.tgz" --exclude='*.safetensors' --exclude='*.bin' --exclude='*.pt' \
        --exclude='checkpoint-*' --exclude='prepared' --exclude='model' -C studies emotion-finetuning-methods
    python3 - "$STUDY" <<'EOF'
import json, pathlib, sys
for f in sorted(pathlib.Path(sys.argv[1], "runs").glob("*/*/test_metrics.json")):
    m = json.loads(f.read_text())
    print(f"{f.parent.parent.name:28s} {f.parent.name:8s} accuracy {m['accuracy']:.4f}  macro-F1 {m['macro_f1']:.4f}")
EOF
fi
ls -la "$OUT"
