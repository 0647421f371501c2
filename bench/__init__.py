"""Benchmarks of issue #6: ``python -m bench`` runs them all and regenerates ``BENCHMARKS.md``.

Not part of the installed package (``src/textbench`` is) and not a test folder (pytest collects
``tests/`` only). Each benchmark is a module ``bench/<name>.py`` exposing

- ``run(quick: bool) -> dict``: measure, return a JSON-able dict (the harness adds the machine,
  load averages, date and mode, and saves it to ``bench/results/<name>.json``, or
  ``<name>.quick.json`` in quick mode);
- ``markdown(result: dict) -> str``: its section of ``BENCHMARKS.md`` (figures and a verdict line);
- optionally ``verdict(result: dict) -> dict`` with keys ``target`` (str), ``measured`` (str),
  ``met`` (True / False / None) and ``note`` (str) for the summary table; without it the harness
  reads ``result["verdict"]`` when present.
"""

REGISTRY = ("frozen_cache", "finetune_speed", "scratch_step", "attention_scaling", "inference", "data_scaling",
            "startup", "method_cost", "gpu_step")
GPU_ONLY = ("gpu_step",)  # not run (said so) where torch sees no CUDA GPU
