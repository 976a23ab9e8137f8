"""Timing of whole processes, shared by the benchmark scripts."""
import os
import subprocess
import sys
import time


def timed(cmd, stdin, out):
    """Runs `cmd` with its stdin from the file `stdin` (None: /dev/null) and its stdout into
    the file `out`; returns (wall seconds, user+sys seconds). Exits with the command's
    stderr if it fails."""
    with open(stdin or os.devnull, "rb") as fin, open(out, "wb") as fout:
        start = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=fin, stdout=fout, stderr=subprocess.PIPE)
        err = p.stderr.read()
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - start
    p.stderr.close()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{err.decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime
