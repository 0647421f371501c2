"""Runs started by `torchrun` / `accelerate launch`: which process writes, and keeping processes in step.

The launcher sets ``WORLD_SIZE``/``RANK``/``LOCAL_RANK``; the process group is created by
Accelerate's ``PartialState`` (gloo on CPU, nccl on GPU), the same one the ``Trainer`` uses.
Only the main process writes run files; every decision that ends or redirects training
(time budget, Ctrl-C, a failed run-folder claim) is shared so no process waits forever.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

T = TypeVar("T")


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1") or 1)


def local_world_size() -> int:
    return int(os.environ.get("LOCAL_WORLD_SIZE", os.environ.get("WORLD_SIZE", "1")) or 1)


def is_distributed() -> bool:
    return world_size() > 1


def rank() -> int:
    return int(os.environ.get("RANK", "0") or 0)


def is_main() -> bool:
    return rank() == 0


def init() -> None:
    """Create the process group (once) when launched with several processes."""
    if not is_distributed():
        return
    import torch

    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return
    from accelerate import PartialState

    PartialState(cpu=not torch.cuda.is_available())


def _group_ready() -> bool:
    if not is_distributed():  # a single process never imports torch here (baselines run without it)
        return False
    import torch

    return torch.distributed.is_available() and torch.distributed.is_initialized()


def barrier() -> None:
    if _group_ready():
        import torch

        torch.distributed.barrier()


def any_processes(*flags: bool) -> tuple[bool, ...]:
    """Each flag, true on every process when it is true on at least one (one collective for all)."""
    if not _group_ready():
        return tuple(flags)
    import torch

    t = torch.tensor([int(f) for f in flags], dtype=torch.int64)
    if torch.distributed.get_backend() == "nccl":
        t = t.cuda()
    torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.MAX)
    return tuple(bool(v) for v in t.tolist())


def on_main(fn: Callable[[], T]) -> T:
    """Run ``fn`` on the main process and give its result (or its error) to every process."""
    if not _group_ready():
        return fn()
    import torch

    box: list[Any] = [None]
    if is_main():
        try:
            box[0] = ("ok", fn())
        except BaseException as e:  # noqa: BLE001 - re-raised on every process below
            box[0] = ("error", e)
    torch.distributed.broadcast_object_list(box, src=0)
    kind, value = box[0]
    if kind == "error":
        raise value
    return value


@contextmanager
def main_process_first() -> Iterator[None]:
    """The main process goes first (fills caches: trained tokenizers, converted models); the others follow."""
    if not _group_ready():
        yield
        return
    if not is_main():
        barrier()
    try:
        yield
    finally:
        if is_main():
            barrier()


def threads_per_process(cores: int) -> int:
    """Cores a CPU process may use when several share the machine."""
    return max(1, cores // max(1, local_world_size()))
