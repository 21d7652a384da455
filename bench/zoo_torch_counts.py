"""Parameter counts of the zoo's models against PyTorch twins.

Reads `tuneup zoo --input SHAPE --json` for a few input shapes, builds each model that fits in
PyTorch from the same knobs (the same layers, in the same order, as crates/tuneup-train's
model.rs), and compares sum(p.numel() for p in model.parameters()) with tuneup's count
(batch norm's running statistics are buffers in both).

    python bench/zoo_torch_counts.py target/release/tuneup    # needs torch
"""

import json
import math
import subprocess
import sys

import torch.nn as nn


def norm2d(kind, c):
    return {"none": None, "batch": nn.BatchNorm2d(c), "layer": nn.GroupNorm(1, c)}[kind]


def conv(cin, cout, k, stride=1, groups=1, norm="none"):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=norm == "none")]
    n = norm2d(norm, cout)
    return nn.Sequential(*layers, *([n] if n is not None else []))


def shuffle_groups(cin, mid, g):
    return g if cin % g == 0 and mid % g == 0 else 1


def twin(m, shape, classes):
    kind = m["kind"]
    if kind == "mlp":
        n = math.prod(shape)
        layers, prev = [], n
        for w in m["hidden"]:
            layers += [nn.Linear(prev, w)]
            if m["norm"] == "batch":
                layers += [nn.BatchNorm1d(w)]
            if m["norm"] == "layer":
                layers += [nn.LayerNorm(w)]
            layers += [nn.ReLU()]
            prev = w
        return nn.Sequential(*layers, nn.Linear(prev, classes))
    if kind == "resmlp":
        n = math.prod(shape)
        w = m["width"]
        mods = [nn.Linear(n, w)]
        for _ in range(m["blocks"]):
            if m["norm"] == "layer":
                mods.append(nn.LayerNorm(w))
            if m["norm"] == "batch":
                mods.append(nn.BatchNorm1d(w))
            mods += [nn.Linear(w, w), nn.Linear(w, w)]
        return nn.ModuleList(mods + [nn.Linear(w, classes)])
    if kind == "conv1d":
        c, length = (1, shape[0]) if len(shape) == 1 else shape
        mods = []
        for out in m["channels"]:
            mods.append(nn.Conv1d(c, out, m["kernel_size"], m["stride"], m["padding"]))
            if m["norm"] == "batch":
                mods.append(nn.BatchNorm1d(out))
            if m["norm"] == "layer":
                mods.append(nn.GroupNorm(1, out))
            length = (length + 2 * m["padding"] - m["kernel_size"]) // m["stride"] + 1
            c = out
        prev = c * length
        if m["hidden"] > 0:
            mods.append(nn.Linear(prev, m["hidden"]))
            if m["norm"] == "batch":
                mods.append(nn.BatchNorm1d(m["hidden"]))
            if m["norm"] == "layer":
                mods.append(nn.LayerNorm(m["hidden"]))
            prev = m["hidden"]
        return nn.ModuleList(mods + [nn.Linear(prev, classes)])
    if kind == "cnn":
        c, h, w = shape
        k, mods = m["kernel_size"], []
        for i, out in enumerate(m["channels"]):
            pad = k // 2 if m["same_padding"] else 0
            mods.append(nn.Conv2d(c, out, k, padding=pad))
            if m["norm"] == "batch":
                mods.append(nn.BatchNorm2d(out))
            if m["norm"] == "layer":
                mods.append(nn.GroupNorm(1, out))
            if not m["same_padding"]:
                h, w = h + 1 - k, w + 1 - k
            if m["pool"] == "each" or i + 1 == len(m["channels"]):
                h, w = h // 2, w // 2
            c = out
        mods.append(nn.Linear(c * h * w, m["hidden"]))
        if m["norm"] == "batch":
            mods.append(nn.BatchNorm1d(m["hidden"]))
        if m["norm"] == "layer":
            mods.append(nn.LayerNorm(m["hidden"]))
        return nn.ModuleList(mods + [nn.Linear(m["hidden"], classes)])
    if kind == "gru":
        c = 1 if len(shape) == 1 else shape[0]
        return nn.ModuleList(
            [nn.GRU(c, m["hidden"], num_layers=m["layers"], batch_first=True),
             nn.Linear(m["hidden"], classes)]
        )
    # The staged image nets.
    c = shape[0]
    norm, ch = m["norm"], m["stem"]
    mods = [conv(c, ch, 3, norm=norm)]
    for i, out in enumerate(m["channels"]):
        for b in range(m["blocks"]):
            first = b == 0
            if kind == "resnet":
                stride = 2 if i > 0 and first else 1
                mods += [conv(ch, out, 3, stride, norm=norm), conv(out, out, 3, norm=norm)]
                if stride != 1 or ch != out:
                    mods.append(conv(ch, out, 1, stride, norm=norm))
            elif kind == "mobilenet":
                stride = 2 if i > 0 and first else 1
                hid = ch * m["expansion"]
                if m["expansion"] != 1:
                    mods.append(conv(ch, hid, 1, norm=norm))
                mods += [conv(hid, hid, 3, stride, groups=hid, norm=norm),
                         conv(hid, out, 1, norm=norm)]
            elif kind == "squeezenet":
                sq, e1 = max(out // 8, 1), out // 2
                mods += [conv(ch, sq, 1, norm=norm), conv(sq, e1, 1, norm=norm),
                         conv(sq, out - e1, 3, norm=norm)]
            elif kind == "shufflenet":
                g, mid = m["groups"], out // 4
                branch, stride = (out - ch, 2) if first else (out, 1)
                mods += [conv(ch, mid, 1, groups=shuffle_groups(ch, mid, g), norm=norm),
                         conv(mid, mid, 3, stride, groups=mid, norm=norm),
                         conv(mid, branch, 1, groups=g, norm=norm)]
            else:
                raise SystemExit(f"no PyTorch twin for model kind {kind!r}")
            ch = out
    return nn.ModuleList(mods + [nn.Linear(ch, classes)])


def main():
    tuneup = sys.argv[1] if len(sys.argv) > 1 else "target/release/tuneup"
    bad = 0
    print(f"{'input':<9} {'model':<11} {'tuneup':>9} {'torch':>9}")
    for shape in ["1x28x28", "1x8x8", "3x32x32", "40", "2x40"]:
        out = subprocess.run([tuneup, "zoo", "--input", shape, "--json"],
                             check=True, capture_output=True, text=True).stdout
        dims = [int(d) for d in shape.split("x")]
        for e in json.loads(out)["models"]:
            if not e["fits"]:
                continue
            n = sum(p.numel() for p in twin(e["model"], dims, 10).parameters())
            mark = "" if n == e["params"] else "   <-- differs"
            bad += n != e["params"]
            print(f"{shape:<9} {e['name']:<11} {e['params']:>9} {n:>9}{mark}")
    print("all equal" if bad == 0 else f"{bad} differ")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
