"""Peer check of zoo's fp16 files in fp16 arithmetic: PyTorch's fp16 kernels on the file's own weights.

On a CPU, ONNX Runtime and OpenVINO compute zoo's fp16 files in fp32 (ONNX Runtime drops the
Casts between ops: its output equals the fp32 file's with fp16-rounded weights, bit for bit),
and tract accumulates fp16 convolutions in fp16 (sonos/tract#2588). So `zoo verify` on a CPU
proves the rounding of the weights only. PyTorch's CPU kernels compute fp16 as GPUs do: fp16
activations between ops, fp32 accumulation inside Conv and Linear (a 4096x3x3 convolution of
ones over 0.1 gives 3686, the fp16 value nearest the exact 3685.5). This script, for every
torchvision network zoo exports,

1. builds torchvision's module with seeded random weights and BatchNorm statistics
   (``peer_check.build``) and saves them as ``.safetensors``;
2. exports zoo's fp16 file, ``zoo export MODEL --variant V --weights W --precision fp16``
   (BatchNorm kept, so every initializer is a torchvision tensor by name);
3. loads the **file's** initializers back into the module by name and runs it with
   ``.half()`` on one input (batch 2, standard normal, fixed seed): fp16 weights, activations
   and arithmetic; and in float32 with the same weights, which must equal zoo's file on ONNX
   Runtime (the mapping is right, and ONNX Runtime computes the file's weights exactly);
4. compares each with PyTorch's float32 output r of the original weights: against the fp16
   formula 2·2⁻¹¹·√(L + 1)·max|r| (L Conv/Gemm layers on the longest path), against the
   output's change when every weight is times (1 ± 2⁻¹¹) at random in float32 (the network's
   own sensitivity), and against the tolerance ``zoo verify FILE --reference FP32 --inputs``
   applies on the same input (the larger of the formula and 2√2 × that sensitivity).

It prints a markdown table and exits non-zero if PyTorch's fp16 output is outside zoo verify's
tolerance, or zoo verify fails the file, for any network.
``scripts/peer-check`` runs it (``--no-fp16`` leaves it out).
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnx.numpy_helper
import onnxruntime
import safetensors.torch
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_compiled import depth, session  # noqa: E402
from peer_check import BATCH, CASES, SEED, THREADS, build, run, zoo_export, zoo_run  # noqa: E402
from peer_compile import FP16_U  # noqa: E402

# zoo's file on ONNX Runtime (unoptimised) against PyTorch float32 with the same weights.
SAME_WEIGHTS_REL = 1e-4


def load_file_weights(net: torch.nn.Module, model: onnx.ModelProto, path: Path) -> None:
    """Copies the ONNX file's initializers into `net` by name."""
    inits = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    state = net.state_dict()
    loaded = {}
    for key, t in state.items():
        if key.endswith("num_batches_tracked"):
            continue
        if key not in inits:
            raise RuntimeError(f"{path.name} has no initializer `{key}`")
        a = inits[key]
        if tuple(a.shape) != tuple(t.shape):
            raise RuntimeError(f"`{key}`: file {a.shape}, torch {tuple(t.shape)}")
        loaded[key] = torch.from_numpy(a.astype(np.float32))
    net.load_state_dict(loaded, strict=False)


