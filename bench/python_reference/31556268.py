#!/usr/bin/python3
"""Python reference for bench/probe_overhead: Stack Overflow program 31556268
(XOR, Dense(4)-sigmoid-Dense(1)-sigmoid, mse, Adam lr 0.001, batch 16, 50
epochs) trained with Debian's python3-torch by the same loop and with the same
probes as dynfault's runner (docs/run.md):

  - Keras fit(): per-epoch shuffle, batches in order, last partial batch kept,
    logged loss = sample-weighted mean of batch losses; validation each epoch;
  - CF at initialisation and every epoch end: eval mode, fixed probe batch (the
    first 64 training samples), g = grad(loss, create_graph), 4 Rademacher
    HVPs by double backward, total/per-layer norms and Hutchinson traces;
  - OF: per-step gradients accumulated (sum, first, last), one eval-mode pass
    recording every layer's output, weight/gradient/activation statistics,
    process CPU time and RSS.

Prints "seconds <wall time of data, model and training>" for the bench to parse.
Run with /usr/bin/python3 (Debian's torch)."""
import argparse
import time

import torch

import keras_loop
from keras_loop import CAPS, glorot_uniform


class Model(torch.nn.Module):
    """Keras layout: kernels [in, out]; layers dense_0, activation_1, dense_2, activation_3."""

    def __init__(self, gen):
        super().__init__()
        self.k0 = torch.nn.Parameter(glorot_uniform(2, 4, gen))
        self.b0 = torch.nn.Parameter(torch.zeros(4))
        self.k2 = torch.nn.Parameter(glorot_uniform(4, 1, gen))
        self.b2 = torch.nn.Parameter(torch.zeros(1))
        self.groups = [[self.k0, self.b0], [self.k2, self.b2]]
        self.record = None

    def forward(self, x):
        outs = []
        h = x @ self.k0 + self.b0
        outs.append(h)
        h = torch.sigmoid(h)
        outs.append(h)
        h = h @ self.k2 + self.b2
        outs.append(h)
        h = torch.sigmoid(h)
        outs.append(h)
        if self.record is not None:
            self.record.extend(o.detach() for o in outs)
        return h


def accuracy(pred, y):  # Keras binary accuracy
    return ((pred > 0.5).float() == y).float().mean().item()


def mse(pred, y):
    return torch.mean((pred - y) ** 2)


def curvature(model, params, group_of, px, py, seed, k_vectors=4):
    return keras_loop.curvature(model, params, group_of, mse, px, py, seed, k_vectors)


cpu_seconds, rss_mib = keras_loop.cpu_seconds, keras_loop.rss_mib


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="reduced", choices=sorted(CAPS))
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    torch.set_num_threads(1)
    start = time.perf_counter()

    max_train, max_val, max_epochs = CAPS[args.scale]
    n_train, n_val, epochs, batch = 100, 20, 50, 16
    n_train = min(n_train, max_train or n_train)
    n_val = min(n_val, max_val or n_val)
    epochs = min(epochs, max_epochs or epochs)
    gen = torch.Generator().manual_seed(args.seed)
    x = torch.randint(0, 2, (n_train + n_val, 2), generator=gen).float()
    y = (x[:, 0] != x[:, 1]).float().reshape(-1, 1)
    xt, yt, xv, yv = x[:n_train], y[:n_train], x[n_train:], y[n_train:]

    model = Model(gen)
    params = [p for grp in model.groups for p in grp]
    group_of = [l for l, grp in enumerate(model.groups) for _ in grp]
    opt = torch.optim.Adam(params, lr=0.001, eps=1e-7)
    px, py = xt[:64], yt[:64]
    at_init = curvature(model, params, group_of, px, py, args.seed)
    rows = []
    for epoch in range(epochs):
        t0, c0 = time.perf_counter(), cpu_seconds()
        before = [p.detach().clone() for p in params]
        gsum, gfirst, glast = [None] * len(params), [None] * len(params), [None] * len(params)
        order = torch.randperm(n_train, generator=gen)
        steps = (n_train + batch - 1) // batch
        loss_sum = acc_sum = 0.0
        for s in range(steps):
            idx = order[s * batch:(s + 1) * batch]
            xb, yb = xt[idx], yt[idx]
            opt.zero_grad()
            pred = model(xb)
            loss = torch.mean((pred - yb) ** 2)
            loss.backward()
            with torch.no_grad():
                for i, p in enumerate(params):
                    gsum[i] = p.grad.clone() if gsum[i] is None else gsum[i].add_(p.grad)
                    if s == 0:
                        gfirst[i] = p.grad.clone()
                    if s == steps - 1:
                        glast[i] = p.grad.clone()
            opt.step()
            loss_sum += loss.item() * len(idx)
            acc_sum += accuracy(pred.detach(), yb) * len(idx)
        model.eval()
        with torch.no_grad():
            pv = model(xv)
            val_loss, val_acc = torch.mean((pv - yv) ** 2).item(), accuracy(pv, yv)
        model.train()
        cf, layer_norm, layer_trace = curvature(model, params, group_of, px, py, args.seed * 1000 + epoch)
        # OF
        with torch.no_grad():
            model.eval()
            model.record = []
            model(px)
            outs, model.record = model.record, None
            model.train()
            w = torch.cat([p.reshape(-1).double() for p in params])
            large, nan_w = (w.abs() > 10).sum().item(), w.isnan().sum().item()
            mean_w, std_w = w.mean().item(), w.std(unbiased=False).item()
            act = [(o.double().mean().item(), o.double().std(unbiased=False).item()) for o in outs]
            sat = [((o >= 0.9933071490757153) | (o <= 0.0066928509242848554)).double().mean().item() for o in outs[1::2]]
            norms = [(g.double() / steps).norm().item() for g in gsum]
            first_abs = torch.cat([g.abs().reshape(-1).double() for g in gfirst])
            vanish, explode = first_abs.mean().item() < 1e-4, first_abs.max().item() > 70
            nan_g = sum(g.isnan().sum().item() for g in gfirst)
            last_stats = [(g.double().mean().item(), g.double().std(unbiased=False).item()) for g in glast]
            layer_g = [sum(glast[i].double().square().sum().item() for i in range(len(params)) if group_of[i] == l) ** 0.5
                       for l in range(len(model.groups))]
            zero_share = sum((g == 0).sum().item() for g in glast) / sum(g.numel() for g in glast)
            unchanged = [(p == b).sum().item() / p.numel() for p, b in zip(params, before)]
            wall = time.perf_counter() - t0
            rows.append([loss_sum / n_train, acc_sum / n_train, val_loss, val_acc, *cf, large, nan_w, mean_w, std_w,
                         sum(norms) / len(norms), max(norms), min(norms), vanish, explode, nan_g, act, sat,
                         last_stats, layer_g, zero_share, unchanged, layer_norm, layer_trace,
                         100 * (cpu_seconds() - c0) / wall, rss_mib()])
    elapsed = time.perf_counter() - start
    print(f"epochs {len(rows)} final_train_loss {rows[-1][0]:.6f} at_init_hvp_mean {at_init[0][0]:.6f}")
    print(f"seconds {elapsed:.6f}")


if __name__ == "__main__":
    main()
