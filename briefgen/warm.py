"""Warm rendering processes for a server that runs for hours (`briefgen serve`).

The workers are forked from a server process that has imported WeasyPrint and the
pipeline once (multiprocessing's forkserver, with those modules preloaded): a worker is
warm the moment it exists, and one that dies or is retired is replaced in milliseconds.
A render is sent to them with the dossier the server has read and checked already.

- **Superseded renders stop.** A render can carry a `Ticket`: a newer request for the
  same document moves its slot on, and the render stops at its next `checkpoint`
  (before each layout the fitter runs, and before the PDF is written) with
  `Superseded`; one still waiting in the queue never starts.
- **Memory stays bounded.** Each worker is retired after `MAX_TASKS` renders, so what
  WeasyPrint and its caches keep cannot grow with the hours of use.
- **A crash is not the server's.** A worker that dies (a font library's fault, the
  memory of the machine) breaks only the renders it had: the pool is made again and
  the render tried once more.
- **No orphans.** A worker whose server was killed notices it within a second and exits.

Without workers (`WarmPool(0)`, the test client's default) the same tickets and
checkpoints work in the calling thread.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

MAX_TASKS = 50
"""Renders a worker makes before it is replaced by a fresh one."""
SLOTS = 256
"""Documents whose latest request is followed at once; past it, the least lately asked
gives its slot up (a render of it still under way is then stopped as superseded)."""
PRELOAD = ["weasyprint", "briefgen.pdf", "briefgen.press"]
"""What the fork server imports once, so that every worker starts warm."""
WATCH_SECONDS = 1.0
"""How often a worker looks whether its server is still there."""


def server_workers() -> int:
    """The workers a server starts: two (a document and the panel, or two documents of a
    build, at once), one on a machine with a single core."""
    return max(1, min(2, os.cpu_count() or 1))


class Superseded(Exception):
    """A newer request for the same document came while this render waited or ran."""


@dataclass(frozen=True)
class Ticket:
    """Which request a render answers: the latest for its slot, unless `number` is behind.
    A render that must go to its end (a build asked for) holds a ticket that does not
    stop it (`stops` false): its number still tells its probes apart from others'."""

    slot: int
    number: int
    stops: bool = True


_shared: Any = None
"""In a worker: the latest request number of each slot, shared with the server."""
_probes: Any = None
"""In a worker: what a probe found for each slot (see `Probe`), shared with the others."""
PROBE_FIELDS = 5
"""A probe's record: request number, scale, pages, page height, room free at the foot."""
_current = threading.local()
"""The ticket of the render under way in this thread, and the numbers it is checked with."""


def checkpoint() -> None:
    """Stop the render under way (Superseded) when a newer request for its document came;
    nothing outside a render that carries a ticket."""
    ticket: Ticket | None = getattr(_current, "ticket", None)
    flags = getattr(_current, "flags", None)
    if ticket is None or not ticket.stops or flags is None:
        return
    if flags[ticket.slot] != ticket.number:
        raise Superseded


@dataclass(frozen=True)
class Probe:
    """What a layout at `scale` found, made by another worker for the same request: all the
    fitter needs of a layout it will not write (pages, page height, room free)."""

    scale: float
    pages: int
    page_height: float
    free: float


PROBE_WAIT = 2.0
"""Seconds the fitter waits for a probe under way before it lays that scale out itself."""


def probed(scale: float) -> Probe | None:
    """What another worker found at `scale` for the render under way: once it has finished
    (waited for while it is under way, at most PROBE_WAIT seconds), else None."""
    ticket: Ticket | None = getattr(_current, "ticket", None)
    if ticket is None or _probes is None:
        return None
    at = ticket.slot * PROBE_FIELDS
    deadline = time.monotonic() + PROBE_WAIT
    while _probes[at] == -ticket.number and _probes[at + 1] == scale:
        if time.monotonic() > deadline:
            return None
        checkpoint()
        time.sleep(0.002)
    number, found, pages, height, free = _probes[at : at + PROBE_FIELDS]
    if number != ticket.number or found != scale or _probes[at] != number:
        return None
    return Probe(scale, int(pages), height, free)


def probing(scale: float) -> None:
    """Say a probe of `scale` for this render is under way (the fitter then waits for it)."""
    ticket: Ticket | None = getattr(_current, "ticket", None)
    if ticket is None or _probes is None:
        return
    at = ticket.slot * PROBE_FIELDS
    _probes[at + 1] = scale
    _probes[at] = -ticket.number


def record_probe(probe: Probe) -> None:
    """Tell the render this probe was made for what it found (its number written last)."""
    ticket: Ticket | None = getattr(_current, "ticket", None)
    if ticket is None or _probes is None:
        return
    at = ticket.slot * PROBE_FIELDS
    _probes[at + 1 : at + PROBE_FIELDS] = [probe.scale, probe.pages, probe.page_height, probe.free]
    _probes[at] = ticket.number


def _with_ticket(ticket: Ticket | None, flags: Any, function: Callable[..., T], *args: Any) -> T:
    """Run `function(*args)` as the render `ticket` stands for, checked against `flags`
    (None in a worker: the numbers it shares with the server)."""
    _current.ticket, _current.flags = ticket, _shared if flags is None else flags
    try:
        checkpoint()  # superseded while it waited: it does not start
        return function(*args)
    finally:
        _current.ticket = _current.flags = None


