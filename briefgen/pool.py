"""Worker processes for rendering, started before the dossier is read.

Each worker imports WeasyPrint and the printing end of the pipeline (`press`) once,
while the main process reads and validates the dossier and makes the pages: on a machine
with two cores or more, that start-up is then paid in parallel rather than in turn.
This module imports nothing heavy itself, so that the workers start before the main
process has loaded anything but the command line.

The workers are forked from this process when it runs a single thread (the command
line), and from a fork server otherwise (a program that calls the pipeline from a
thread while others run, or that loaded a library running threads of its own): a fork
copies the locks other threads hold, and a lock held at that moment would never be
released in the worker.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager


def _warm() -> None:
    import weasyprint  # noqa: F401

    from . import pdf, press  # noqa: F401


def start_method() -> str:
    """How workers are started from this process: "fork" when it runs one thread alone,
    else "forkserver".  Threads are counted by the system (those a library started in C,
    which `threading` does not see, included) where it tells them."""
    try:
        threads = len(os.listdir("/proc/self/task"))
    except OSError:
        import threading

        threads = threading.active_count()
    return "fork" if threads == 1 else "forkserver"


@contextmanager
def worker_pool(workers: int, documents: int | None = None) -> Iterator[Executor | None]:
    """A pool of `workers` warm rendering processes, or None to render in this process
    (`workers` 1).  Known to be fewer, the `documents` to render bound the processes
    started: a single document gets one, which prints while this process makes the page."""
    if workers <= 1:
        yield None
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    started = max(min(workers, documents or workers), 1)
    context = multiprocessing.get_context(start_method())
    with ProcessPoolExecutor(max_workers=started, mp_context=context) as pool:
        for _ in range(started):
            pool.submit(_warm)
        try:
            yield pool
        except BrokenProcessPool as error:  # killed, or a fault in a library it runs
            from .errors import BriefgenError, Problem
            from .i18n import lazy

            stopped = lazy(
                "a rendering process stopped in the middle of the build (the machine may "
                "lack memory); nothing was written and earlier output is unchanged: build "
                "again, or with -j 1 to render everything in one process"
            )
            raise BriefgenError(Problem(stopped)) from error
