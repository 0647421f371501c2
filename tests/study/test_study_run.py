"""A tiny study end to end: baselines + a tiny BERT arm, 2 seeds; resume; report rebuild; CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from textbench.cli.main import main
from textbench.errors import RunError
from textbench.report import build_report
from helpers.studies import tiny_study
from textbench.study import load_study
from textbench.study.runner import plan_status, run_study


def _mtimes(study_dir: Path) -> dict[str, float]:
    return {str(p.relative_to(study_dir)): p.stat().st_mtime_ns
            for p in study_dir.glob("runs/*/seed-*/test_metrics.json")}


def test_tiny_study_end_to_end_resume_and_identical_rebuild(tmp_path, tiny_bert_dir):
    study = load_study(tiny_study(tmp_path, tiny_bert_dir), output_dir=tmp_path / "studies")
    result = run_study(study, executor="inline", progress=False)
    sdir = study.dir
    assert result.count("complete") == 6 and result.count("failed") == 0
    for arm in ("majority", "tfidf", "bert"):
        for seed in (1, 2):
            run = sdir / "runs" / arm / f"seed-{seed}"
            for name in ("config.yaml", "manifest.json", "test_metrics.json", "test_predictions.csv",
                         "metrics.csv", "trainer_log.json"):
                assert (run / name).is_file(), run / name
    md = (sdir / "report.md").read_text(encoding="utf-8")
    html = (sdir / "report.html").read_text(encoding="utf-8")
    assert "## Results on the test set" in md and "## Significance" in md and "± " in md
    assert "no detectable difference" in md or "worse" in md
    assert html.count("data:image/png;base64,") >= 6 and 'src="figures/' not in html
    assert (sdir / "figures" / "quality_vs_cost.png").is_file()

    # a deleted run folder is the only one redone
    before = _mtimes(sdir)
    shutil.rmtree(sdir / "runs" / "bert" / "seed-2")
    assert [w for _, w in plan_status(study)].count("start") == 1
    again = run_study(study, executor="inline", progress=False)
    assert [o.run.key for o in again.outcomes if o.status == "complete"] == ["bert/seed-2"]
    assert again.count("skipped") == 5
    after = _mtimes(sdir)
    changed = {k for k in after if after[k] != before.get(k)}
    assert changed == {"runs/bert/seed-2/test_metrics.json"}

    # the report rebuilds byte-identically from the stored runs (also through the CLI)
    md1, html1 = (sdir / "report.md").read_bytes(), (sdir / "report.html").read_bytes()
    build_report(sdir)
    assert (sdir / "report.md").read_bytes() == md1 and (sdir / "report.html").read_bytes() == html1
    assert main(["report", str(sdir)]) == 0
    assert (sdir / "report.html").read_bytes() == html1


def test_failed_run_is_reported_and_the_rest_completes(tmp_path, tiny_bert_dir):
    arms = [{"name": "broken", "set": {"model.name_or_path": str(tiny_bert_dir), "tokenizer.max_length": 100}}]
    study = load_study(tiny_study(tmp_path, tiny_bert_dir, seeds=[1], arms=arms, baselines=["majority"]),
                       output_dir=tmp_path / "studies")
    with pytest.raises(RunError, match=r"1 of 2 runs failed \(broken/seed-1"):
        run_study(study, executor="inline", progress=False)
    assert (study.dir / "runs" / "majority" / "seed-1" / "test_metrics.json").is_file()
    md = (study.dir / "report.md").read_text(encoding="utf-8")
    assert "`broken`: no complete run for seed(s) 1" in md


def test_study_cli_subprocess_runs_write_train_logs(tmp_path, tiny_bert_dir):
    path = tiny_study(tmp_path, tiny_bert_dir, seeds=[3], arms=[], baselines=["majority"])
    assert main(["study", str(path), "--output-dir", str(tmp_path / "s"), "--no-progress"]) == 0
    run = tmp_path / "s" / "tiny" / "runs" / "majority" / "seed-3"
    assert (run / "train.log").is_file() and "test macro-F1" in (run / "train.log").read_text()
    assert (tmp_path / "s" / "tiny" / "report.html").is_file()


def test_study_cli_bad_input_exits_2_before_training(tmp_path, tiny_bert_dir, capsys):
    path = tiny_study(tmp_path, tiny_bert_dir, arms=[{"name": "x", "config": "nope.yaml"}])
    assert main(["study", str(path), "--output-dir", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "nope.yaml" in err and err.count("\n") == 1
    assert not (tmp_path / "s").exists()
    assert main(["report", str(tmp_path / "nothing")]) == 2


def test_dry_run_lists_runs(tmp_path, tiny_bert_dir, capsys):
    path = tiny_study(tmp_path, tiny_bert_dir, seeds=[1])
    assert main(["study", str(path), "--output-dir", str(tmp_path / "s"), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "bert/seed-1" in out and "start" in out
    assert not (tmp_path / "s" / "tiny" / "runs").exists()


@pytest.mark.slow  # the default run has each part: baselines in subprocesses (the test above), transformer
# runs in subprocesses (tests/study/test_study_interrupt.py, test_study_workers.py)
def test_tiny_bert_study_in_subprocesses(tmp_path, tiny_bert_dir):
    study = load_study(tiny_study(tmp_path, tiny_bert_dir, seeds=[1]), output_dir=tmp_path / "studies")
    result = run_study(study, progress=False)
    assert result.count("complete") == 3
    assert (study.dir / "runs" / "bert" / "seed-1" / "train.log").is_file()


def test_scratch_arms_share_one_tokenizer_and_pretrain_first(tmp_path, tiny_bert_dir):
    from textbench.utils.io import read_json

    arms = [{
        "name": "enc",
        "set": {"tokenizer": {"train": "wordpiece", "vocab_size": 300},
                "model": {"kind": "scratch", "architecture": {"hidden_size": 16, "num_hidden_layers": 1,
                                                              "num_attention_heads": 2, "intermediate_size": 32}}},
        "sweep": {"model.architecture.position_embedding_type": ["learned", "rope"]},
        "pretrain": {"train": {"epochs": 1, "batch_size": 16, "threads": 1}},
    }]
    study = load_study(tiny_study(tmp_path, tiny_bert_dir, seeds=[1], arms=arms, baselines=[]),
                       output_dir=tmp_path / "studies")
    assert run_study(study, executor="inline", progress=False).count("complete") == 2
    assert len(list((study.dir / "tokenizers").iterdir())) == 1
    hashes = {read_json(study.dir / "runs" / a / "seed-1" / "manifest.json")["tokenizer_hash"]
              for a in ("enc-learned", "enc-rope")}
    assert len(hashes) == 1
    for a in ("enc-learned", "enc-rope"):
        assert read_json(study.dir / "pretrain" / a / "seed-1" / "manifest.json")["status"] == "complete"
        cfg = yaml.safe_load((study.dir / "runs" / a / "seed-1" / "config.yaml").read_text())
        assert cfg["model"]["from_pretraining_run"].endswith(f"pretrain/{a}/seed-1")
    md = (study.dir / "report.md").read_text()
    assert "1 distinct tokenizer" in md and "other settings" not in md


def test_tracked_runs_are_not_stale_for_the_project_the_study_gives_them(tmp_path, tiny_bert_dir):
    """train.project is set per run (the study's name), like the seed: it does not make a run stale."""
    from textbench.study.stale import stale_runs

    arms = [{"name": "bert", "set": {"model.name_or_path": str(tiny_bert_dir), "train.report_to": ["tensorboard"]}}]
    path = tiny_study(tmp_path, tiny_bert_dir, seeds=[1], arms=arms, baselines=[])
    study = load_study(path, output_dir=tmp_path / "studies")
    run_study(study, executor="inline", progress=False)
    stored = yaml.safe_load((study.dir / "runs" / "bert" / "seed-1" / "config.yaml").read_text())
    assert stored["train"]["project"] == study.name
    assert stale_runs(study.dir) == []
    assert "stale" not in dict((r.key, w) for r, w in plan_status(study))["bert/seed-1"]


def test_an_edited_arm_is_refused_until_rerun_stale(tmp_path, tiny_bert_dir):
    from textbench.errors import RunError

    arms = [{"name": "bert", "set": {"model.name_or_path": str(tiny_bert_dir)}}]
    path = tiny_study(tmp_path, tiny_bert_dir, seeds=[1], arms=arms, baselines=[])
    run_study(load_study(path, output_dir=tmp_path / "studies"), executor="inline", progress=False)
    edited = yaml.safe_load(path.read_text())
    edited["arms"][0]["set"]["train.learning_rate"] = 5e-4
    path.write_text(yaml.safe_dump(edited, sort_keys=False))
    study = load_study(path, output_dir=tmp_path / "studies")
    assert "stale" in dict((r.key, w) for r, w in plan_status(study))["bert/seed-1"]
    with pytest.raises(RunError, match="--rerun-stale"):
        run_study(study, executor="inline", progress=False)
    result = run_study(study, executor="inline", progress=False, rerun_stale=True)
    assert result.count("complete") == 1
    new_cfg = yaml.safe_load((study.dir / "runs" / "bert" / "seed-1" / "config.yaml").read_text())
    assert new_cfg["train"]["learning_rate"] == 5e-4
    old = yaml.safe_load((study.dir / "stale" / "bert" / "seed-1" / "config.yaml").read_text())
    assert old["train"]["learning_rate"] == 1e-3  # set aside, not deleted
    assert "other settings" not in (study.dir / "report.md").read_text()


def test_a_setting_added_since_a_run_does_not_make_it_stale(tmp_path, tiny_bert_dir):
    """A run made before a setting existed did what its default does; one with another value is stale."""
    from textbench.study.stale import stale_runs

    arms = [{"name": "bert", "set": {"model.name_or_path": str(tiny_bert_dir)}}, {"name": "tfidf", "baseline": "tfidf"}]
    path = tiny_study(tmp_path, tiny_bert_dir, seeds=[1], arms=arms, baselines=[])
    study = load_study(path, output_dir=tmp_path / "studies")
    run_study(study, executor="inline", progress=False)
    for arm, section, key in (("bert", "train", "group_by_length"), ("tfidf", "baseline", "min_df")):
        stored = study.dir / "runs" / arm / "seed-1" / "config.yaml"
        cfg = yaml.safe_load(stored.read_text())
        del cfg[section][key]  # as written by a textbench without the setting
        stored.write_text(yaml.safe_dump(cfg, sort_keys=False))
    assert stale_runs(study.dir) == []
    assert all("stale" not in w for _, w in plan_status(study))
    cfg["baseline"]["min_df"] = 3  # a real difference still counts
    stored.write_text(yaml.safe_dump(cfg, sort_keys=False))
    assert [m for m in stale_runs(study.dir) if "tfidf" in m]
