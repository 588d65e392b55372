#!/usr/bin/env python3
"""Starts a real Triton Inference Server on a model repository and reads its verdict.

    $ZOO_PYTHON tests/python/check_tritonserver.py REPO [--server PATH] [--timeout S]

The `nvidia-pytriton` wheel (scripts/requirements-nodeps.txt, installed without its
dependencies: only its binary is used) carries `pytriton/tritonserver/bin/tritonserver`
2.51 with the python backend only. So the server reads and validates every model
configuration of REPO (model_repository_manager: name = folder, max_batch_size, dims,
dynamic_batching, instance_group, ...) and then fails to load each model for want of the
onnxruntime backend library. That last failure is the one expected: a model passes when its
status is exactly "unable to find backend library for backend 'onnxruntime'"; any other
status, any "Poll failed for model directory" line (a configuration Triton rejects before
loading) and any model folder missing from the server's status table is a failure.

Nothing listens: HTTP, gRPC and metrics are off (no port is opened, on 127.0.0.1 or
anywhere); `--exit-on-error` makes the server exit once loading fails, and its log is read
until it exits, within --timeout seconds (default 120), else it is killed and that is a
failure. Loading a model into the onnxruntime backend cannot be tested with this wheel.
Prints one JSON object; exits 1 with the failures on stderr when a check fails.
"""

import argparse
import importlib.util
import json
import os
import re
import subprocess
import sys

EXPECTED = "unable to find backend library for backend 'onnxruntime'"


def find_server():
    # find_spec does not import the package (pytriton's own imports need numpy < 2).
    spec = importlib.util.find_spec("pytriton")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = os.path.join(list(spec.submodule_search_locations)[0], "tritonserver")
    return root if os.path.isfile(os.path.join(root, "bin", "tritonserver")) else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("repo")
    ap.add_argument("--server", help="the wheel's pytriton/tritonserver folder")
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args()
    root = args.server or find_server()
    if not root:
        print("tritonserver not found: pip install --no-deps nvidia-pytriton==0.7.0 "
              "(scripts/test does), or pass --server DIR", file=sys.stderr)
        return 2
    repo = os.path.abspath(args.repo)
    cmd = [
        os.path.join(root, "bin", "tritonserver"),
        f"--model-repository={repo}",
        f"--backend-directory={os.path.join(root, 'backends')}",
        f"--cache-directory={os.path.join(root, 'caches')}",
        "--exit-on-error=true", "--strict-readiness=true",
        "--allow-http=false", "--allow-grpc=false", "--allow-metrics=false",
    ]
    failures = []
    try:
        run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             timeout=args.timeout, cwd=repo)
        log, code = run.stdout, run.returncode
    except subprocess.TimeoutExpired as e:
        log = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        code = None
        failures.append(f"tritonserver did not exit within {args.timeout} s")
    version = re.search(r"\|\s*server_version\s*\|\s*(\S+)", log)
    for m in re.finditer(r"Poll failed for model directory '([^']*)': (.*?)\"?$", log, re.M):
        failures.append(f"{m.group(1)}: Triton rejects its configuration: {m.group(2)}")
    statuses = {}
    # The model status table: | name | version | status |
    table = re.search(r"\| Model\s+\| Version \| Status\s+\|\n\+[-+]+\+\n(.*?)\n\+[-+]+\+", log, re.S)
    if table:
        for row in table.group(1).splitlines():
            cells = [c.strip() for c in row.strip().strip("|").split("|")]
            if len(cells) == 3:
                statuses[cells[0]] = cells[2]
    for name, status in sorted(statuses.items()):
        if EXPECTED not in status:
            failures.append(f"{name}: status {status!r}, not the missing onnxruntime backend")
    for name in sorted(os.listdir(repo)):
        if os.path.isdir(os.path.join(repo, name)) and name not in statuses \
                and not any(f.startswith(f"{name}:") for f in failures):
            failures.append(f"{name}: not in tritonserver's model table")
    if code == 0:
        failures.append("tritonserver exited 0: it loaded every model, which this wheel cannot")
    print(json.dumps({"ok": not failures, "server_version": version.group(1) if version else None,
                      "exit_code": code, "models": statuses, "failures": failures}))
    for f in failures:
        print(f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
