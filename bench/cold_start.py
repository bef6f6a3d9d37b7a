"""Cold start: how long each Lambda handler module takes to import and initialise, as a ratio
to a bare handler that imports only boto3, measured in the same run.

Each sample is a fresh interpreter (`python -X importtime` is not used: it slows imports),
timed from start to the handler being importable, with an empty AWS environment as a
Lambda cold start has before its first request. Tracing off and on are both measured.

    .venv/bin/python bench/cold_start.py [--samples 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SERVICES = ("intake", "inventory", "payments", "notifications", "recommendations")
BASELINE = "import boto3\ndef handler(event, context):\n    return event\n"
TARGETS = {"tracing off": 1.3, "tracing on": 1.6}


def _environment(tracing: bool) -> dict[str, str]:
    paths = [str(ROOT / "contracts"), *(str(ROOT / "services" / s) for s in SERVICES)]
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": os.pathsep.join(paths),
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    if not tracing:
        env["POWERTOOLS_TRACE_DISABLED"] = "true"
    return env


def _once(code: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def measure(samples: int) -> dict[str, dict[str, float]]:
    """Median seconds per module, sampled in rounds that interleave the baseline, so that
    load from elsewhere on the machine falls on both sides of each ratio alike."""
    codes = {"baseline": BASELINE, **{f"{s}.handlers": f"import {s}.handlers" for s in SERVICES}}
    results: dict[str, dict[str, float]] = {}
    for label, tracing in (("tracing off", False), ("tracing on", True)):
        env = _environment(tracing)
        times: dict[str, list[float]] = {name: [] for name in codes}
        for _ in range(samples):
            for name, code in codes.items():
                times[name].append(_once(code, env))
        base = statistics.median(times.pop("baseline"))
        results[label] = {"baseline seconds": round(base, 4)}
        results[label] |= {name: round(statistics.median(t) / base, 3) for name, t in times.items()}
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description="Cold import and init of every handler module.")
    parser.add_argument("--samples", type=int, default=7)
    arguments = parser.parse_args()
    results = measure(arguments.samples)

    misses = []
    print(f"{'module':32} {'tracing off':>12} {'tracing on':>12}")
    for module in (m for m in results["tracing off"] if m != "baseline seconds"):
        row = [results[label][module] for label in TARGETS]
        print(f"{module:32} {row[0]:>11.2f}x {row[1]:>11.2f}x")
        misses += [
            f"{module} {label}: {results[label][module]:.2f}x > {target}x"
            for label, target in TARGETS.items()
            if results[label][module] > target
        ]
    off, on = (results[label]["baseline seconds"] for label in TARGETS)
    print(f"{'(bare boto3 handler, seconds)':32} {off:>12} {on:>12}")
    for miss in misses:
        print(f"MISS {miss}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "cold_start.json").write_text(
        json.dumps({"ratios": results, "targets": TARGETS, "misses": misses}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