def check(case, zoo: Path, tmp: Path) -> dict:
    model, variant, ctor, kwargs = case
    net = build(ctor, kwargs)
    st = tmp / f"{model}-{variant}.safetensors"
    safetensors.torch.save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(st))
    f16 = tmp / f"{model}-{variant}-fp16.onnx"
    run([str(zoo), "export", model, "--variant", variant, "--weights", str(st), "--precision", "fp16", "-o", str(f16)])
    f16_model = onnx.load(str(f16))
    layers = depth(f16_model)

    x = torch.randn((BATCH, 3, 224, 224), generator=torch.Generator().manual_seed(SEED + 7))
    with torch.no_grad():
        r = net(x).double().numpy()
        # The network's own sensitivity to fp16-sized errors: every weight and buffer times
        # (1 + ξ), ξ uniform in ±2⁻¹¹ (a rounding error's size), in float32 arithmetic.
        perturbed = copy.deepcopy(net)
        gen = torch.Generator().manual_seed(SEED + 11)
        for t in perturbed.state_dict().values():
            if t.is_floating_point():
                t.mul_(1 + (torch.rand(t.shape, generator=gen, dtype=torch.float64) * 2 - 1).to(t.dtype) * FP16_U)
        sensitivity = perturbed(x).double().numpy()
        load_file_weights(net, f16_model, f16)
        same_weights = net(x).double().numpy()
        half = net.half()(x.half()).double().numpy()

    inputs = tmp / "inputs"
    inputs.mkdir(exist_ok=True)
    inp = inputs / "input_0.pb"
    inp.write_bytes(onnx.numpy_helper.from_array(x.numpy(), "input").SerializeToString())
    # zoo verify's own tolerance for this file on this input: against the fp32 export of the
    # same weights, the formula or 2√2 × the measured sensitivity, whichever is larger.
    f32 = tmp / f"{model}-{variant}.onnx"
    zoo_export(zoo, model, variant, st, f32)
    verdict = subprocess.run(
        [str(zoo), "verify", str(f16), "--reference", str(f32), "--inputs", str(inputs), "--runtime", "ort", "--json",
         "--threads", str(THREADS)],
        capture_output=True, text=True,
    )
    report = json.loads(verdict.stdout)[0]
    against = [c for c in report["comparisons"] if c["against"].startswith("reference")]
    zoo_tol = against[0]["tolerance"]["atol"]
    out = tmp / "out"
    ort = zoo_run(zoo, f16, inp, out, "ort").astype(np.float64)

    # The mapping check runs the file unoptimised: ONNX Runtime's default level fuses BatchNorm
    # into the fp16 convolutions, a second rounding of the weights PyTorch does not make.
    unoptimised = session(str(f16), onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL)
    plain = unoptimised.run(None, {unoptimised.get_inputs()[0].name: x.numpy()})[0].astype(np.float64)

    scale = float(np.abs(r).max())
    bound = 2 * FP16_U * (layers + 1) ** 0.5 * scale
    err = lambda a: float(np.abs(a - r).max())  # noqa: E731
    mapping = float(np.abs(plain - same_weights).max()) / scale
    row = {
        "model": model,
        "variant": variant,
        "layers": layers,
        "bound": bound,
        "ort": err(ort) / bound,
        "half": err(half) / bound,
        "half_u": err(half) / (FP16_U * scale),
        "perturbed_u": err(sensitivity) / (FP16_U * scale),
        "mapping": mapping,
        "zoo_tol": zoo_tol,
        "half_zoo": err(half) / zoo_tol,
        "problems": [],
    }
    if not np.isfinite(half).all():
        row["problems"].append("PyTorch's fp16 output has NaN or infinity")
    if row["half_zoo"] > 1.0:
        row["problems"].append(f"fp16 arithmetic {row['half_zoo']:.2f}× zoo verify's tolerance")
    if not report["pass"]:
        row["problems"].append("zoo verify --reference fails the file")
    if mapping > SAME_WEIGHTS_REL:
        row["problems"].append(f"ONNX Runtime differs from PyTorch on the file's weights by {mapping:.1e} of max|r|")
    shutil.rmtree(inputs, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    for p in tmp.iterdir():
        if p.is_file():
            p.unlink()
    return row


def table(rows: list[dict]) -> str:
    lines = [
        "| network | L | formula bound | ONNX Runtime / formula | PyTorch fp16 / formula | PyTorch fp16 error (u·max|r|) | weights × (1 ± u), fp32 (u·max|r|) | zoo verify tolerance | PyTorch fp16 / it | file on ORT (unoptimised) vs PyTorch fp32, same weights | result |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['model']} {r['variant']} | | | | | | | | | | error: {r['error']} |")
            continue
        verdict = "pass" if not r["problems"] else "FAIL: " + "; ".join(r["problems"])
        lines.append(
            f"| {r['model']} {r['variant']} | {r['layers']} | {r['bound']:.2e} | {r['ort']:.2f} | {r['half']:.2f} "
            f"| {r['half_u']:.2f} | {r['perturbed_u']:.2f} | {r['zoo_tol']:.2e} | {r['half_zoo']:.2f} | {r['mapping']:.1e} "
            f"| {verdict} |"
        )
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zoo", type=Path, default=Path(__file__).resolve().parents[2] / "target/release/zoo")
    ap.add_argument("--models", help="comma-separated zoo model names (default: all)")
    args = ap.parse_args()
    torch.set_num_threads(THREADS)
    wanted = set(args.models.split(",")) if args.models else None
    # One GoogLeNet: the second case only adds auxiliary heads to the checkpoint.
    cases = [c for c in CASES if not c[3].get("aux_logits")]
    cases = [c for c in cases if wanted is None or c[0] in wanted]
    rows = []
    with tempfile.TemporaryDirectory(prefix="zoo-peer-fp16-") as d:
        for case in cases:
            try:
                rows.append(check(case, args.zoo, Path(d)))
            except Exception as e:  # noqa: BLE001 — one network's failure is its row
                rows.append({"model": case[0], "variant": case[1], "error": str(e).splitlines()[0][:300]})
            print(table(rows[-1:]).splitlines()[-1], flush=True)
    print()
    print(f"PyTorch {torch.__version__}, fp16 on the CPU ({THREADS} threads); u = 2⁻¹¹")
    print(table(rows))
    failed = [r for r in rows if "error" in r or r["problems"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
