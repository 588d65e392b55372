"""Peer check: zoo's torchvision-compatible files compute what PyTorch computes.

For every torchvision model zoo exports (AlexNet, VGG-11/13/16/19 with and without BN,
ResNet-18/34/50/101/152 v1.5, GoogLeNet), this script

1. builds torchvision's module with ``weights=None`` under a fixed ``torch.manual_seed`` and
   randomises every BatchNorm's running statistics, scale and shift (at construction they
   are 0/1/1/0, which would test nothing);
2. saves its ``state_dict`` as ``.safetensors`` and as ``.pth`` (torch.save's zip format; for
   resnet18 also the legacy pickle format);
3. exports zoo's file with ``zoo export MODEL --variant V --weights FILE`` (zoo binds the
   tensors by name, so every torchvision key must be one of zoo's parameter names);
4. runs one input (batch 2, standard normal, float32, fixed seed) through PyTorch (float32,
   ``torch.no_grad``, eval mode) and through zoo's file on ONNX Runtime and on tract
   (``zoo run``);
5. compares: relative error max|a - t| / max|t| <= 1e-4, plus max absolute error and top-1
   agreement; the parameter count (floats of the state_dict without running statistics)
   must equal what ``zoo export --json`` reports; the ``.pth`` exports must carry the same
   canonical weights (``weights_sha256``) as the ``.safetensors`` one.

It prints a markdown table and exits non-zero if any row fails. ``torch.onnx.export`` is not
used anywhere: PyTorch only builds the modules, writes the checkpoints and computes the
reference outputs. Run it through ``scripts/peer-check``, which makes the virtualenv.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
import onnx.numpy_helper
import safetensors.torch
import torch
import torchvision

ROOT = Path(__file__).resolve().parents[2]
SEED = 20251122
REL_TOL = 1e-4
BATCH = 2
THREADS = 2

# (zoo model, zoo variant, torchvision constructor, constructor kwargs)
CASES: list[tuple[str, str, str, dict]] = [
    ("alexnet", "torchvision", "alexnet", {}),
    *[(f"vgg{d}", "plain", f"vgg{d}", {}) for d in (11, 13, 16, 19)],
    *[(f"vgg{d}", "bn", f"vgg{d}_bn", {}) for d in (11, 13, 16, 19)],
    *[(f"resnet{d}", "v1.5", f"resnet{d}", {}) for d in (18, 34, 50, 101, 152)],
    # zoo's graph has no auxiliary heads; without them torchvision's state_dict has no aux1/aux2
    # keys. transform_input re-normalises ImageNet inputs inside forward(); zoo does not.
    ("googlenet", "torchvision", "googlenet", {"aux_logits": False, "init_weights": True, "transform_input": False}),
    # torchvision's default GoogLeNet keeps the auxiliary heads (unused in eval mode); their
    # aux1.*/aux2.* tensors are in the state_dict and zoo must skip them when binding.
    ("googlenet", "torchvision", "googlenet", {"aux_logits": True, "init_weights": True, "transform_input": False}),
]

# Checkpoint keys zoo's graph has no use for (not counted in its parameters).
SKIPPED_KEYS = ("aux1.", "aux2.")

# The model whose checkpoint is also written in torch.save's legacy (pre-1.6) format.
LEGACY_PTH = "resnet18"


@dataclass
class Row:
    model: str
    variant: str
    note: str = ""
    params: int | None = None
    zoo_params: int | None = None
    ort_rel: float | None = None
    tract_rel: float | None = None
    ort_abs: float | None = None
    tract_abs: float | None = None
    top1: str = ""
    spread: float | None = None
    pth: str = ""
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({p.returncode}): {p.stderr.strip() or p.stdout.strip()}")
    return p


def zoo_catalogue(zoo: Path) -> dict[tuple[str, str], dict]:
    out = run([str(zoo), "list", "--json"]).stdout
    return {(e["model"], e["variant"]): e for e in json.loads(out)}


def randomise_batchnorm(model: torch.nn.Module, gen: torch.Generator, size: int) -> int:
    """Gives every BatchNorm affine parameters and running statistics like a trained network's.

    At construction they are 1/0/0/1 and would test nothing. Random statistics alone, though,
    do not normalise anything: through ResNet-152 the activations grow to ~1e12, and through
    GoogLeNet (std-0.01 weights) they vanish until the output no longer depends on the input.
    So: scale U(0.5, 1.5) and shift U(-0.25, 0.25); running statistics measured on a
    calibration batch (train-mode forward, cumulative average), then perturbed per channel,
    mean by U(-0.25, 0.25) standard deviations and variance by a factor U(0.5, 1.5).
    """
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return 0

    def u(c: int, lo: float, hi: float) -> torch.Tensor:
        return torch.empty(c).uniform_(lo, hi, generator=gen)

    with torch.no_grad():
        for m in bns:
            m.weight.copy_(u(m.num_features, 0.5, 1.5))
            m.bias.copy_(u(m.num_features, -0.25, 0.25))
            m.reset_running_stats()
            m.momentum = None  # cumulative average: one batch gives its own statistics
        calib = torch.randn((4, 3, size, size), generator=gen)
        model.train()
        model(calib)
        model.eval()
        for m in bns:
            m.momentum = 0.1
            c = m.num_features
            m.running_mean.add_(u(c, -0.25, 0.25) * m.running_var.sqrt())
            m.running_var.mul_(u(c, 0.5, 1.5))
    return len(bns)


def build(ctor: str, kwargs: dict, size: int = 224) -> torch.nn.Module:
    torch.manual_seed(SEED)
    model = getattr(torchvision.models, ctor)(weights=None, **kwargs)
    gen = torch.Generator().manual_seed(SEED + 1)
    randomise_batchnorm(model, gen, size)
    return model.eval()


def trainable_count(sd: dict[str, torch.Tensor]) -> int:
    buffers = (".running_mean", ".running_var", ".num_batches_tracked")
    return sum(
        t.numel() for k, t in sd.items() if t.is_floating_point() and not k.endswith(buffers) and not k.startswith(SKIPPED_KEYS)
    )


def read_pb(path: Path) -> np.ndarray:
    t = onnx.TensorProto()
    t.ParseFromString(path.read_bytes())
    return onnx.numpy_helper.to_array(t)


def rel_err(a: np.ndarray, t: np.ndarray) -> tuple[float, float]:
    a64, t64 = a.astype(np.float64), t.astype(np.float64)
    abs_err = float(np.max(np.abs(a64 - t64)))
    return abs_err / float(np.max(np.abs(t64))), abs_err


def zoo_export(zoo: Path, model: str, variant: str, weights: Path | None, out: Path) -> dict:
    cmd = [str(zoo), "export", model, "--variant", variant, "-o", str(out), "--json"]
    if weights is not None:
        cmd += ["--weights", str(weights)]
    return json.loads(run(cmd).stdout)


def zoo_run(zoo: Path, onnx_path: Path, inp: Path, out_dir: Path, runtime: str) -> np.ndarray:
    run([str(zoo), "run", str(onnx_path), "--input", str(inp), "-o", str(out_dir), "--runtime", runtime,
         "--threads", str(THREADS)])
    return read_pb(out_dir / "output_0.pb")


def pth_supported(zoo: Path, tmp: Path) -> tuple[bool, str]:
    """Whether `zoo export --weights x.pth` reads PyTorch checkpoints (probed on a tiny file)."""
    probe = tmp / "probe.pth"
    torch.save({"x": torch.zeros(1)}, probe)
    p = subprocess.run([str(zoo), "export", "alexnet", "--variant", "torchvision", "--weights", str(probe),
                        "-o", str(tmp / "probe.onnx")], capture_output=True, text=True)
    probe.unlink()
    err = p.stderr.strip()
    # A reader answers that the file lacks the model's tensors; without one, the format is refused.
    return ("lacks" in err or "missing" in err.lower()), err


def check(case, zoo: Path, catalogue: dict, tmp: Path, pth: bool, keep: bool) -> Row:
    model_name, variant, ctor, kwargs = case
    row = Row(model_name, variant, "aux heads in checkpoint" if kwargs.get("aux_logits") else "")
    t0 = time.perf_counter()
    entry = catalogue.get((model_name, variant))
    if entry is None:
        row.problems.append(f"zoo lists no {model_name} --variant {variant}")
        return row
    work = Path(tempfile.mkdtemp(prefix=f"{model_name}-{variant}-", dir=tmp))
    try:
        c, h, w = entry["input"]
        net = build(ctor, kwargs, h)
        sd = net.state_dict()
        row.params = trainable_count(sd)

        st = work / "weights.safetensors"
        safetensors.torch.save_file({k: v.contiguous() for k, v in sd.items()}, str(st))
        onnx_path = work / "model.onnx"
        try:
            info = zoo_export(zoo, model_name, variant, st, onnx_path)
        except RuntimeError as e:
            row.problems.append(f"export: {e}")
            return row
        st.unlink()
        row.zoo_params = info["params"]
        if row.zoo_params != row.params:
            row.problems.append(f"params: torch {row.params:,} vs zoo {row.zoo_params:,}")
        # The count zoo's catalogue publishes for the variant (`zoo list --json`), from torchvision's meta.
        published = (entry.get("published") or {}).get("params")
        if published is not None and published != row.params:
            row.problems.append(f"params: torch {row.params:,} vs published {published:,} ({entry['published']['source']})")

        pth_notes = []
        if pth:
            formats = [("zip", True)] + ([("legacy", False)] if model_name == LEGACY_PTH else [])
            for label, zipfile in formats:
                p = work / f"weights-{label}.pth"
                torch.save(sd, p, _use_new_zipfile_serialization=zipfile)
                o = work / f"pth-{label}.onnx"
                try:
                    pinfo = zoo_export(zoo, model_name, variant, p, o)
                    same = pinfo["weights_sha256"] == info["weights_sha256"]
                    pth_notes.append(f"{label} {'same' if same else 'DIFFERS'}")
                    if not same:
                        row.problems.append(f".pth ({label}) weights differ from the safetensors export")
                except RuntimeError as e:
                    pth_notes.append(f"{label} FAILED")
                    row.problems.append(f".pth ({label}): {e}")
                p.unlink(missing_ok=True)
                o.unlink(missing_ok=True)
        row.pth = ", ".join(pth_notes) if pth_notes else "n/a"

        x = np.random.default_rng(SEED).standard_normal((BATCH, c, h, w), dtype=np.float32)
        inp = work / "input_0.pb"
        inp.write_bytes(onnx.numpy_helper.from_array(x, "input").SerializeToString())
        with torch.no_grad():
            ref = net(torch.from_numpy(x)).numpy().astype(np.float32)
        del net, sd
        # How much the two images' logits differ, relative to their scale: a network whose
        # output ignores its input would compare only biases.
        row.spread = float(np.max(np.abs(ref[0] - ref[1])) / np.max(np.abs(ref)))

        top1_ok = []
        for runtime in ("ort", "tract"):
            out = zoo_run(zoo, onnx_path, inp, work / runtime, runtime)
            if out.shape != ref.shape:
                row.problems.append(f"{runtime}: shape {out.shape} vs torch {ref.shape}")
                continue
            rel, ab = rel_err(out, ref)
            setattr(row, f"{runtime}_rel", rel)
            setattr(row, f"{runtime}_abs", ab)
            if not rel <= REL_TOL:
                row.problems.append(f"{runtime}: relative error {rel:.2e} > {REL_TOL:g}")
            agree = int(np.sum(out.argmax(1) == ref.argmax(1)))
            top1_ok.append(agree)
            if agree != BATCH:
                row.problems.append(f"{runtime}: top-1 agrees on {agree}/{BATCH}")
        row.top1 = " ".join(f"{a}/{BATCH}" for a in top1_ok)
        if row.spread is not None and row.spread < 1e-3:
            row.problems.append(f"uninformative: outputs of the two inputs differ by {row.spread:.1e} of their scale")
    except Exception as e:  # noqa: BLE001 -- a row that crashed is a failed row, not a crashed script
        row.problems.append(f"{type(e).__name__}: {e}")
    finally:
        if keep:
            print(f"  kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
        row.seconds = time.perf_counter() - t0
    return row


def fmt(x: float | None, spec: str) -> str:
    return "—" if x is None else format(x, spec)


def table(rows: list[Row]) -> str:
    lines = [
        "| model | variant | params | zoo params | ort rel err | tract rel err | ort max abs | tract max abs "
        "| top-1 (ort tract) | input spread | .pth | s | pass |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|--:|---|--:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.model} | {r.variant}{' (' + r.note + ')' if r.note else ''} | {fmt(r.params, ',')} | {fmt(r.zoo_params, ',')} | {fmt(r.ort_rel, '.2e')} "
            f"| {fmt(r.tract_rel, '.2e')} | {fmt(r.ort_abs, '.2e')} | {fmt(r.tract_abs, '.2e')} | {r.top1 or '—'} "
            f"| {fmt(r.spread, '.2f')} | {r.pth} | {r.seconds:.0f} | {'PASS' if r.passed else 'FAIL'} |"
        )
    return "\n".join(lines)


def parse_time_v(stderr: str) -> tuple[float, float]:
    """Wall seconds and max RSS (MB) from GNU time -v."""
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    if not wall or not rss:
        raise RuntimeError(f"cannot read /usr/bin/time -v output:\n{stderr}")
    secs = 0.0
    for part in wall.group(1).split(":"):
        secs = secs * 60 + float(part)
    return secs, int(rss.group(1)) / 1000


def time_export(zoo: Path, tmp: Path, pth: bool, repeats: int) -> list[str]:
    """Whole-process `zoo export vgg16` from the seed, from .safetensors and from .pth."""
    if not Path("/usr/bin/time").exists():
        return ["(no /usr/bin/time: export timing skipped)"]
    work = tmp / "timing"
    work.mkdir()
    try:
        sd = build("vgg16", {}).state_dict()
        st, pt = work / "vgg16.safetensors", work / "vgg16.pth"
        safetensors.torch.save_file({k: v.contiguous() for k, v in sd.items()}, str(st))
        sources: list[tuple[str, list[str], int]] = [("seed (default)", [], 0),
                                                     ("--weights .safetensors", ["--weights", str(st)], st.stat().st_size)]
        if pth:
            torch.save(sd, pt)
            sources.append(("--weights .pth", ["--weights", str(pt)], pt.stat().st_size))
        del sd
        out = work / "vgg16.onnx"
        lines = ["| vgg16 export from | input bytes | wall s (median of %d) | max RSS MB | RSS / weight bytes |" % repeats,
                 "|---|--:|--:|--:|--:|"]
        weight_bytes = None
        for label, extra, size in sources:
            walls, rsss = [], []
            for _ in range(repeats):
                out.unlink(missing_ok=True)
                p = subprocess.run(["/usr/bin/time", "-v", str(zoo), "export", "vgg16", "-o", str(out), "--json", *extra],
                                   capture_output=True, text=True)
                if p.returncode != 0:
                    raise RuntimeError(f"zoo export vgg16 {' '.join(extra)} failed: {p.stderr.strip()[-500:]}")
                w, r = parse_time_v(p.stderr)
                walls.append(w)
                rsss.append(r)
                weight_bytes = json.loads(p.stdout)["params"] * 4
            w, r = sorted(walls)[len(walls) // 2], max(rsss)
            lines.append(f"| {label} | {size:,} | {w:.2f} | {r:.0f} | {r * 1e6 / weight_bytes:.2f} |")
        out.unlink(missing_ok=True)
        return lines
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zoo", type=Path, default=ROOT / "target/release/zoo", help="the zoo binary")
    ap.add_argument("--models", help="comma-separated zoo model names (default: all)")
    ap.add_argument("--no-pth", action="store_true", help="skip the .pth exports")
    ap.add_argument("--no-timing", action="store_true", help="skip the vgg16 export timing")
    ap.add_argument("--timing-repeats", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="keep the temporary files (for debugging)")
    ap.add_argument("--tmp", type=Path, help="parent of the temporary directory")
    ap.add_argument("--no-compile", action="store_true",
                    help="(for scripts/peer-check) skip peer_compile.py, the compiled torch files")
    ap.add_argument("--no-fp16", action="store_true",
                    help="(for scripts/peer-check) skip peer_fp16.py, the fp16 files in PyTorch's fp16 arithmetic")
    args = ap.parse_args()

    torch.set_num_threads(THREADS)
    zoo = args.zoo.resolve()
    if not zoo.is_file():
        print(f"peer_check: {zoo} not found (cargo build --release --bin zoo)", file=sys.stderr)
        return 2
    catalogue = zoo_catalogue(zoo)
    cases = CASES
    if args.models:
        wanted = set(args.models.split(","))
        cases = [c for c in CASES if c[0] in wanted]
        unknown = wanted - {c[0] for c in CASES}
        if unknown:
            print(f"peer_check: no torchvision case for {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2

    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, onnx {onnx.__version__}, "
          f"numpy {np.__version__}, {torch.get_num_threads()} threads; seed {SEED}; batch {BATCH}; "
          f"relative tolerance {REL_TOL:g}", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="zoo-peer-", dir=args.tmp))
    try:
        pth = False
        if not args.no_pth:
            pth, why = pth_supported(zoo, tmp)
            if not pth:
                print(f"note: zoo does not read .pth files yet; .pth exports skipped ({why})", flush=True)
        rows = []
        for case in cases:
            print(f"- {case[0]} --variant {case[1]} (torchvision.models.{case[2]})", file=sys.stderr, flush=True)
            row = check(case, zoo, catalogue, tmp, pth, args.keep)
            rows.append(row)
            print(f"  {'PASS' if row.passed else 'FAIL: ' + '; '.join(row.problems)} ({row.seconds:.0f} s)",
                  file=sys.stderr, flush=True)
        print()
        print(table(rows))
        failed = [r for r in rows if not r.passed]
        for r in failed:
            print(f"\nFAIL {r.model} --variant {r.variant} {r.note}:\n  " + "\n  ".join(r.problems))
        if not args.no_timing and (not args.models or "vgg16" in cases_models(cases)):
            print()
            try:
                print("\n".join(time_export(zoo, tmp, pth, args.timing_repeats)))
            except RuntimeError as e:
                print(f"vgg16 export timing failed: {e}")
                return 1
        print(f"\n{len(rows) - len(failed)}/{len(rows)} passed")
        return 1 if failed else 0
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def cases_models(cases) -> set[str]:
    return {c[0] for c in cases}


if __name__ == "__main__":
    sys.exit(main())
