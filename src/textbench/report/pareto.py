"""Pareto front of (cost, quality) points: lower cost and higher quality are better."""

from __future__ import annotations

from typing import Sequence


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the non-dominated points, ordered by increasing cost.

    A point is dominated when another costs no more and scores at least as well, and is
    strictly better in one of the two. Among exact duplicates the first is kept.
    """
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1], i))
    front: list[int] = []
    best = float("-inf")
    for i in order:
        if points[i][1] > best:
            front.append(i)
            best = points[i][1]
    return front
