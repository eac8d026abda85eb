"""Run a command and print its wall time and peak RSS (the largest resident set of it and
its children, from getrusage), e.g. the demo generator's.

Run: .venv/bin/python benchmarks/peak.py .venv/bin/servicelens demo --tickets 10000000
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time


def main() -> int:
    command = sys.argv[1:]
    t0 = time.perf_counter()
    code = subprocess.call(command)
    took = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    print(f"{' '.join(command[-4:])}: {took:.1f} s, peak RSS {peak_kb / 1024 ** 2:.2f} GiB",
          flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
