"""What the machine gave a benchmark: load average, the share of CPU time the hypervisor took (steal) while it
ran, and a fixed pure-Python probe, so figures taken in different sessions can be read side by side.

A shared virtual machine is never quite "quiet": on the 2-core machines this project is measured on, the same
code has measured 1.5-2x apart between sessions, with the load average near 0 both times. Steal time (a
`/proc/stat` column) is the time a core was ready to run but the host ran someone else; the probe is the best
of three timings of one fixed loop (the slower the host, the larger). Both say how comparable two runs are.

    meter = HostMeter.start()
    ...  # the benchmark
    sys.stdout.write(meter.line() + "\\n")
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

PROBE_ADDS = 3_000_000
STAT = Path("/proc/stat")


def probe_s(rounds: int = 3) -> float:
    """Seconds of the best of `rounds` timings of PROBE_ADDS integer additions in a Python loop."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        total = 0
        for i in range(PROBE_ADDS):
            total += i
        best = min(best, time.perf_counter() - started)
    return best


def cpu_ticks() -> tuple[int, int] | None:
    """(busy ticks, stolen ticks) of all cores since boot, or None where /proc/stat is not there to read."""
    try:
        fields = STAT.read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[1:9])
    return user + nice + system + irq + softirq + steal, steal


def steal_pct(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """Stolen ticks as a share of busy ones (stolen included) between two readings of `cpu_ticks`."""
    if before is None or after is None or after[0] <= before[0]:
        return None
    return 100.0 * (after[1] - before[1]) / (after[0] - before[0])


@dataclass
class HostMeter:
    ticks: tuple[int, int] | None
    probe_before_s: float
    load_before: float

    @classmethod
    def start(cls) -> HostMeter:
        return cls(ticks=cpu_ticks(), probe_before_s=probe_s(), load_before=os.getloadavg()[0])

    def line(self) -> str:
        """One line: the load average and probe before and after, and the steal share between."""
        stolen = steal_pct(self.ticks, cpu_ticks())
        return (
            f"host: load average {self.load_before:.2f} -> {os.getloadavg()[0]:.2f}, cpu steal "
            f"{'na' if stolen is None else f'{stolen:.1f}'}% of busy time, python probe "
            f"{1000 * self.probe_before_s:.0f} -> {1000 * probe_s():.0f} ms ({PROBE_ADDS:,} adds, best of 3)"
        )
