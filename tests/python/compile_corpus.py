#!/usr/bin/env python3
"""Compiles every file of the corpora nobody here wrote with `zoo compile` (--optimize, fp16,
int8) and proves each output against its original with `zoo verify OUT --reference IN` on
ONNX Runtime, tract and OpenVINO; prints the table as Markdown (scripts/compile-corpus records it
in docs/compile-corpus.md).

    $ZOO_PYTHON tests/python/compile_corpus.py ZOO_BINARY FILE...
"""

import json
import os
import subprocess
import sys
import tempfile
import time

FORMS = [
    ("optimized", ["--optimize"]),
    ("fp16", ["--optimize", "--precision", "fp16"]),
    ("int8", ["--precision", "int8"]),
]


def run(cmd):
    t = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    return p, time.monotonic() - t


def last_line(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[-1].replace("|", "\\|")[:220] if lines else ""


def cell(result):
    """One runtime's cell: its worst relative error and verdict, or why it did not run."""
    if result is None:
        return "—"
    if isinstance(result, str):
        return result
    ok = all(c["pass"] for c in result)
    cos = min((c["cosine"] for c in result if c.get("cosine") is not None), default=None)
    worst = max((c["max_abs"] for c in result if c.get("max_abs") is not None), default=None)
    if cos is None or worst is None:
        return "pass" if ok else "FAIL"
    return f"{'pass' if ok else 'FAIL'} (max abs {worst:.1e}, cos {cos:.6f})"


def skip_reason(text):
    t = text.split(":", 1)[-1].strip()
    for key, short in [
        ("no VNNI", "skip: no VNNI (u8×s8 pairs saturate)"),
        ("accumulates fp16", "skip: tract's fp16 accumulation"),
        ("Failed analyse", "skip: tract cannot load it"),
    ]:
        if key in text:
            return short
    return "skip: " + t[:60].replace("|", "\\|")


def main():
    zoo, files = sys.argv[1], sys.argv[2:]
    rows = []
    totals = {"compiled": 0, "refused": 0, "pass": 0, "fail": 0}
    with tempfile.TemporaryDirectory() as tmp:
        for f in files:
            name = os.path.splitext(os.path.basename(f))[0]
            for form, args in FORMS:
                out = os.path.join(tmp, f"{name}-{form}.onnx")
                p, secs = run([zoo, "compile", f, "-o", out, "--json", *args])
                if p.returncode != 0:
                    totals["refused"] += 1
                    rows.append(f"| {name} | {form} | refused: {last_line(p.stderr)} | | | | |")
                    continue
                totals["compiled"] += 1
                report = json.loads(p.stdout)
                carried = sum(len(r["kept"]) for r in report["passes"] if r["pass"] == "carry-through")
                left = sum(len(r["kept"]) for r in report["passes"] if r["pass"] in ("fp16", "int8"))
                v, _ = run([zoo, "verify", out, "--reference", f, "--json"])
                try:
                    verdict = json.loads(v.stdout)[0]
                except (json.JSONDecodeError, IndexError, KeyError):
                    totals["fail"] += 1
                    rows.append(f"| {name} | {form} | compiled ({secs:.1f} s) | verify: {last_line(v.stderr)} | | | |")
                    continue
                per = {}
                for c in verdict["comparisons"]:
                    if c["against"].startswith("reference"):
                        per.setdefault(c["runtime"].split("/")[0], []).append(c)
                for s in verdict.get("skipped", []):
                    text = s if isinstance(s, str) else " ".join(map(str, s))
                    for rt in ("ort", "tract", "openvino"):
                        if text.startswith(rt) or f" {rt}" in text[:20]:
                            per.setdefault(rt, skip_reason(text))
                passed = bool(verdict["pass"])
                totals["pass" if passed else "fail"] += 1
                kinds = f"{carried} nodes carried" if carried else "nothing carried"
                if form != "optimized":
                    kinds += f", {left} kept float"
                rows.append(
                    f"| {name} | {form} | compiled ({secs:.1f} s; {kinds}) | {'**PASS**' if passed else '**FAIL**'} | "
                    + " | ".join(cell(per.get(rt)) for rt in ("ort", "tract", "openvino"))
                    + " |"
                )
                os.remove(out)
                if os.path.exists(out + ".data"):
                    os.remove(out + ".data")
    print(
        f"{len(files)} files × {len(FORMS)} forms: {totals['compiled']} compiled, {totals['refused']} refused; "
        f"of the compiled, verify passed {totals['pass']} and failed {totals['fail']}."
    )
    print()
    print("| file | form | compile | verify vs the original | ONNX Runtime | tract | OpenVINO |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(r)


if __name__ == "__main__":
    main()
