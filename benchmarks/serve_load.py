"""Load on the web service: 50 clients on 127.0.0.1 asking for the flagship forecast (the four standard models,
each run stored) as fast as they can for 60 seconds. Prints the requests served, errors, p50 and p99 latency,
and the memory of the server and its workers at the start and at the end. The baseline, measured in the same
run, is the same four models run in this process with no service around them: the latency ratio is what HTTP,
JSON, the worker processes and the run store add.

    python benchmarks/serve_load.py [--clients 50] [--seconds 60] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx2
import numpy as np

import ktokovo

BODY = {"scenario": {"builtin": "ukraine-2025"}}


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants (from /proc), in MiB."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def baseline_seconds(repeats: int = 50) -> float:
    scenario = ktokovo.load("ukraine-2025")
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for model in ("mean", "median", "nash", "bdm"):
            ktokovo.run(scenario, model)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "KTOKOVO_DB": str(Path(tempfile.mkdtemp()) / "runs.sqlite")}
    command = [sys.executable, "-m", "ktokovo", "serve", "--port", str(port), "--workers", str(args.workers)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/api/forecast"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx2.post(url, json=BODY, timeout=30).status_code == 200:  # also warms the workers
                    break
            except httpx2.TransportError:
                time.sleep(0.2)
            if time.monotonic() > deadline:
                sys.exit("the service did not start")
        baseline = baseline_seconds()
        memory_start = tree_rss_mib(server.pid)
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        stop = time.monotonic() + args.seconds

        def client() -> None:
            with httpx2.Client(timeout=120) as session:
                while time.monotonic() < stop:
                    start = time.perf_counter()
                    try:
                        response = session.post(url, json=BODY)
                        ok = response.status_code == 200 and len(response.json()["issues"]) == 7
                        problem = "" if ok else f"{response.status_code}: {response.text[:200]}"
                    except Exception as error:  # noqa: BLE001 - every failure counts as an error here
                        problem = f"{type(error).__name__}: {error}"
                    elapsed = time.perf_counter() - start
                    with lock:
                        latencies.append(elapsed)
                        if problem:
                            errors.append(problem)

        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - began
        memory_end = tree_rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    p50, p99 = np.quantile(latencies, [0.5, 0.99])
    print(
        f"{args.clients} clients, {wall:.0f} s, {args.workers} workers: {len(latencies)} requests "
        f"({len(latencies) / wall:.1f}/s), {len(errors)} errors"
    )
    if errors:
        print("first error:", errors[0])
    print(f"latency p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
    print(
        f"baseline (the four models in-process): {baseline * 1000:.1f} ms; p50 / baseline = {p50 / baseline:.0f}x "
        f"(with {args.clients} clients queued on {args.workers} workers)"
    )
    print(f"server memory (with its workers): {memory_start:.0f} MiB at the start, {memory_end:.0f} MiB at the end")


if __name__ == "__main__":
    main()
