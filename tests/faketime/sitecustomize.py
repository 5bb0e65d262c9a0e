"""Loaded by every Python process of `make test-future` (PYTHONPATH=tests/faketime): mends `time.sleep`
under libfaketime.

With the monotonic clock left real (FAKETIME_DONT_FAKE_MONOTONIC=1, which thread and lock timeouts
need), libfaketime 0.9.10 still shifts the absolute CLOCK_MONOTONIC deadline that CPython 3.11's
`time.sleep` hands to clock_nanosleep, so every sleep fails with EINVAL (wolfcw/libfaketime#426).
A sleep by `select` takes a relative timeout, which libfaketime passes through unchanged.
"""

import os
import select
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    select.select([], [], [], seconds)


if "faketime" in os.environ.get("LD_PRELOAD", "") and os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") == "1":
    time.sleep = _sleep
