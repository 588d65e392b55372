"""Writes a copy of an ONNX file broken on purpose, for `zoo verify --layers` tests.

    break_model.py IN OUT --add-to TENSOR DELTA   # every element of an initializer + DELTA
    break_model.py IN OUT --shift-every-7th TENSOR FRACTION
                                                  # every 7th element + FRACTION·max|tensor|
    break_model.py IN OUT --lrn-alpha NODE ALPHA  # an LRN node's alpha replaced
    break_model.py IN OUT --op-type NODE OP       # a node's op_type replaced (checker not run)
    break_model.py IN OUT --rename-output NAME NEW  # a graph output renamed to a value nothing
                                                  # computes (what a bit flip in its name does)
    break_model.py IN OUT --external-location TENSOR LOCATION
                                                  # an external tensor's location replaced (the
                                                  # data is not loaded, copied or moved)
    break_model.py IN OUT --external-entry TENSOR KEY=VALUE
                                                  # an external tensor's entry KEY set (added
                                                  # when absent): a hostile length, an unknown key

Prints {"ok": true, "changed": ...} as JSON.
"""
import json
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def main() -> int:
    src, dst, mode, name, value = sys.argv[1:6]
    model = onnx.load(src, load_external_data=not mode.startswith("--external-"))
    if mode == "--add-to":
        for i, t in enumerate(model.graph.initializer):
            if t.name == name:
                a = numpy_helper.to_array(t).astype(np.float32) + np.float32(value)
                model.graph.initializer[i].CopyFrom(numpy_helper.from_array(a, name))
                break
        else:
            raise SystemExit(f"no initializer {name}")
    elif mode == "--shift-every-7th":
        for i, t in enumerate(model.graph.initializer):
            if t.name == name:
                a = numpy_helper.to_array(t).astype(np.float32).copy()
                a.flat[::7] += np.float32(value) * np.abs(a).max()
                model.graph.initializer[i].CopyFrom(numpy_helper.from_array(a, name))
                break
        else:
            raise SystemExit(f"no initializer {name}")
    elif mode == "--lrn-alpha":
        node = next(n for n in model.graph.node if n.name == name and n.op_type == "LRN")
        for a in node.attribute:
            if a.name == "alpha":
                a.f = float(value)
    elif mode == "--external-location":
        t = next(t for t in model.graph.initializer if t.name == name)
        entry = next(e for e in t.external_data if e.key == "location")
        entry.value = value
    elif mode == "--external-entry":
        t = next(t for t in model.graph.initializer if t.name == name)
        key, _, v = value.partition("=")
        entry = next((e for e in t.external_data if e.key == key), None)
        if entry is None:
            entry = t.external_data.add()
            entry.key = key
        entry.value = v
    elif mode == "--rename-output":
        out = next(o for o in model.graph.output if o.name == name)
        out.name = value
    elif mode == "--op-type":
        node = next(n for n in model.graph.node if n.name == name)
        node.op_type = value
    else:
        raise SystemExit(f"unknown mode {mode}")
    if mode.startswith("--external-"):
        # onnx.save would try to write the (unloaded) external data; the bytes as they are.
        with open(dst, "wb") as f:
            f.write(model.SerializeToString())
    else:
        onnx.save(model, dst)
    json.dump({"ok": True, "changed": name}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
