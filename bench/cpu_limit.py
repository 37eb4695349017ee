"""A CPU quota for one benchmark process, through a Linux cgroup.

Why: the replica benchmark asks whether two replicas handle 1.6 x the updates of one. That is a
question about the design (does anything shared serialise the replicas?), and on a machine
with two cores it cannot be answered by letting each replica take what it can: the simulator,
the simulated people, PostgreSQL and the replicas share those two cores, so one replica is
already limited by the machine, not by itself. Capping every replica at the same fraction of a
core gives each the machine of its own it would have in production, small enough that the
rest of the benchmark is not the limit; the ratio then shows how the design scales.

cgroup v1 (the `cpu` controller: cpu.cfs_quota_us / cpu.cfs_period_us) and v2 (cpu.max) are
both supported; creating a group needs root (or a delegated cgroup). `CpuQuota.unavailable()`
says in plain words why a quota cannot be set, and the benchmark then runs without one.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
# A short period spreads the quota over the second instead of granting it in 100 ms bursts
# (the kernel's default), so a capped process is slowed evenly rather than frozen in turns.
PERIOD_US = 10_000


def _v1_root() -> Path | None:
    for name in ("cpu", "cpu,cpuacct"):
        folder = CGROUP_ROOT / name
        if (folder / "cpu.cfs_quota_us").exists():
            return folder
    return None


def _v2_root() -> Path | None:
    controllers = CGROUP_ROOT / "cgroup.controllers"
    if controllers.exists() and "cpu" in controllers.read_text().split():
        return CGROUP_ROOT
    return None


class CpuQuota:
    """Caps the processes moved into it at `cpus` cores (0.25 = a quarter of one core)."""

    def __init__(self, name: str, cpus: float) -> None:
        if cpus <= 0:
            raise ValueError("a CPU quota must be above 0 cores")
        self.cpus = cpus
        self._name = f"gigbroker-bench-{name}-{uuid.uuid4().hex[:6]}"
        self._folder: Path | None = None

    @staticmethod
    def unavailable() -> str | None:
        """None when a quota can be set here, else the reason it cannot."""
        root = _v1_root() or _v2_root()
        if root is None:
            return "no cgroup cpu controller is mounted under /sys/fs/cgroup"
        if not os.access(root, os.W_OK):
            return f"{root} is not writable (creating a cgroup needs root)"
        return None

    def apply(self, pid: int) -> None:
        """Create the group with the quota and move `pid` (all its threads) into it."""
        quota = max(1000, int(self.cpus * PERIOD_US))
        v1 = _v1_root()
        if v1 is not None:
            folder = v1 / self._name
            folder.mkdir()
            (folder / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (folder / "cpu.cfs_quota_us").write_text(str(quota))
        else:
            v2 = _v2_root()
            if v2 is None:
                raise RuntimeError(self.unavailable() or "no cgroup cpu controller")
            folder = v2 / self._name
            folder.mkdir()
            (folder / "cpu.max").write_text(f"{quota} {PERIOD_US}")
        self._folder = folder
        (folder / "cgroup.procs").write_text(str(pid))

    def remove(self) -> None:
        """Remove the group (its processes must have exited, or are moved back first)."""
        if self._folder is None:
            return
        procs = self._folder / "cgroup.procs"
        parent = self._folder.parent / "cgroup.procs"
        with contextlib.suppress(OSError):  # the processes may be gone already
            for pid in procs.read_text().split():
                parent.write_text(pid)
        with contextlib.suppress(OSError):
            self._folder.rmdir()
        self._folder = None
