"""A description of the machine and its load, printed with every result."""

from __future__ import annotations

import os
import platform
import resource
import time
from dataclasses import dataclass
from pathlib import Path

_PROC_STAT = Path("/proc/stat")


@dataclass(frozen=True, slots=True)
class Machine:
    cores: int
    cpu_model: str
    python: str
    system: str


def describe_machine() -> Machine:
    return Machine(
        cores=os.cpu_count() or 1,
        cpu_model=_cpu_model(),
        python=platform.python_version(),
        system=f"{platform.system()} {platform.release()}",
    )


def load_average() -> tuple[float, float, float] | None:
    """Return the 1, 5 and 15 minute load averages, or None where the OS does not report them."""
    try:
        return os.getloadavg()
    except OSError:
        return None


@dataclass(frozen=True, slots=True)
class CpuSample:
    """CPU time counters at one moment, in seconds."""

    wall: float
    # Busy time of all processes since boot, from /proc/stat; None where that file is missing.
    busy: float | None
    # This process and its finished, waited-for children, such as closed extraction pools.
    own: float


def sample_cpu() -> CpuSample:
    own = 0.0
    for target in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(target)
        own += usage.ru_utime + usage.ru_stime
    return CpuSample(time.monotonic(), _busy_seconds(), own)


def other_share(before: CpuSample, after: CpuSample, cores: int) -> float | None:
    """Return the share of the machine's CPU time that other processes used between two samples."""
    if before.busy is None or after.busy is None or after.wall <= before.wall:
        return None
    others = (after.busy - before.busy) - (after.own - before.own)
    return max(0.0, others) / ((after.wall - before.wall) * cores)


def _busy_seconds() -> float | None:
    try:
        first_line = _PROC_STAT.read_text(encoding="ascii").splitlines()[0]
    except (OSError, IndexError):
        return None
    # cpu user nice system idle iowait irq softirq steal ..., in clock ticks.
    fields = [int(value) for value in first_line.split()[1:9]]
    busy_ticks = sum(fields) - fields[3] - fields[4]
    return busy_ticks / os.sysconf("SC_CLK_TCK")


def _cpu_model() -> str:
    # platform.processor() is often empty on Linux, where /proc/cpuinfo names the model.
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"
