"""What one run asks of a cluster node (``resources:`` in a study file; used by ``--executor ray``).

```yaml
resources: {num_cpus: 2}               # every run of the study
arms:
  - name: minilm-full
    resources: {num_gpus: 1, memory_gb: 8}   # this arm's runs (over the study's)
```

Unset keys take the run kind's defaults: a classic baseline 1 CPU and no GPU; a model run 2
CPUs (never more than the largest node has) and 1 GPU when the cluster has GPUs. A model run
trains with as many torch threads as it has CPUs.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from textbench.errors import ConfigError

MODEL_RUN_CPUS = 2


@dataclass
class ResourcesConfig:
    num_cpus: float | None = None  # CPUs Ray reserves for the run (default: 1 baseline, 2 model run)
    num_gpus: float | None = None  # GPUs (default: 1 for a model run when the cluster has GPUs, else 0)
    memory_gb: float | None = None  # memory Ray reserves (GiB); the run waits for a node with this much free

    def validate(self, where: str) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and value < 0:
                raise ConfigError(f"{where}.{f.name}: must be >= 0, got {value}")
        if self.num_cpus is not None and self.num_cpus < 1:
            raise ConfigError(f"{where}.num_cpus: a run needs at least 1 CPU, got {self.num_cpus}")

    def over(self, base: ResourcesConfig | None) -> ResourcesConfig:
        """These settings, with ``base``'s where these are unset."""
        if base is None:
            return self
        return ResourcesConfig(**{f.name: getattr(self, f.name) if getattr(self, f.name) is not None
                                  else getattr(base, f.name) for f in fields(self)})


@dataclass(frozen=True)
class TaskResources:
    """Resolved: what the run's Ray task asks for."""

    num_cpus: float
    num_gpus: float
    memory_bytes: int | None

    @property
    def threads(self) -> int:
        return max(1, int(self.num_cpus))

    def ray_options(self) -> dict[str, float | int]:
        out: dict[str, float | int] = {"num_cpus": self.num_cpus, "num_gpus": self.num_gpus}
        if self.memory_bytes:
            out["memory"] = self.memory_bytes
        return out


def task_resources(wanted: ResourcesConfig | None, *, baseline: bool, cluster_gpus: float,
                   largest_node_cpus: float) -> TaskResources:
    """The run kind's defaults under what the study and arm set."""
    wanted = wanted or ResourcesConfig()
    cpus = wanted.num_cpus
    if cpus is None:
        cpus = 1.0 if baseline else float(max(1.0, min(MODEL_RUN_CPUS, largest_node_cpus)))
    gpus = wanted.num_gpus
    if gpus is None:
        gpus = 0.0 if baseline or cluster_gpus < 1 else 1.0
    memory = int(wanted.memory_gb * 2**30) if wanted.memory_gb else None
    return TaskResources(float(cpus), float(gpus), memory)