def _worker_start(flags: Any, probes: Any, server: int) -> None:
    """In each worker: take the shared flags and probes, leave Ctrl-C to the server (which
    stops the workers itself), and leave when the server is gone."""
    global _shared, _probes
    _shared, _probes = flags, probes
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while True:
            time.sleep(WATCH_SECONDS)
            if not alive(server):
                pdf = sys.modules.get("briefgen.pdf")
                if pdf is not None:
                    pdf.forget_fonts()  # a process that leaves this way runs no clean-up
                os._exit(0)

    threading.Thread(target=watch, daemon=True, name="briefgen-watch-server").start()


def alive(pid: int) -> bool:
    """Whether the process `pid` still runs (a zombie counts as gone, another user's
    process as running)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def _ready() -> int:
    """A task that only says the worker is up (used to start them early)."""
    return os.getpid()


class WarmPool(Executor):
    """Up to `workers` warm rendering processes (none: render in the calling thread)."""

    def __init__(self, workers: int, max_tasks: int = MAX_TASKS) -> None:
        self.workers = workers
        self.max_tasks = max_tasks
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._numbers = itertools.count(1)
        self._slots: OrderedDict[Hashable, int] = OrderedDict()
        self._context = multiprocessing.get_context("forkserver") if workers else None
        self._flags: Any = (
            self._context.Array("q", SLOTS, lock=False) if self._context else [0] * SLOTS
        )
        self._probes: Any = (
            self._context.Array("d", SLOTS * PROBE_FIELDS, lock=False) if self._context else None
        )
        self.restarts = 0
        """How many times the workers were made again after one died."""

    def start(self) -> None:
        """Start the workers now rather than at the first render (they start warm)."""
        if self.workers:
            executor = self._pool()
            for _ in range(self.workers):
                executor.submit(_ready)

    def ticket(self, key: Hashable, stops: bool = True) -> Ticket:
        """A new request for the document `key`: any earlier one for it is superseded (and,
        unless `stops` is false, this one by any later)."""
        with self._lock:
            slot = self._slots.pop(key, None)
            if slot is None and len(self._slots) < SLOTS:
                slot = len(self._slots)
            elif slot is None:
                slot = self._slots.popitem(last=False)[1]
            self._slots[key] = slot
            number = next(self._numbers)
            self._flags[slot] = number
            return Ticket(slot, number, stops)

    def is_latest(self, ticket: Ticket) -> bool:
        """Whether no newer request for the ticket's document came."""
        with self._lock:
            return bool(self._flags[ticket.slot] == ticket.number)

    def run(self, function: Callable[..., T], *args: Any, ticket: Ticket | None = None) -> T:
        """`function(*args)` in a warm worker (or here, without workers), as `ticket`'s
        render: Superseded when a newer request for its document came first.  A worker
        that dies under it makes the pool again and the call is tried once more."""
        return self.settle(lambda: self.submit_as(ticket, function, *args))

    def settle(self, start: Callable[[], Future[T]]) -> T:
        """The result of the work `start` sends to the workers; if a worker dies under it,
        the pool is made again and the work sent once more."""
        for attempt in (1, 2):
            try:
                return start().result()
            except BrokenProcessPool:
                self.forget_broken()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def probe(self, function: Callable[..., Any], *args: Any, ticket: Ticket) -> None:
        """Start `function(*args)` in another worker as a probe for `ticket`'s render
        (see `Probe`), when the pool has a worker to spare; never waited for."""
        if self.workers < 2:
            return
        executor = self._pool()
        with contextlib.suppress(BrokenProcessPool, RuntimeError):
            executor.submit(_with_ticket, ticket, None, function, *args)

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        """`fn(*args)` in a warm worker, as `Executor.submit` (no ticket, no retry: a
        worker that dies fails this future, and the next call makes the pool again)."""
        if kwargs:
            raise TypeError("WarmPool.submit takes positional arguments")
        return self.submit_as(None, fn, *args)

    def submit_as(self, ticket: Ticket | None, fn: Callable[..., T], *args: Any) -> Future[T]:
        """`fn(*args)` as `ticket`'s render, in a warm worker (done here, at once, without
        workers); not tried again if the worker dies."""
        if not self.workers:
            done: Future[T] = Future()
            try:
                done.set_result(_with_ticket(ticket, self._flags, fn, *args))
            except BaseException as error:  # handed to whoever waits for it
                done.set_exception(error)
            return done
        executor = self._pool()
        try:
            return executor.submit(_with_ticket, ticket, None, fn, *args)
        except BrokenProcessPool:
            self._broken(executor)
            return self._pool().submit(_with_ticket, ticket, None, fn, *args)

    def forget_broken(self) -> None:
        """Make the pool again at the next call if a worker died under the last one."""
        with self._lock:
            executor = self._executor
        if executor is not None and getattr(executor, "_broken", False):
            self._broken(executor)

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                assert self._context is not None
                self._context.set_forkserver_preload(PRELOAD)
                self._executor = ProcessPoolExecutor(
                    self.workers,
                    mp_context=self._context,
                    initializer=_worker_start,
                    initargs=(self._flags, self._probes, os.getpid()),
                    max_tasks_per_child=self.max_tasks,
                )
            return self._executor

    def _broken(self, executor: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is executor:
                self._executor = None
                self.restarts += 1
        executor.shutdown(wait=False, cancel_futures=True)

    def pids(self) -> list[int]:
        """The workers' process ids (for the bench and the tests)."""
        with self._lock:
            processes = getattr(self._executor, "_processes", None) or {}
            return sorted(processes)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = True) -> None:
        """Stop the workers (those rendering finish first, unless not waited for)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait, cancel_futures=cancel_futures)
