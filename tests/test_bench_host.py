"""bench/host.py: what a benchmark says of the machine it ran on (the steal share and its reading of /proc/stat)."""

from __future__ import annotations

from bench import host


def test_steal_share_counts_stolen_ticks_among_busy_ones():
    assert host.steal_pct((1000, 100), (1400, 200)) == 25.0
    assert host.steal_pct((1000, 100), (1000, 100)) is None  # nothing ran between the readings
    assert host.steal_pct(None, (1400, 200)) is None


def test_cpu_ticks_reads_the_first_line_of_proc_stat(tmp_path, monkeypatch):
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 5 20 9000 7 1 2 30 0 0\ncpu0 50 2 10 4500 3 1 1 15 0 0\n")
    monkeypatch.setattr(host, "STAT", stat)
    assert host.cpu_ticks() == (100 + 5 + 20 + 1 + 2 + 30, 30)  # idle and iowait are not busy
    monkeypatch.setattr(host, "STAT", tmp_path / "absent")
    assert host.cpu_ticks() is None
