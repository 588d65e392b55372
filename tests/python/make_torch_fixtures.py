"""Writes tests/fixtures/torch/: small checkpoints written by PyTorch itself, for CI.

The network is tiny (3x8x8 input, 3,994 trainable parameters) but its parameter names are
torchvision's conventions (`features.0.weight`, `features.1.running_var`,
`classifier.1.weight`), so tests/torch_fixtures.rs can build the same graph with zoo's builder
and bind each file by name:

    features   = Sequential(Conv2d(3, 8, 3, padding=1), BatchNorm2d(8), ReLU(), MaxPool2d(2, 2),
                            Conv2d(8, 16, 3, padding=1, bias=False), BatchNorm2d(16), ReLU())
    flatten
    classifier = Sequential(Dropout(), Linear(16 * 4 * 4, 10))

Files (all from one state_dict, BatchNorm statistics and affine parameters randomised):

    tiny.pth             torch.save, zip format (the default since 1.6)
    tiny_legacy.pth      torch.save(_use_new_zipfile_serialization=False): the legacy pickle format
    tiny_fp16.pth        every floating tensor .half() (num_batches_tracked stays int64)
    tiny.safetensors     safetensors.torch.save_file
    tiny_transposed.pth  non-contiguous entries of the right shape: classifier.1.weight is the
                         .t() view of a contiguous [256, 10] tensor (strides (1, 10)) and
                         features.0.weight is channels_last (strides (27, 1, 9, 3))
    tiny_views.pth       entries that are views into shared storages at non-zero offsets:
                         features.1.{weight,bias,running_mean,running_var} are four slices of
                         one 32-float storage, features.4.weight a reshaped slice of a larger one
    input.pb             batch 2, standard normal, float32 (TensorProto named `input`)
    output.pb            PyTorch's float32 output for input.pb (eval mode, torch.no_grad)
    output_fp16.pb       PyTorch's float32 output with the fp16-rounded weights of tiny_fp16.pth
    expected.json        parameter names, shapes, numel, kinds; files with sizes and SHA-256;
                         torch / torchvision / safetensors versions

Run with the peer-check virtualenv: `scripts/peer-check --fixtures`. For a given torch version
the output is byte-identical from run to run (fixed seeds; torch.save's zip entries carry no
timestamps) except tiny_legacy.pth, whose storage keys are memory addresses (its values, and
so every other check, do not change), and expected.json, which records its SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import onnx
import onnx.numpy_helper
import safetensors
import safetensors.torch
import torch
import torch.nn as nn
import torchvision

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests/fixtures/torch"
SEED = 7


class Tiny(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2, 2),
            nn.Conv2d(8, 16, 3, padding=1, bias=False),
            nn.BatchNorm2d(16),
            nn.ReLU(inplace=True),
        )
        self.classifier = nn.Sequential(nn.Dropout(), nn.Linear(16 * 4 * 4, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.features(x), 1))


def build() -> Tiny:
    torch.manual_seed(SEED)
    net = Tiny()
    g = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.weight.copy_(torch.empty(c).uniform_(0.5, 1.5, generator=g))
                m.bias.copy_(torch.empty(c).uniform_(-0.25, 0.25, generator=g))
                m.running_mean.copy_(torch.empty(c).uniform_(-0.25, 0.25, generator=g))
                m.running_var.copy_(torch.empty(c).uniform_(0.5, 1.5, generator=g))
                m.num_batches_tracked.fill_(1234)
    return net.eval()


def kind(name: str) -> str:
    if name.endswith(".num_batches_tracked"):
        return "ignored"
    if name.endswith((".running_mean", ".running_var")):
        return "buffer"
    return "weight"


def forward(net: Tiny, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return net(torch.from_numpy(x)).numpy().astype(np.float32)


def write_pb(path: Path, a: np.ndarray, name: str) -> None:
    path.write_bytes(onnx.numpy_helper.from_array(a, name).SerializeToString())


def non_contiguous(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out = dict(sd)
    w = sd["classifier.1.weight"]
    out["classifier.1.weight"] = w.t().contiguous().t()  # storage holds the [256, 10] transpose
    out["features.0.weight"] = sd["features.0.weight"].contiguous(memory_format=torch.channels_last)
    for k in ("classifier.1.weight", "features.0.weight"):
        assert not out[k].is_contiguous() and out[k].shape == sd[k].shape and torch.equal(out[k], sd[k]), k
    return out


def shared_views(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out = dict(sd)
    names = [f"features.1.{p}" for p in ("weight", "bias", "running_mean", "running_var")]
    packed = torch.cat([sd[n] for n in names])  # one storage of 32 floats
    for i, n in enumerate(names):
        out[n] = packed[8 * i : 8 * (i + 1)]
    w = sd["features.4.weight"]
    big = torch.cat([torch.full((5,), -1.0), w.reshape(-1), torch.full((3,), -2.0)])
    out["features.4.weight"] = big[5 : 5 + w.numel()].view(w.shape)
    for n in [*names, "features.4.weight"]:
        assert out[n].storage_offset() > 0 or n == names[0], n
        assert torch.equal(out[n], sd[n]), n
    return out


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    net = build()
    sd = net.state_dict()
    x = np.random.default_rng(SEED).standard_normal((2, 3, 8, 8), dtype=np.float32)
    y = forward(net, x)

    half = {k: v.half() if v.is_floating_point() else v for k, v in sd.items()}
    net16 = build()
    net16.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in half.items()})
    y16 = forward(net16.eval(), x)

    torch.save(sd, OUT / "tiny.pth")
    torch.save(sd, OUT / "tiny_legacy.pth", _use_new_zipfile_serialization=False)
    torch.save(half, OUT / "tiny_fp16.pth")
    torch.save(non_contiguous(sd), OUT / "tiny_transposed.pth")
    torch.save(shared_views(sd), OUT / "tiny_views.pth")
    safetensors.torch.save_file(sd, str(OUT / "tiny.safetensors"))
    write_pb(OUT / "input.pb", x, "input")
    write_pb(OUT / "output.pb", y, "logits")
    write_pb(OUT / "output_fp16.pb", y16, "logits")

    # Each checkpoint must load back in PyTorch to the same values.
    for f in ("tiny.pth", "tiny_legacy.pth", "tiny_transposed.pth", "tiny_views.pth"):
        back = torch.load(OUT / f, weights_only=True)
        assert back.keys() == sd.keys() and all(torch.equal(back[k], sd[k]) for k in sd), f
    assert np.array_equal(forward(build().eval(), x), y)

    files = sorted(p for p in OUT.iterdir() if p.name != "expected.json")
    expected = {
        "generator": "tests/python/make_torch_fixtures.py",
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "safetensors": safetensors.__version__,
        "numpy": np.__version__,
        "seed": SEED,
        "input": {"name": "input", "shape": list(x.shape)},
        "output": {"name": "logits", "shape": list(y.shape), "top1": y.argmax(1).tolist()},
        "trainable_params": sum(v.numel() for k, v in sd.items() if kind(k) == "weight"),
        "params": [
            {"name": k, "shape": list(v.shape), "numel": v.numel(), "dtype": str(v.dtype).removeprefix("torch."),
             "kind": kind(k)}
            for k, v in sd.items()
        ],
        "files": {
            p.name: {"bytes": p.stat().st_size, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p in files
        },
        "max_abs_output_fp32_vs_fp16_weights": float(np.max(np.abs(y - y16))),
    }
    (OUT / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"wrote {len(files) + 1} files, {total:,} bytes, to {OUT.relative_to(ROOT)}")
    print(f"output {y.tolist()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
