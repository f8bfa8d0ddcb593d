"""Memory figures of the benchmark's own process (Linux /proc), shared by the scripts."""

from __future__ import annotations

import resource
from pathlib import Path


def status_mb(field: str) -> float | None:
    """A memory figure of /proc/self/status (VmHWM, VmRSS) in MB, None where there is none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def peak_mb() -> float:
    """This process's peak resident memory. VmHWM rather than ru_maxrss, which a child started
    from a big parent inherits (Linux keeps the parent's high-water mark across exec) and which
    cannot be reset."""
    peak = status_mb("VmHWM")
    if peak is not None:
        return peak
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> bool:
    """Bring this process's peak resident memory (VmHWM) down to its current size, so that the
    next peak_mb() is the peak of what runs from now on. Linux 4.0+; False when not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    peak, now = status_mb("VmHWM"), status_mb("VmRSS")
    return peak is not None and now is not None and peak <= now * 1.05 + 1
