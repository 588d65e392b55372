"""Peer check, compiled: `zoo compile` on torch.onnx.export's own files, against PyTorch.

For every torchvision model zoo supports (the networks of ``peer_check.py``, with the same
seeded weights and randomised BatchNorm statistics), this script

1. exports the module with torch.onnx.export three ways: the TorchScript exporter as most
   published files were made (``dynamo=False``, constant folding on: BatchNorm already folded,
   Identity nodes for deduplicated tensors), the TorchScript exporter without constant folding
   (BatchNormalization nodes kept, identical tensors stored once — VGG's zero conv biases), and
   the dynamo exporter (torch's default since 2.9: opset 18, ReduceMean pooling,
   ``Reshape(x, [-1, C])``);
2. compiles each with ``zoo compile --optimize`` and ``zoo compile --optimize --precision fp16``;
3. runs the compiled files with ``zoo run`` on ONNX Runtime (fp32: also tract) on one input
   (batch 2, standard normal, fixed seed) and compares with PyTorch's output (float32, eval,
   no_grad): fp32 relative error max|a − t| / max|t| ≤ 1e-4 (as ``peer_check.py``), fp16 within
   the derived bound 2·2⁻¹¹·√(L + 1) (L = Conv/Gemm layers on the longest path; see
   ``check_compiled.py``); no BatchNormalization, Identity or ReduceMean may remain;
4. ``tests/python/check_compiled.py`` on each fp32 compiled file against its torch file
   (onnx's full checker, strict shape inference, ONNX Runtime on both, ONNX Runtime's own fold);
5. ``zoo diff`` of zoo's own export (``--weights`` from the same state_dict) against torch's
   unfolded TorchScript file: layers aligned, and it must exit 0 (equivalent);
6. for ResNet-50 and GoogLeNet, ONNX Runtime session creation of zoo's ``--optimize`` export
   against torch's default (folded) file, alternating, median of 11 each.

It prints a markdown table and exits non-zero if any row fails. Run through
``scripts/peer-check`` (which makes the virtualenv with torch and onnxscript).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import safetensors.torch
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_compiled import depth  # noqa: E402
from peer_check import BATCH, CASES, REL_TOL, SEED, THREADS, build, read_pb, rel_err, run, zoo_catalogue  # noqa: E402

HERE = Path(__file__).resolve().parent
FP16_U = 2.0**-11
EXPORTERS = ("torchscript", "torchscript-unfolded", "dynamo")
# Session creation is tens of milliseconds with outliers of several times that: medians of 11.
SESSION_RUNS = 11


def torch_export(net: torch.nn.Module, x: torch.Tensor, how: str, out: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if how == "dynamo":
            batch = torch.export.Dim("batch", min=1, max=64)
            torch.onnx.export(net, (x,), str(out), dynamo=True, external_data=False,
                              dynamic_shapes=({0: batch},), verbose=False)
        else:
            torch.onnx.export(net, (x,), str(out), dynamo=False, opset_version=17,
                              do_constant_folding=(how == "torchscript"), input_names=["input"],
                              output_names=["output"], dynamic_axes={"input": {0: "N"}, "output": {0: "N"}})


def zoo_compile(zoo: Path, src: Path, out: Path, fp16: bool) -> dict:
    cmd = [str(zoo), "compile", str(src), "-o", str(out), "--optimize", "--json"]
    if fp16:
        cmd += ["--precision", "fp16"]
    return json.loads(run(cmd).stdout)


def zoo_run(zoo: Path, model: Path, x: np.ndarray, work: Path, runtime: str) -> np.ndarray:
    m = onnx.load(str(model), load_external_data=False)
    inits = {t.name for t in m.graph.initializer}
    name = next(i.name for i in m.graph.input if i.name not in inits)
    inp = work / f"in-{name}.pb"
    inp.write_bytes(onnx.numpy_helper.from_array(x, name).SerializeToString())
    out = work / f"out-{model.stem}-{runtime}"
    run([str(zoo), "run", str(model), "--input", str(inp), "-o", str(out), "--runtime", runtime,
         "--threads", str(THREADS)])
    return read_pb(out / "output_0.pb")


def leftover(model: Path) -> list[str]:
    ops = {n.op_type for n in onnx.load(str(model), load_external_data=False).graph.node}
    return sorted(ops & {"BatchNormalization", "Identity", "ReduceMean", "Dropout", "Shape", "Gather"})


def session_seconds(path: Path) -> float:
    so = ort.SessionOptions()
    so.intra_op_num_threads = THREADS
    so.log_severity_level = 3
    t = time.perf_counter()
    ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    return time.perf_counter() - t


def check_case(case, zoo: Path, catalogue: dict, tmp: Path) -> list[dict]:
    model_name, variant, ctor, kwargs = case
    c, h, w = catalogue[(model_name, variant)]["input"]
    net = build(ctor, kwargs, h)
    x = np.random.default_rng(SEED).standard_normal((BATCH, c, h, w), dtype=np.float32)
    with torch.no_grad():
        ref = net(torch.from_numpy(x)).numpy().astype(np.float32)
    work = Path(tempfile.mkdtemp(prefix=f"{model_name}-{variant}-", dir=tmp))
    rows = []
    try:
        st = work / "weights.safetensors"
        safetensors.torch.save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(st))
        ours = work / "zoo.onnx"
        run([str(zoo), "export", model_name, "--variant", variant, "--weights", str(st), "-o", str(ours)])
        for how in EXPORTERS:
            row = {"model": f"{model_name}/{variant}", "exporter": how, "problems": []}
            rows.append(row)
            t0 = time.perf_counter()
            try:
                src = work / f"torch-{how}.onnx"
                torch_export(net, torch.from_numpy(x), how, src)
                src_ops = {n.op_type for n in onnx.load(str(src), load_external_data=False).graph.node}
                row["torch_ops"] = ",".join(sorted(src_ops & {"BatchNormalization", "Identity", "ReduceMean",
                                                             "Reshape", "Flatten"}))
                fp32, fp16 = work / f"{how}-opt.onnx", work / f"{how}-fp16.onnx"
                report = zoo_compile(zoo, src, fp32, False)
                row["passes"] = ", ".join(f"{p['pass']} {len(p['changed'])}" for p in report["passes"]
                                          if p["changed"]) or "—"
                kept = [f"{p['pass']}: {k}" for p in report["passes"] for k in p["kept"]]
                if kept:
                    row["problems"].append(f"kept: {kept[:3]}")
                zoo_compile(zoo, src, fp16, True)
                for f in (fp32, fp16):
                    left = leftover(f)
                    if left:
                        row["problems"].append(f"{f.name} still has {left}")
                for runtime in ("ort", "tract"):
                    out = zoo_run(zoo, fp32, x, work, runtime)
                    rel, _ = rel_err(out, ref)
                    row[f"{runtime}_rel"] = rel
                    if not rel <= REL_TOL:
                        row["problems"].append(f"fp32 on {runtime}: {rel:.2e} > {REL_TOL:g}")
                out = zoo_run(zoo, fp16, x, work, "ort")
                rel, _ = rel_err(out, ref)
                layers = depth(onnx.load(str(fp32), load_external_data=False))
                bound = 2 * FP16_U * (layers + 1) ** 0.5
                row["fp16_rel"], row["fp16_bound"] = rel, bound
                if not rel <= bound:
                    row["problems"].append(f"fp16 on ort: {rel:.2e} > {bound:.2e}")
                check = subprocess.run([sys.executable, str(HERE / "check_compiled.py"), str(fp32), "--reference",
                                        str(src), "--expect-bn", "0"], capture_output=True, text=True)
                row["checker"] = "ok" if check.returncode == 0 else "FAIL"
                if check.returncode != 0:
                    row["problems"].append(f"check_compiled: {check.stderr.strip()[-300:]}")
                if how == "torchscript-unfolded":
                    d = subprocess.run([str(zoo), "diff", str(ours), str(src), "--json"], capture_output=True, text=True)
                    row["diff"] = "equivalent" if d.returncode == 0 else "DIFFERENT"
                    if d.returncode != 0:
                        row["problems"].append(f"zoo diff: {d.stdout.strip()[-300:] or d.stderr.strip()[-300:]}")
                for f in (src, fp32, fp16):
                    if f != src or how != "torchscript":
                        f.unlink(missing_ok=True)
            except Exception as e:  # noqa: BLE001 -- a row that crashed is a failed row
                row["problems"].append(f"{type(e).__name__}: {str(e)[-400:]}")
            row["seconds"] = time.perf_counter() - t0
        if model_name in ("resnet50", "googlenet"):
            opt = work / "zoo-opt.onnx"
            run([str(zoo), "export", model_name, "--variant", variant, "--weights", str(st), "--optimize",
                 "-o", str(opt)])
            theirs = work / "torch-torchscript.onnx"
            times = {"zoo": [], "torch": []}
            for _ in range(SESSION_RUNS):
                for label, f in (("zoo", opt), ("torch", theirs)):
                    times[label].append(session_seconds(f))
            z, t = statistics.median(times["zoo"]), statistics.median(times["torch"])
            rows[0]["session"] = f"zoo --optimize {z:.3f} s vs torch {t:.3f} s ({z / t:.2f}×)"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def fmt(x, spec: str) -> str:
    return "—" if x is None else format(x, spec)


def table(rows: list[dict]) -> str:
    lines = ["| model | torch exporter | torch ops of note | zoo passes (rewrites) | fp32 rel (ort) | fp32 rel (tract) "
             "| fp16 rel (ort) | fp16 bound | checker | zoo diff | pass |",
             "|---|---|---|---|--:|--:|--:|--:|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['exporter']} | {r.get('torch_ops', '—') or '—'} | {r.get('passes', '—')} "
                     f"| {fmt(r.get('ort_rel'), '.2e')} | {fmt(r.get('tract_rel'), '.2e')} "
                     f"| {fmt(r.get('fp16_rel'), '.2e')} | {fmt(r.get('fp16_bound'), '.2e')} | {r.get('checker', '—')} "
                     f"| {r.get('diff', '')} | {'PASS' if not r['problems'] else 'FAIL'} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zoo", type=Path, default=HERE.parents[1] / "target/release/zoo")
    ap.add_argument("--models", help="comma-separated zoo model names (default: all)")
    ap.add_argument("--tmp", type=Path, help="parent of the temporary directory")
    args = ap.parse_args()
    torch.set_num_threads(THREADS)
    zoo = args.zoo.resolve()
    catalogue = zoo_catalogue(zoo)
    # One GoogLeNet: the aux-heads checkpoint case is about binding names, not exporting.
    cases = [c for c in CASES if not c[3].get("aux_logits")]
    if args.models:
        wanted = set(args.models.split(","))
        cases = [c for c in cases if c[0] in wanted]
    print(f"torch {torch.__version__}, onnx {onnx.__version__}, onnxruntime {ort.__version__}; seed {SEED}; "
          f"batch {BATCH}; fp32 relative tolerance {REL_TOL:g}", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="zoo-peer-compile-", dir=args.tmp))
    rows: list[dict] = []
    try:
        for case in cases:
            print(f"- {case[0]} --variant {case[1]}", file=sys.stderr, flush=True)
            for r in check_case(case, zoo, catalogue, tmp):
                rows.append(r)
                print(f"  {r['exporter']}: {'PASS' if not r['problems'] else 'FAIL: ' + '; '.join(r['problems'])}"
                      f" ({r.get('seconds', 0):.0f} s)", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    print(table(rows))
    for r in rows:
        if "session" in r:
            print(f"\nONNX Runtime session creation, {r['model']}: {r['session']} (median of {SESSION_RUNS}, alternating)")
    failed = [r for r in rows if r["problems"]]
    for r in failed:
        print(f"\nFAIL {r['model']} {r['exporter']}:\n  " + "\n  ".join(r["problems"]))
    print(f"\n{len(rows) - len(failed)}/{len(rows)} passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
