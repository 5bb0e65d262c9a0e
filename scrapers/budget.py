"""Parsing untrusted bytes under a time and memory budget, in a worker process killed past the budget.

A hostile file (a rule the bounds miss, a deep or huge document) then costs one failed parse with a
one-line reason, never the scheduler or a web worker. The worker is forked from a small server process
that has the adapters imported (multiprocessing's forkserver), so it starts in milliseconds and shares
no threads or locks with its caller. Its address space may grow by `max_memory_mb` over what it starts
with (`RLIMIT_AS`); past `timeout_s` it is killed (and `RLIMIT_CPU` stops it should its caller die).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import resource
from dataclasses import dataclass, field

from scrapers import ADAPTER_MODULES, load_adapters
from scrapers.base import Context, ParseError
from scrapers.listing import Listing

log = logging.getLogger(__name__)
# What the fork server imports once, for every worker it forks; `budget_server` first: it keeps the workers from
# running their caller's main script again (see there).
_PRELOAD = ["scrapers.budget_server", "scrapers.budget", "scrapers.detect"]
_PRELOAD += [f"scrapers.{name}" for name in ADAPTER_MODULES]


@dataclass(frozen=True)
class Budget:
    """What one parse may take: wall-clock seconds and extra megabytes of memory (0 = no worker at all)."""

    timeout_s: float = 60.0
    max_memory_mb: int = 1024


@dataclass
class Parsed:
    """What a parse in the worker gave back."""

    adapter: str
    listings: list[Listing] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the context's problems, from the worker
    next_url: str | None = None
    memo: dict = field(default_factory=dict)  # the context's memo after the parse (an adapter's state across pages)
    removals: list[str] = field(default_factory=list)  # the source keys the page deletes (incremental feeds)


class OverBudget(ParseError):
    """The parse took longer, or needed more memory, than its budget (one-line reason)."""


def parse_within(budget: Budget, adapter: type | None, body: bytes, url: str, context: Context) -> Parsed:
    """`adapter` (a class; None: the one detected from the body) parses `body` in a worker under `budget`.

    The context's problems, those it came with and the parse's, come back in `Parsed.problems`, and its
    memo in `Parsed.memo` (a worker has its own copy of `context`). Raises ParseError as the adapter
    would, OverBudget past the budget."""
    if budget.timeout_s <= 0 and budget.max_memory_mb <= 0:
        return _parse(adapter, body, url, context)
    workers = multiprocessing.get_context("forkserver")
    workers.set_forkserver_preload(_PRELOAD)
    receiver, sender = workers.Pipe(duplex=False)
    worker = workers.Process(target=_work, args=(sender, budget, adapter, body, url, context), daemon=True)
    worker.start()
    sender.close()
    try:
        if budget.timeout_s > 0 and not receiver.poll(budget.timeout_s):
            raise OverBudget(f"reading stopped: it took longer than its budget of {budget.timeout_s:g} s")
        try:
            outcome, value = receiver.recv()
        except EOFError:  # the worker died without a word: killed by the system, or a library crashed
            worker.join(5)
            raise OverBudget(
                f"reading stopped: the worker ended with code {worker.exitcode} "
                f"(over its budget of {budget.max_memory_mb} MB, or a crash)"
            ) from None
    finally:
        receiver.close()
        if worker.is_alive():
            worker.kill()
        worker.join(5)
    if outcome == "ok":
        return value
    if outcome == "memory":
        raise OverBudget(f"reading stopped: it needed more memory than its budget of {budget.max_memory_mb} MB")
    raise ParseError(value)


def _parse(adapter: type | None, body: bytes, url: str, context: Context) -> Parsed:
    from scrapers.detect import detect

    chosen = adapter() if adapter is not None else load_adapters()[detect(body, url)]()
    listings = chosen.parse(body, url, context)
    return Parsed(
        adapter=chosen.name,
        listings=listings,
        problems=context.problems,
        next_url=chosen.next_url(body, url),
        memo=context.memo,
        removals=chosen.removals(body, url),
    )


def _work(sender, budget: Budget, adapter: type | None, body: bytes, url: str, context: Context) -> None:
    """The worker: limits set, the parse run, its outcome sent as ("ok", Parsed) or (kind, reason)."""
    _limit(budget)
    try:
        outcome = ("ok", _parse(adapter, body, url, context))
    except MemoryError:
        outcome = ("memory", "")
    except ParseError as error:
        outcome = ("parse", str(error))
    except RecursionError as error:
        outcome = ("parse", f"too deeply nested to read ({error})")
    except Exception as error:  # the worker's boundary: its caller gets one line, the log the traceback
        log.exception("parse of %s failed", url or "a body")
        outcome = ("error", f"could not read it: {type(error).__name__}: {error}")
    try:
        sender.send(outcome)
    except MemoryError:
        sender.send(("memory", ""))
    except (pickle.PicklingError, TypeError, AttributeError) as error:  # a listing holding what cannot be sent
        sender.send(("error", f"could not send what was read: {type(error).__name__}: {error}"))
    sender.close()


def _limit(budget: Budget) -> None:
    if budget.max_memory_mb > 0:
        size = _address_space() + budget.max_memory_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (size if hard == resource.RLIM_INFINITY else min(size, hard), hard))
    if budget.timeout_s > 0:  # should the caller die before killing it
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        seconds = int(budget.timeout_s) + 2
        resource.setrlimit(
            resource.RLIMIT_CPU, (seconds if hard == resource.RLIM_INFINITY else min(seconds, hard), hard)
        )


def _address_space() -> int:
    """This process's virtual memory size in bytes (Linux /proc; 0 where there is none)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
