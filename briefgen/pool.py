"""Worker processes for rendering, started before the dossier is read.

Each worker imports WeasyPrint and the pipeline once, while the main process
reads and validates the dossier: on a machine with two cores or more, that
start-up is then paid in parallel rather than in turn.  This module imports
nothing heavy itself, so that the workers start before the main process has
loaded anything but the command line.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager


def _warm() -> None:
    import weasyprint  # noqa: F401

    from . import build  # noqa: F401


@contextmanager
def worker_pool(workers: int) -> Iterator[Executor | None]:
    """A pool of `workers` warm rendering processes, or None to render in this process."""
    if workers <= 1:
        yield None
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        for _ in range(workers):
            pool.submit(_warm)
        yield pool
