"""Regenerate docs/errors.md: run each bad-input case through the CLI and record its one-line error.

    python docs/error_catalogue.py > docs/errors.md
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # helpers.faults

from helpers.faults import injected  # noqa: E402

from textbench.cli import main  # noqa: E402

CSV_OK = "text,label\n" + "".join(f"sample text {i} {'ab'[i % 2]},{'ab'[i % 2]}\n" for i in range(40))


# A case is (name, argv) or (name, argv, fault): the storage cases inject the OSError a full or
# read-only disk gives (tests/helpers/faults.py patches this process), since the catalogue may run
# as root, for whom no folder is read-only.
KEPT = "kept-runs"  # the disk-full case keeps its run (failed, first checkpoint complete) for --resume


def cases(tmp: Path) -> list[tuple]:
    def f(name: str, text: str | bytes) -> str:
        p = tmp / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text if isinstance(text, bytes) else text.encode())
        return str(p)

    def cfg(name: str, body: str) -> str:
        return f(name, body)

    runs = ["--output-dir", str(tmp / "runs")]
    ok = f("ok.csv", CSV_OK)
    split = tmp / "split"
    f("split/train.csv", CSV_OK)
    f("split/validation.csv", CSV_OK)
    f("split/test.csv", CSV_OK.replace(",b\n", ",zebra\n"))
    header_only = f("h.csv", "text,label\n")
    nan_csv = f("nan.csv", CSV_OK + "x y,\n")
    latin1 = f("l1.csv", CSV_OK.encode() + b"caf\xe9,a\n")
    three = f("three.csv", "text,label\nx,a\ny,b\nz,a\n")
    corrupt_model = _corrupt_model(tmp / "corrupt-model")
    corrupt_run = _corrupt_run(tmp / "corrupt-run", corrupt_model)
    tiny = _tiny_model(tmp / "tiny-model")
    small_vocab = _tiny_model(tmp / "small-vocab-model", vocab_size=100, with_tokenizer=False)
    tiny_cfg = cfg("c26.yaml", f"data:\n  source: {ok}\nmodel:\n  name_or_path: {tiny}\ntokenizer:\n  max_length: 32\n"
                               "train:\n  epochs: 2\n  batch_size: 8\n  threads: 1\n"
                               "eval:\n  reference_before_training: false\n")
    a_file = f("a-file", "not a folder\n")
    cased = f("cased.csv", "text,label\n" + "".join(f"text {i},{['pos', 'Pos', 'neg'][i % 3]}\n" for i in range(30)))
    twice = f("twice.csv", "text,label,text\n" + "".join(f"a{i},{'ab'[i % 2]},b{i}\n" for i in range(30)))
    xlsx = f("sheet.csv", b"PK\x03\x04" + bytes(60))
    return [
        ("missing data file", ["train", cfg("c1.yaml", f"data:\n  source: {tmp}/nope.csv\n"), *runs]),
        ("empty data file", ["train", cfg("c2.yaml", f"data:\n  source: {f('empty.csv', '')}\n"), *runs]),
        ("header only", ["train", cfg("c3.yaml", f"data:\n  source: {header_only}\n"), *runs]),
        ("missing column", ["train", cfg("c4.yaml", f"data:\n  source: {ok}\n  text_column: review\n"), *runs]),
        ("wrong delimiter", ["train", cfg("c5.yaml", f"data:\n  source: {f('semi.tsv', CSV_OK)}\n"), *runs]),
        ("one class only", ["train", cfg("c6.yaml", f"data:\n  source: {f('one.csv', CSV_OK.replace(',b', ',a'))}\n"), *runs]),
        ("NaN label", ["train", cfg("c7.yaml", f"data:\n  source: {nan_csv}\n"), *runs]),
        ("float labels", ["train", cfg("c8.yaml", f"data:\n  source: {f('fl.csv', CSV_OK.replace(',a', ',0.5'))}\n"), *runs]),
        ("test label unseen in training", ["train", cfg("c9.yaml", f"data:\n  source: {split}\n"), *runs]),
        ("non-UTF-8 bytes", ["train", cfg("c10.yaml", f"data:\n  source: {latin1}\n"), *runs]),
        ("dataset of 3 rows", ["train", cfg("c11.yaml", f"data:\n  source: {three}\n"), *runs]),
        ("unknown config key", ["train", cfg("c12.yaml", "train:\n  epochz: 3\n"), *runs]),
        ("wrong type", ["train", cfg("c13.yaml", "train:\n  batch_size: big\n"), *runs]),
        ("negative learning rate", ["train", cfg("c14.yaml", "train:\n  learning_rate: -1\n"), *runs]),
        ("zero batch size", ["train", cfg("c15.yaml", "train:\n  batch_size: 0\n"), *runs]),
        ("zero epochs", ["train", cfg("c16.yaml", "train:\n  epochs: 0\n"), *runs]),
        ("max_length above the model's limit", ["train", cfg("c17.yaml", "tokenizer:\n  max_length: 4096\n"), *runs]),
        ("model path that is not a model", ["train", cfg("c18.yaml", f"model:\n  name_or_path: {tmp}\n"), *runs]),
        ("unknown built-in model", ["train", cfg("c19.yaml", "model:\n  name_or_path: builtin:gpt9\n"), *runs]),
        ("invalid YAML", ["train", cfg("c20.yaml", "train: {a: [\n"), *runs]),
        ("LoRA rank 0", ["train", cfg("c21.yaml", "method:\n  name: lora\n  r: 0\n"), *runs]),
        ("unknown attention kind", ["train", cfg("c22.yaml", "model:\n  kind: scratch\n  architecture:\n    attention_type: flash9\n"), *runs]),
        ("hidden size not divisible by heads", ["train", cfg("c23.yaml", "model:\n  kind: scratch\n  architecture:\n    hidden_size: 30\n    num_attention_heads: 4\n"), *runs]),
        ("missing pretraining run", ["train", cfg("c24.yaml", f"model:\n  kind: scratch\n  from_pretraining_run: {tmp}/nope\n"), *runs]),
        ("run name with a slash", ["train", "--name", "../escape", *runs]),
        ("bad --set syntax", ["train", "--set", "train.learning_rate", *runs]),
        ("predict on a folder that is not a run", ["predict", str(tmp), "--input", ok]),
        ("predict input missing", ["predict", str(tmp), "--input", str(tmp / "none.txt")]),
        ("study file missing", ["study", str(tmp / "nope-study.yaml")]),
        ("missing config file", ["train", str(tmp / "nope.yaml"), *runs]),
        ("corrupt pretrained weights file", ["train", cfg("c25.yaml", f"model:\n  name_or_path: {corrupt_model}\n"), *runs]),
        ("corrupt checkpoint in a saved run (predict)", ["predict", str(corrupt_run), "--input", ok]),
        ("tokenizer that does not match the model's vocabulary",
         ["train", cfg("c27.yaml", f"model:\n  name_or_path: {small_vocab}\n"
                                   f"tokenizer:\n  name_or_path: {_minilm()}\n  max_length: 32\n"), *runs]),
        ("disk full while saving a checkpoint (run kept, resumable)",
         ["train", tiny_cfg, "--output-dir", str(tmp / KEPT), "--name", "full"], "enospc:2"),
        ("read-only file system under the output folder",
         ["train", tiny_cfg, *runs, "--name", "ro"], "erofs:config.yaml"),
        ("output folder under a regular file", ["train", tiny_cfg, "--output-dir", f"{a_file}/runs"]),
        ("a key given twice in a config", ["train", cfg("c28.yaml", "train:\n  seed: 7\ntrain:\n  epochs: 1\n"), *runs]),
        ("a setting of another method", ["train", cfg("c29.yaml", "method:\n  name: full\n  r: 8\n"), *runs]),
        ("predict output is its input", ["predict", str(tmp), "--input", ok, "--output", ok]),
        ("predict output exists", ["predict", str(tmp), "--input", ok, "--output", a_file]),
        ("labels differing only in case", ["train", cfg("c30.yaml", f"data:\n  source: {cased}\n"), *runs]),
        ("negative seed", ["train", cfg("c31.yaml", "train:\n  seed: -5\n"), *runs]),
        ("a bad --set value", ["train", cfg("c32.yaml", "train:\n  epochs: 2\n"), "--set", "train.epochs=abc", *runs]),
        ("a run name of 300 characters", ["train", "--name", "x" * 300, *runs]),
        ("a column named twice", ["train", cfg("c33.yaml", f"data:\n  source: {twice}\n"), *runs]),
        ("an Excel file renamed .csv", ["train", cfg("c34.yaml", f"data:\n  source: {xlsx}\n"), *runs]),
        ("label column equal to text column", ["train", "--set", f"data.source={ok}", "--set",
                                               "data.label_column=text", *runs]),
        ("predict input with an unterminated quote", ["predict", str(tmp), "--input", f("q.csv", 'text\n"open\nb\n')]),
        ("an OFT block size that does not divide the layers' width",
         ["train", tiny_cfg, "--set", "method={name: oft, block_size: 5}", *runs]),
        ("the generic PEFT method without its type", ["train", cfg("c35.yaml", "method:\n  name: peft\n  config: {r: 4}\n"),
                                                      *runs]),
        ("chunk windows sharing half the window",
         ["train", cfg("c36.yaml", "tokenizer:\n  long_text: chunk\n  max_length: 64\n  chunk_stride: 32\n"), *runs]),
        ("a study asking for no CPU per run",
         ["study", f("s1.yaml", f"data: {{source: {ok}}}\nbaselines: [majority]\nresources: {{num_cpus: 0}}\n")]),
    ]


def _corrupt_model(path: Path) -> Path:
    """A tiny BERT with the MiniLM tokenizer whose weights file is cut short."""
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from textbench.models.builtin import resolve_model_path

    tok = AutoTokenizer.from_pretrained(resolve_model_path("builtin:minilm-l6"))
    cfg = BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=32)
    BertForSequenceClassification(cfg).save_pretrained(path)
    tok.save_pretrained(path)
    weights = path / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    return path


def _minilm() -> str:
    from textbench.models.builtin import resolve_model_path

    return str(resolve_model_path("builtin:minilm-l6"))


def _tiny_model(path: Path, *, vocab_size: int | None = None, with_tokenizer: bool = True) -> Path:
    """A 1-layer width-32 BERT with the MiniLM tokenizer (or a smaller vocabulary and no tokenizer)."""
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    tok = AutoTokenizer.from_pretrained(_minilm())
    cfg = BertConfig(vocab_size=vocab_size or len(tok), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=32, max_position_embeddings=64)
    BertForSequenceClassification(cfg).save_pretrained(path)
    if with_tokenizer:
        tok.save_pretrained(path)
    return path


def _corrupt_run(path: Path, model_dir: Path) -> Path:
    """A run folder whose saved model is corrupt."""
    import shutil

    shutil.copytree(model_dir, path / "model")
    (path / "config.yaml").write_text("tokenizer:\n  max_length: 32\n", encoding="utf-8")
    return path


def run_case(argv: list[str], fault: str | None = None) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        with injected(fault) if fault else contextlib.nullcontext():
            code = main(argv)
    lines = [ln for ln in err.getvalue().splitlines() if ln.startswith("error:")]
    return code, lines[-1] if lines else err.getvalue().strip()[-200:]


def main_() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        print("# Bad input: the catalogue\n")
        print("Generated by `python docs/error_catalogue.py > docs/errors.md`; every case exits with the")
        print("code shown, prints one line, and leaves no run folder behind (except the disk-full case, whose")
        print("run is kept, marked failed, with its completed checkpoint, for `--resume`). Paths are temporary.")
        print("The storage cases inject the error a full or read-only disk gives (`tests/helpers/faults.py`), so the")
        print("catalogue is the same when run as root.\n")
        print("| case | exit | message |\n|---|---:|---|")
        all_cases = cases(tmp)
        for name, argv, *fault in all_cases:
            code, msg = run_case(argv, *fault)
            msg = msg.replace(str(tmp), "…").replace("|", "\\|")
            print(f"| {name} | {code} | `{msg}` |")
        left = list((tmp / "runs").iterdir()) if (tmp / "runs").exists() else []
        kept = list((tmp / KEPT).iterdir()) if (tmp / KEPT).exists() else []
        print(f"\nRun folders left behind by these {len(all_cases)} cases: {len(left)}; kept for `--resume`: {len(kept)}.")


if __name__ == "__main__":
    main_()
