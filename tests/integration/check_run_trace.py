#!/usr/bin/python3
"""End-to-end check of `dynfault run`: train 31556268 at smoke scale with both
probes, read the trace back with h5py (an independent HDF5 reader) and check
attributes, channel names/units and shapes; then check that bad options fail
with a one-line error and leave no output file.

Usage: check_run_trace.py DYNFAULT_BINARY WORK_DIR
Exit 77 (ctest SKIP_RETURN_CODE) when h5py is not installed."""
import os
import subprocess
import sys

try:
    import h5py
    import numpy as np
except ImportError:
    print("h5py/numpy not available for", sys.executable)
    sys.exit(77)

V2_COLUMNS = [
    "large_weight_count", "acc_gap_too_big", "loss_oscillation", "dying_relu", "gradient_vanish",
    "gradient_explode", "decrease_acc_count", "increase_loss_count", "cons_mean_weight_count",
    "cons_std_weight_count", "nan_weight_count", "nan_gradients_count", "saturated_activation",
    "mean_gradient", "gradient_std", "gradient_max", "gradient_min", "gradient_median",
    "mean_activation", "std_activation", "mean_grad", "std_grad",
]
EXPECTED_CHANNELS = (
    ["train_loss", "train_acc", "val_loss", "val_acc", "sys_wall_seconds",
     "cf_hvp_norm", "cf_hvp_norm_spread", "cf_hutchinson_trace", "cf_grad_std",
     "cf_hvp_layer_mean", "cf_hvp_layer_std", "cf_hvp_layer_max", "cf_hvp_layer_min", "cf_hvp_layer_median",
     "cf_hvp_layer_first", "cf_hvp_layer_last", "cf_hvp_layer_log_slope"]
    + V2_COLUMNS
    + ["learning_rate", "grad_global_norm", "grad_zero_share", "sys_cpu_percent", "sys_rss_mb"]
    # the peer rules' inputs (docs/trace-format.md)
    + ["weight_abs_over_5_count", "label_min", "label_max", "output_min", "output_max"]
)
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def strings(values):
    return [text(v) for v in values]


def run(binary, *args):
    return subprocess.run([binary, "run", *args], capture_output=True, text=True, timeout=300)


def main():
    binary, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    out = os.path.join(work, "run.h5")
    if os.path.exists(out):
        os.remove(out)
    proc = run(binary, "--program", "31556268", "--probes", "cf,of", "--seed", "7", "--scale", "smoke",
               "--threads", "1", "--out", out)
    check(proc.returncode == 0, f"dynfault run exited {proc.returncode}: {proc.stderr.strip()}")
    check(os.path.exists(out), "no trace written")
    if not os.path.exists(out):
        return

    with h5py.File(out, "r") as f:
        a = f.attrs
        check(text(a["kind"]) == "dynfault-trace", "kind attribute")
        check(text(a["program"]) == "31556268", "program attribute")
        check(text(a["architecture"]) == "FFNN", "architecture attribute")
        check(text(a["probes"]) == "cf,of", "probes attribute")
        check(text(a["scale"]) == "smoke", "scale attribute")
        check(text(a["seed"]) == "7", "seed attribute")
        check(text(a["status"]) == "ok", f"status {text(a['status'])}: {text(a['error'])}")
        check(text(a["error"]) == "", "error attribute should be empty")
        versions = dict(v.split("=", 1) for v in strings(a["versions"]))
        for lib in ("libtorch", "hdf5", "dynfault"):
            check(lib in versions and versions[lib], f"versions lacks {lib}")
        check(versions.get("hdf5", "").count(".") == 2, "hdf5 version is not x.y.z")
        epochs = int(a["epochs"])
        check(epochs == 3, f"smoke run should train 3 epochs, got {epochs}")

        channels = f["channels"]
        names = strings(channels.attrs["names"])
        units = strings(channels.attrs["units"])
        check(names == EXPECTED_CHANNELS, f"channel names {names}")
        check(len(units) == len(names) and all(units), "every channel needs a unit")
        check(channels.shape == (epochs, len(EXPECTED_CHANNELS)), f"channels shape {channels.shape}")
        m = channels[()]
        col = {n: m[:, i] for i, n in enumerate(names)}
        check(np.all(np.isfinite(col["train_loss"])), "train_loss not finite")
        check(np.all(col["cf_hvp_norm"] > 0), "cf_hvp_norm must be positive")
        check(np.all(col["learning_rate"] == 0.001), "learning_rate must be the program's 0.001")
        check(np.all(col["decrease_acc_count"] == 1), "V2 decrease_acc_count is always 1")
        check(units[names.index("sys_wall_seconds")] == "s", "wall time unit")

        at_init = f["at_init"]
        init_names = strings(at_init.attrs["names"])
        check("cf_hvp_norm" in init_names, "at_init lacks cf_hvp_norm")
        check(at_init.shape == (len(init_names),), "at_init shape")

        layers = f["layers"]
        for series in ("hvp_norm", "hutchinson_trace", "grad_norm", "grad_zero_share", "unchanged_weight_share",
                       "activation_mean", "activation_std", "saturated_share"):
            check(series in layers, f"layer series {series} missing")
            if series in layers:
                ds = layers[series]
                cols = strings(ds.attrs["layers"])
                check(ds.shape == (epochs, len(cols)), f"{series} shape {ds.shape}")
                check(text(ds.attrs["unit"]) != "", f"{series} has no unit")
        check(strings(layers["hvp_norm"].attrs["layers"]) == ["dense_0", "dense_2"], "hvp_norm layers")

    # Bad options: one-line error, non-zero exit, no output.
    bad_out = os.path.join(work, "bad.h5")
    for args, needle in [
        (["--program", "does-not-exist", "--seed", "1", "--out", bad_out], "does-not-exist"),
        (["--program", "31556268", "--seed", "1", "--probes", "xyz", "--out", bad_out], "xyz"),
        (["--program", "31556268", "--seed", "1", "--scale", "huge", "--out", bad_out], "huge"),
        (["--program", "31556268", "--seed", "1", "--threads", "0", "--out", bad_out], "--threads"),
        (["--program", "31556268", "--seed", "1", "--out", os.path.join(work, "no-such-dir", "x.h5")], "no-such-dir"),
        (["--program", "31556268", "--out", bad_out], "--seed"),
        (["--program", "31556268", "--seed", "-1", "--out", bad_out], "--seed"),
        (["--program", "31556268", "--seed", "1", "--threads", "x", "--out", bad_out], "--threads"),
        (["--program", "31556268", "--seed", "1", "--hvp-vectors", "0", "--out", bad_out], "--hvp-vectors"),
    ]:
        proc = run(binary, *args)
        err = proc.stderr.strip()
        check(proc.returncode != 0, f"{args} should fail")
        check(len(err.splitlines()) == 1, f"{args}: error should be one line, got {err!r}")
        check(needle in err, f"{args}: error {err!r} should name {needle}")
        check(not os.path.exists(bad_out), f"{args} left an output file")


if __name__ == "__main__":
    main()
    for f in failures:
        print("FAIL:", f)
    print("ok" if not failures else f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)
