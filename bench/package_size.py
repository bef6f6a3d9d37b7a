"""Each function's deployment package, zipped, as `sam build` would make it for arm64 Lambda:
the service's code and its requirements.txt, without boto3 and botocore, which the Lambda
runtime provides. The contracts layer is measured the same way. Target: under 10 MB each.

    .venv/bin/python bench/package_size.py

It downloads the arm64 wheels from PyPI through uv (cached after the first run).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "contracts"))

from prune_locales import prune  # noqa: E402 - the layer's own build step, measured as built

RESULTS = ROOT / "bench" / "results"
LIMIT_MB = 10.0
PROVIDED = ("boto3", "botocore", "s3transfer")
PACKAGES = {
    **{
        service: (ROOT / "services" / service / "requirements.txt", ROOT / "services" / service)
        for service in ("intake", "inventory", "payments", "notifications", "recommendations")
    },
    "contracts layer": (ROOT / "contracts" / "requirements.txt", ROOT / "contracts"),
}


def build(requirements: Path, code: Path, into: Path) -> None:
    uv = Path(sys.executable).with_name("uv")
    subprocess.run(
        [
            str(uv),
            "pip",
            "install",
            "--quiet",
            "--target",
            str(into),
            "--python-platform",
            "aarch64-manylinux2014",
            "--python-version",
            "3.11",
            "--only-binary",
            ":all:",
            "-r",
            str(requirements),
        ],
        check=True,
    )
    for provided in into.iterdir():
        if provided.name.split("-")[0] in PROVIDED:
            shutil.rmtree(provided, ignore_errors=True)
    if (into / "babel").exists():
        prune(into / "babel" / "locale-data")
    for package in code.iterdir():
        if package.is_dir() and (package / "__init__.py").exists():
            shutil.copytree(package, into / package.name, ignore=shutil.ignore_patterns("tests"))


def zipped_mb(folder: Path, archive: Path) -> float:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                bundle.write(path, path.relative_to(folder))
    return archive.stat().st_size / 1_000_000


def main() -> int:
    sizes: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, (requirements, code) in PACKAGES.items():
            folder = Path(scratch) / name.replace(" ", "-")
            build(requirements, code, folder)
            sizes[name] = round(zipped_mb(folder, folder.with_suffix(".zip")), 2)
    print(f"{'package':20} {'zipped MB':>10}")
    for name, size in sizes.items():
        print(f"{name:20} {size:>10.2f}")
        if size > LIMIT_MB:
            print(f"MISS {name}: {size:.2f} MB is over {LIMIT_MB} MB")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "package_size.json").write_text(json.dumps(sizes, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
