#!/usr/bin/python3
"""Compare the numbers of dynfault traces made by two builds (a runner change's
before and after): for each pair of trace files, the largest absolute and relative
difference of every channel, at_init value and layer series, ignoring what
measures the machine (wall and CPU time, RSS: channel names starting sys_).
Prints one line per trace: 'identical' (bit for bit) or the channels that differ.
Exit 0 when every pair is identical, 1 when some differ, 2 on bad input.

  compare_traces.py BEFORE.h5 AFTER.h5 [BEFORE.h5 AFTER.h5 ...]"""
import sys

import h5py
import numpy as np


def numbers(path):
    out = {}
    with h5py.File(path, "r") as f:
        names = [n.decode() if isinstance(n, bytes) else n for n in f["channels"].attrs.get("names", [])]
        values = f["channels"][()]
        for i, name in enumerate(names):
            if not name.startswith("sys_"):
                out["channel " + name] = values[:, i]
        if "at_init" in f:
            keys = f["at_init"].attrs.get("names", [])
            for i, k in enumerate(keys):
                k = k.decode() if isinstance(k, bytes) else k
                if not k.startswith("sys_"):
                    out["at_init " + k] = f["at_init"][i:i + 1]
        if "layers" in f:
            def visit(name, obj):
                if isinstance(obj, h5py.Dataset):
                    out["series " + name] = obj[()]
            f["layers"].visititems(visit)
    return out


def main(argv):
    if len(argv) < 2 or len(argv) % 2:
        print("compare_traces: give pairs of trace files (BEFORE AFTER ...)", file=sys.stderr)
        return 2
    differ = False
    for before, after in zip(argv[0::2], argv[1::2]):
        try:
            a, b = numbers(before), numbers(after)
        except (OSError, KeyError) as e:
            print(f"compare_traces: {before} / {after}: {e}", file=sys.stderr)
            return 2
        if a.keys() != b.keys():
            print(f"{after}: different channels: {sorted(a.keys() ^ b.keys())}")
            differ = True
            continue
        worst = []
        for k in a:
            x, y = np.asarray(a[k], dtype=float), np.asarray(b[k], dtype=float)
            if x.shape != y.shape:
                worst.append((float("inf"), k, "shape"))
                continue
            same = (x == y) | (np.isnan(x) & np.isnan(y))
            if not same.all():
                d = np.abs(x - y)[~same]
                rel = d / np.maximum(np.abs(x[~same]), 1e-300)
                worst.append((float(np.nanmax(rel)), k, f"max abs {np.nanmax(d):.3g}, max rel {np.nanmax(rel):.3g}"))
        if worst:
            differ = True
            worst.sort(reverse=True)
            print(f"{after}: {len(worst)} of {len(a)} differ; largest: " +
                  "; ".join(f"{k} ({msg})" for _, k, msg in worst[:3]))
        else:
            print(f"{after}: identical ({len(a)} arrays)")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
