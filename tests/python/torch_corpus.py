"""torch.onnx.export's own files, for the lint agreement (tests/lint.rs) and the open-world
corpora: run with the peer-check virtualenv (torch pinned there).

    python tests/python/torch_corpus.py --fixtures OUT   small files, committed as
                                                         tests/fixtures/torch-export/ for CI
    python tests/python/torch_corpus.py --models OUT     torchvision classifiers, for
                                                         scripts/lint-agreement

--fixtures: a small network made of torchvision's own mobile blocks — Conv2dNormActivation
with Hardswish, an InvertedResidual with SqueezeExcitation (Hardsigmoid), a ShuffleNetV2
channel shuffle (view/transpose/reshape), AdaptiveAvgPool2d, flatten, Linear — exported by the
TorchScript exporter (dynamo=False) at opsets 9, 11, 13 and 17, unfolded at 13
(do_constant_folding=False: BatchNormalization kept), with a dynamic batch and dynamic height
and width at 17, and by the dynamo exporter (opset 18). Each file 13-38 KB, with input.pb (batch 2, 3x32x32).
PyTorch counts 2,386 parameters (`sum(p.numel() for p in net.parameters())`).

--models: torchvision classifiers with random weights (weights=None, seed 0), eval mode, at
their usual input size, exported by the TorchScript exporter at opset 17 and by dynamo.

Prints {"files": [path, ...], "input": {path: input.pb}} as JSON, absolute paths. Seeds fixed; the same torch
writes the same files.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import warnings

import numpy as np
import torch
import torchvision
from onnx import numpy_helper
from torch import nn
from torchvision.models.mobilenetv2 import InvertedResidual
from torchvision.ops.misc import Conv2dNormActivation, SqueezeExcitation

warnings.filterwarnings("ignore")


class Mobile(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = Conv2dNormActivation(3, 16, stride=2, activation_layer=nn.Hardswish)
        self.block = InvertedResidual(16, 16, 1, 2)
        self.se = SqueezeExcitation(16, 8, scale_activation=nn.Hardsigmoid)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.se(self.block(self.stem(x)))
        # ShuffleNetV2's channel shuffle, as torchvision writes it.
        b, c, h, w = x.size()
        x = x.view(b, 2, c // 2, h, w).transpose(1, 2).contiguous().view(b, c, h, w)
        return self.fc(torch.flatten(self.pool(x), 1))


def randomise(net: nn.Module) -> nn.Module:
    torch.manual_seed(0)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    return net.eval()


def export(net, x, path, how, opset=None, dynamic=False):
    with torch.no_grad():
        if how == "dynamo":
            torch.onnx.export(net, (x,), path, dynamo=True, external_data=False, input_names=["input"],
                              output_names=["logits"])
            return
        axes = {"input": {0: "batch", 2: "height", 3: "width"}, "logits": {0: "batch"}} if dynamic else None
        torch.onnx.export(net, (x,), path, dynamo=False, opset_version=opset, input_names=["input"],
                          output_names=["logits"], dynamic_axes=axes,
                          do_constant_folding=(how != "unfolded"))


def write_input(x, path):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(x.numpy().astype(np.float32), "input").SerializeToString())


def fixtures(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    net = randomise(Mobile())
    x = torch.randn(2, 3, 32, 32)
    write_input(x, os.path.join(out, "input.pb"))
    files = []
    for name, how, opset, dynamic in [
        ("mobile_opset9", "torchscript", 9, False),
        ("mobile_opset11", "torchscript", 11, False),
        ("mobile_opset13", "torchscript", 13, False),
        ("mobile_opset13_unfolded", "unfolded", 13, False),
        ("mobile_opset17", "torchscript", 17, False),
        ("mobile_opset17_dynamic", "torchscript", 17, True),
        ("mobile_dynamo", "dynamo", None, False),
    ]:
        path = os.path.join(out, name + ".onnx")
        export(net, x, path, how, opset, dynamic)
        files.append(path)
    return files, {f: os.path.join(out, "input.pb") for f in files}


MODELS = [
    ("squeezenet1_1", 224), ("shufflenet_v2_x0_5", 224), ("mobilenet_v2", 224), ("mobilenet_v3_small", 224),
    ("mnasnet0_5", 224), ("efficientnet_b0", 224), ("regnet_y_400mf", 224), ("resnet18", 224),
    ("googlenet", 224), ("densenet121", 224), ("inception_v3", 299), ("convnext_tiny", 224),
    ("swin_t", 224), ("vit_b_16", 224), ("maxvit_t", 224),
]


def models(out):
    os.makedirs(out, exist_ok=True)
    files, inputs = [], {}
    for name, size in MODELS:
        torch.manual_seed(0)
        kwargs = {"aux_logits": False, "init_weights": True} if name in ("googlenet", "inception_v3") else {}
        net = randomise(torchvision.models.get_model(name, weights=None, **kwargs))
        x = torch.randn(1, 3, size, size)
        pb = os.path.join(out, f"{name}_input.pb")
        write_input(x, pb)
        for how in ("torchscript", "dynamo"):
            path = os.path.join(out, f"{name}_{how}.onnx")
            try:
                export(net, x, path, how, 17)
            except Exception as e:  # a model one exporter cannot export is reported, not fatal
                print(f"{name} ({how}): export failed: {str(e).splitlines()[0]}", file=sys.stderr)
                continue
            files.append(path)
            inputs[path] = pb
    return files, inputs


def main():
    mode, out = sys.argv[1], os.path.abspath(sys.argv[2])
    # The dynamo exporter reports progress on stdout, which carries the JSON.
    with contextlib.redirect_stdout(sys.stderr):
        files, inputs = fixtures(out) if mode == "--fixtures" else models(out)
    print(json.dumps({"files": files, "input": inputs}))


if __name__ == "__main__":
    main()
