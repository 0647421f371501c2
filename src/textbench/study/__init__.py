"""Studies: compare from-scratch and fine-tuned models (and classic baselines) fairly, then report."""

from textbench.study.config import ArmConfig, ReportConfig, StudyConfig
from textbench.study.plan import PlannedRun, Study, builtin_study_path, builtin_studies, load_study

__all__ = [
    "ArmConfig",
    "PlannedRun",
    "ReportConfig",
    "Study",
    "StudyConfig",
    "builtin_studies",
    "builtin_study_path",
    "load_study",
]
