"""Shared parts of the python3-torch references (bench/python_reference/*.py):
Keras initialisers, Keras fit()'s loop and the CF probe, written as a PyTorch
user would write them in eager mode, with the arithmetic dynfault's runner
does (docs/run.md). Run the scripts with /usr/bin/python3 (Debian's torch)."""
import argparse
import resource
import time

import torch

# --scale caps of dynfault's runner: (max train samples, max val samples, max epochs).
CAPS = {"full": (None, None, None), "reduced": (512, 128, None), "smoke": (64, 32, 3)}


def glorot_uniform(fan_in, fan_out, gen):
    limit = (6.0 / (fan_in + fan_out)) ** 0.5
    return (torch.rand(fan_in, fan_out, generator=gen) * 2 - 1) * limit


def orthogonal(rows, cols, gen):
    """Keras Orthogonal: one QR of a normal matrix, signs fixed by diag(R)."""
    a = torch.randn(max(rows, cols), min(rows, cols), generator=gen)
    q, r = torch.linalg.qr(a)
    q = q * torch.sign(torch.diagonal(r))
    return q if rows >= cols else q.t()


def curvature(model, params, group_of, loss_fn, px, py, seed, k_vectors=4):
    """CF: g = grad(loss, create_graph); k Rademacher HVPs by double backward;
    total and per-layer ||Hv||, Hutchinson traces, gradient std."""
    model.eval()
    loss = loss_fn(model(px), py)
    g = torch.autograd.grad(loss, params, create_graph=True, allow_unused=True)
    gen = torch.Generator().manual_seed(seed)
    n_groups = max(group_of) + 1
    norms, traces = [], []
    layer_norm, layer_trace = [0.0] * n_groups, [0.0] * n_groups
    for k in range(k_vectors):
        v = [torch.randint(0, 2, p.shape, generator=gen).float() * 2 - 1 for p in params]
        s = sum((gi * vi).sum() for gi, vi in zip(g, v) if gi is not None)
        hv = torch.autograd.grad(s, params, retain_graph=k + 1 < k_vectors, allow_unused=True)
        hv = [h if h is not None else torch.zeros_like(p) for h, p in zip(hv, params)]
        sq, tr = [0.0] * n_groups, [0.0] * n_groups
        for i, (h, vi) in enumerate(zip(hv, v)):
            sq[group_of[i]] += h.double().square().sum().item()
            tr[group_of[i]] += (vi * h).double().sum().item()
        for l in range(n_groups):
            layer_norm[l] += sq[l] ** 0.5 / k_vectors
            layer_trace[l] += tr[l] / k_vectors
        norms.append(sum(sq) ** 0.5)
        traces.append(sum(tr))
    flat = torch.cat([gi.detach().reshape(-1).double() for gi in g if gi is not None])
    model.train()
    n = torch.tensor(norms)
    return [n.mean().item(), n.std().item(), sum(traces) / k_vectors, flat.std(unbiased=False).item()], layer_norm, layer_trace


def categorical_crossentropy(logits, y):
    """Keras' categorical crossentropy of a softmax output, taken from its logits; y one-hot."""
    return -(y * torch.log_softmax(logits, -1)).sum(-1).mean()


def categorical_accuracy(logits, y):
    return (logits.argmax(-1) == y.argmax(-1)).float().mean().item()


def cpu_seconds():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def adam(params):
    return torch.optim.Adam(params, lr=0.001, eps=1e-7)  # Keras' epsilon


def fit(model, loss_fn, acc_fn, xt, yt, xv, yv, epochs, batch, gen, probes, seed, probe_batch=64, k_vectors=4,
        make_optimizer=adam):
    """Keras fit(): per-epoch shuffle, batches in order (last partial batch kept),
    logged loss = sample-weighted mean of batch losses, validation every epoch
    without autograd; with probes == 'cf' the CF probe at initialisation and at
    every epoch end on the fixed probe batch (the first probe_batch samples)."""
    params = [p for grp in model.groups for p in grp]
    group_of = [l for l, grp in enumerate(model.groups) for _ in grp]
    opt = make_optimizer(params)
    px, py = xt[:probe_batch], yt[:probe_batch]
    if probes == "cf":
        curvature(model, params, group_of, loss_fn, px, py, seed, k_vectors)
    n_train = xt.shape[0]
    rows = []
    for epoch in range(epochs):
        t0 = time.perf_counter()
        order = torch.randperm(n_train, generator=gen)
        loss_sum = acc_sum = 0.0
        for s in range((n_train + batch - 1) // batch):
            idx = order[s * batch:(s + 1) * batch]
            xb, yb = xt[idx], yt[idx]
            opt.zero_grad()
            pred = model(xb)
            loss = loss_fn(pred, yb)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            acc_sum += acc_fn(pred.detach(), yb) * len(idx)
        model.eval()
        with torch.no_grad():
            pv = model(xv)
            val_loss, val_acc = loss_fn(pv, yv).item(), acc_fn(pv, yv)
        model.train()
        row = [loss_sum / n_train, acc_sum / n_train, val_loss, val_acc]
        if probes == "cf":
            cf, layer_norm, layer_trace = curvature(model, params, group_of, loss_fn, px, py, seed * 1000 + epoch,
                                                   k_vectors)
            row += cf + layer_norm + layer_trace
        rows.append(row + [time.perf_counter() - t0])
    return rows


def run(description, build, argv=None, make_optimizer=adam):
    """The scripts' main: --scale, --probes, --seed, --max-epochs; build(scale caps,
    gen) gives (model, loss_fn, acc_fn, xt, yt, xv, yv, epochs, batch)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--scale", default="full", choices=sorted(CAPS))
    ap.add_argument("--probes", default="none", choices=["none", "cf"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hvp-vectors", type=int, default=4, help="CF: Rademacher vectors per measurement")
    ap.add_argument("--probe-batch", type=int, default=64, help="CF: samples in the fixed probe batch")
    ap.add_argument("--max-epochs", type=int, default=0, help="train at most this many epochs (0: the program's)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    start = time.perf_counter()
    gen = torch.Generator().manual_seed(args.seed)
    model, loss_fn, acc_fn, xt, yt, xv, yv, epochs, batch = build(CAPS[args.scale], gen)
    if args.max_epochs > 0:
        epochs = min(epochs, args.max_epochs)
    rows = fit(model, loss_fn, acc_fn, xt, yt, xv, yv, epochs, batch, gen, args.probes, args.seed,
               probe_batch=args.probe_batch, k_vectors=args.hvp_vectors, make_optimizer=make_optimizer)
    elapsed = time.perf_counter() - start
    print(f"epochs {len(rows)} final_train_loss {rows[-1][0]:.6f} final_val_acc {rows[-1][3]:.4f}")
    print(f"seconds {elapsed:.6f}")


def capped(n_train, n_val, epochs, caps):
    max_train, max_val, max_epochs = caps
    return (min(n_train, max_train or n_train), min(n_val, max_val or n_val), min(epochs, max_epochs or epochs))
