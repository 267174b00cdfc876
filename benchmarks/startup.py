"""Start-up time of ``flowservice-mock serve``: process spawn to the first 200 of /_mock/health.

Usage::

    python benchmarks/startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import subprocess
import sys
import time

from servers import HOST, free_port


def once() -> float:
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "mockserver", "serve", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = started + 20
        while time.perf_counter() < deadline:
            conn = http.client.HTTPConnection(HOST, port, timeout=1)
            try:
                conn.request("GET", "/_mock/health")
                if conn.getresponse().status == 200:
                    return time.perf_counter() - started
            except OSError:
                time.sleep(0.002)
            finally:
                conn.close()
        raise RuntimeError("no answer within 20 s")
    finally:
        proc.terminate()
        proc.wait(10)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    times = sorted(once() * 1000 for _ in range(args.runs))
    print(f"start-up over {args.runs} runs: median {statistics.median(times):.0f} ms, "
          f"min {times[0]:.0f} ms, max {times[-1]:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
