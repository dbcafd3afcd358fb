#!/usr/bin/python3
"""Golden values for tests/runner/test_losses_optimizers.cpp.

Keras 2.15 loss (float32, as Keras) and optimizer (float64) formulas re-implemented in numpy,
transcribed from keras/losses.py, keras/backend.py (binary/categorical/sparse
crossentropy incl. _get_logits) and keras/optimizers/{sgd,adam,adamax,nadam,
rmsprop,adagrad,adadelta}.py + Optimizer._clip_gradients. The inputs are
written next to the expected values so the C++ test reads both.

Run with Debian's interpreter:  /usr/bin/python3 tests/runner/reference/make_golden.py
"""
import json
import os

import numpy as np

EPS = np.float32(1e-7)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden", "losses_optimizers.json")


# ----------------------------------------------------------------- losses
def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(x):
    m = x.max(axis=-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


def conform(t, p):
    # compile_utils.match_dtype_and_rank + losses_utils.squeeze_or_expand_dimensions
    if t.ndim == p.ndim - 1:
        t = t[..., None]
    elif t.ndim == p.ndim + 1 and t.shape[-1] == 1:
        t = t[..., 0]
    return t


def maybe_convert_labels(t):
    if np.all((t == 0) | (t == 1)):
        return 2.0 * t - 1.0
    return t


def per_sample(name, p, t, from_logits=False, keras_logits=None):
    # float32 throughout, as Keras computes: the clipping constants 1e-7 and
    # 1 - 1e-7 matter at float32 resolution.
    p, t = p.astype(np.float32), t.astype(np.float32)
    if keras_logits is not None:
        keras_logits = keras_logits.astype(np.float32)
    if keras_logits is not None and name in ("binary_crossentropy", "categorical_crossentropy",
                                             "sparse_categorical_crossentropy"):
        logits, from_logits = keras_logits, True  # backend._get_logits
    else:
        logits = p
    if name == "sparse_categorical_crossentropy":
        labels = t.astype(np.int64)
        if labels.ndim == p.ndim and labels.shape[-1] == 1:
            labels = labels[..., 0]
        flat = labels.reshape(-1)
        c = p.shape[-1]
        if from_logits:
            lp = log_softmax(logits.reshape(-1, c))
        else:
            lp = log_softmax(np.log(np.clip(p.reshape(-1, c), EPS, 1 - EPS)))
        return -lp[np.arange(flat.size), flat].reshape(p.shape[:-1])
    t = conform(t, p)
    if name == "mse":
        return np.mean((p - t) ** 2, axis=-1)
    if name == "mae":
        return np.mean(np.abs(p - t), axis=-1)
    if name == "mean_absolute_percentage_error":
        return 100.0 * np.mean(np.abs(t - p) / np.maximum(np.abs(t), EPS), axis=-1)
    if name == "mean_squared_logarithmic_error":
        return np.mean((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2, axis=-1)
    if name == "binary_crossentropy":
        if from_logits:
            x = logits
            return np.mean(np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x))), axis=-1)
        q = np.clip(p, EPS, 1 - EPS)
        return -np.mean(t * np.log(q + EPS) + (1 - t) * np.log(1 - q + EPS), axis=-1)
    if name == "categorical_crossentropy":
        if from_logits:
            return -np.sum(t * log_softmax(logits), axis=-1)
        q = p / p.sum(axis=-1, keepdims=True)
        q = np.clip(q, EPS, 1 - EPS)
        return -np.sum(t * np.log(q), axis=-1)
    if name == "hinge":
        return np.mean(np.maximum(1 - maybe_convert_labels(t) * p, 0), axis=-1)
    if name == "squared_hinge":
        return np.mean(np.maximum(1 - maybe_convert_labels(t) * p, 0) ** 2, axis=-1)
    if name == "categorical_hinge":
        pos = np.sum(t * p, axis=-1)
        neg = np.max((1 - t) * p, axis=-1)
        return np.maximum(neg - pos + 1, 0)
    if name == "kl_divergence":
        tc, pc = np.clip(t, EPS, 1), np.clip(p, EPS, 1)
        return np.sum(tc * np.log(tc / pc), axis=-1)
    if name == "poisson":
        return np.mean(p - t * np.log(p + EPS), axis=-1)
    if name == "huber":
        e = np.abs(p - t)
        return np.mean(np.where(e <= 1.0, 0.5 * e ** 2, e - 0.5), axis=-1)
    if name == "log_cosh":
        x = p - t
        return np.mean(x + np.logaddexp(0, -2 * x) - np.log(2.0), axis=-1)
    if name == "cosine_similarity":
        def l2n(v):
            return v / np.sqrt(np.maximum(np.sum(v * v, axis=-1, keepdims=True), 1e-12))
        return -np.sum(l2n(t) * l2n(p), axis=-1)
    raise ValueError(name)


def loss_cases():
    rng = np.random.RandomState(20240601)
    cases = []

    def add(label, name, p, t, from_logits=False, keras_logits=None):
        value = float(np.mean(per_sample(name, p, t, from_logits, keras_logits), dtype=np.float64))
        case = {"label": label, "loss": name, "from_logits": from_logits,
                "prediction": p.tolist(), "prediction_shape": list(p.shape),
                "target": t.tolist(), "target_shape": list(t.shape), "expected": value}
        if keras_logits is not None:
            case["keras_logits"] = keras_logits.tolist()
        cases.append(case)

    probs = rng.uniform(0.05, 0.95, size=(4, 3))
    reg_t = rng.normal(size=(4, 3))
    pos_t = rng.uniform(0.1, 2.0, size=(4, 3))
    bits = rng.randint(0, 2, size=(4, 3)).astype(np.float64)
    onehot = np.eye(3)[rng.randint(0, 3, size=4)]
    logits = rng.normal(scale=2.0, size=(4, 3))

    for name in ["mse", "mae", "huber", "log_cosh", "cosine_similarity"]:
        add(name, name, rng.normal(size=(4, 3)) * 1.5, reg_t)
    add("mape", "mean_absolute_percentage_error", rng.normal(size=(4, 3)), reg_t)
    add("msle", "mean_squared_logarithmic_error", rng.uniform(-0.5, 3.0, size=(4, 3)), pos_t)
    add("poisson", "poisson", rng.uniform(0.1, 3.0, size=(4, 3)), pos_t)
    add("kl_divergence", "kl_divergence", softmax(logits), onehot * 0.9 + 0.1 / 3)
    add("hinge_01", "hinge", rng.normal(size=(4, 3)), bits)
    add("hinge_pm1", "hinge", rng.normal(size=(4, 3)), 2 * bits - 1)  # already +-1: no conversion
    add("squared_hinge", "squared_hinge", rng.normal(size=(4, 3)), bits)
    add("categorical_hinge", "categorical_hinge", rng.normal(size=(4, 3)), onehot)
    add("mse_rank_expand", "mse", rng.normal(size=(5, 1)), rng.normal(size=(5,)))
    add("mse_sequence", "mse", rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 3, 2)))
    edge = probs.copy()
    edge[0, 0], edge[1, 1] = 0.0, 1.0  # clipped to [1e-7, 1-1e-7]
    add("bce_probs_clipped", "binary_crossentropy", edge, bits)
    add("bce_from_logits", "binary_crossentropy", logits, bits, from_logits=True)
    add("bce_keras_logits", "binary_crossentropy", sigmoid(logits), bits, keras_logits=logits)
    add("bce_rank_expand", "binary_crossentropy", probs[:, :1], bits[:, 0])
    add("cce_unnormalised", "categorical_crossentropy", probs, onehot)
    add("cce_from_logits", "categorical_crossentropy", logits, onehot, from_logits=True)
    add("cce_keras_logits", "categorical_crossentropy", softmax(logits), onehot, keras_logits=logits)
    labels = rng.randint(0, 3, size=4).astype(np.float64)
    add("scce_probs", "sparse_categorical_crossentropy", softmax(logits), labels)
    add("scce_probs_column", "sparse_categorical_crossentropy", softmax(logits), labels[:, None])
    add("scce_from_logits", "sparse_categorical_crossentropy", logits, labels, from_logits=True)
    add("scce_keras_logits", "sparse_categorical_crossentropy", softmax(logits), labels, keras_logits=logits)
    seq_logits = rng.normal(size=(2, 3, 4))
    add("scce_sequence", "sparse_categorical_crossentropy", softmax(seq_logits),
        rng.randint(0, 4, size=(2, 3)).astype(np.float64))
    return cases


# ----------------------------------------------------------------- optimizers
class KerasOptimizer:
    def __init__(self, lr, clipnorm=None, global_clipnorm=None, clipvalue=None):
        self.lr, self.iterations = lr, 0
        self.clipnorm, self.global_clipnorm, self.clipvalue = clipnorm, global_clipnorm, clipvalue

    def clip(self, grads):  # Optimizer._clip_gradients
        if self.clipnorm:
            out = []
            for g in grads:
                n = np.sqrt(np.sum(g * g))
                out.append(g * self.clipnorm / max(n, self.clipnorm))
            return out
        if self.global_clipnorm:
            gn = np.sqrt(sum(np.sum(g * g) for g in grads))
            scale = self.global_clipnorm * min(1.0 / gn, 1.0 / self.global_clipnorm)
            return [g * scale for g in grads]
        if self.clipvalue:
            return [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def apply(self, params, grads):
        grads = self.clip(grads)
        self.before_step()
        for i, (p, g) in enumerate(zip(params, grads)):
            self.update(i, p, g)
        self.iterations += 1


class SGD(KerasOptimizer):
    def __init__(self, shapes, lr=0.01, momentum=0.0, nesterov=False, **kw):
        super().__init__(lr, **kw)
        self.momentum, self.nesterov = momentum, nesterov
        self.m = [np.zeros(s) for s in shapes]

    def before_step(self):
        pass

    def update(self, i, p, g):
        m = self.m[i]
        m[...] = -g * self.lr + m * self.momentum
        if self.nesterov:
            p += -g * self.lr + m * self.momentum
        else:
            p += m


class Adam(KerasOptimizer):
    def __init__(self, shapes, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **kw):
        super().__init__(lr, **kw)
        self.b1, self.b2, self.eps, self.amsgrad = beta_1, beta_2, epsilon, amsgrad
        self.m = [np.zeros(s) for s in shapes]
        self.v = [np.zeros(s) for s in shapes]
        self.vh = [np.zeros(s) for s in shapes]

    def before_step(self):
        t = self.iterations + 1
        self.alpha = self.lr * np.sqrt(1 - self.b2 ** t) / (1 - self.b1 ** t)

    def update(self, i, p, g):
        m, v = self.m[i], self.v[i]
        m += (g - m) * (1 - self.b1)
        v += (g * g - v) * (1 - self.b2)
        if self.amsgrad:
            self.vh[i][...] = np.maximum(self.vh[i], v)
            v = self.vh[i]
        p -= (m * self.alpha) / (np.sqrt(v) + self.eps)


class Adamax(KerasOptimizer):
    def __init__(self, shapes, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kw):
        super().__init__(lr, **kw)
        self.b1, self.b2, self.eps = beta_1, beta_2, epsilon
        self.m = [np.zeros(s) for s in shapes]
        self.u = [np.zeros(s) for s in shapes]

    def before_step(self):
        self.b1p = self.b1 ** (self.iterations + 1)

    def update(self, i, p, g):
        m, u = self.m[i], self.u[i]
        m += (g - m) * (1 - self.b1)
        u[...] = np.maximum(self.b2 * u, np.abs(g))
        p -= (self.lr * m) / ((1 - self.b1p) * (u + self.eps))


class Nadam(KerasOptimizer):
    def __init__(self, shapes, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kw):
        super().__init__(lr, **kw)
        self.b1, self.b2, self.eps = beta_1, beta_2, epsilon
        self.m = [np.zeros(s) for s in shapes]
        self.v = [np.zeros(s) for s in shapes]
        self.u_product = 1.0

    def before_step(self):
        local_step, next_step = self.iterations + 1, self.iterations + 2
        self.u_t = self.b1 * (1.0 - 0.5 * 0.96 ** local_step)
        self.u_t_1 = self.b1 * (1.0 - 0.5 * 0.96 ** next_step)
        self.u_product *= self.u_t  # computed once per iteration, shared by all variables
        self.u_product_t_1 = self.u_product * self.u_t_1
        self.b2p = self.b2 ** local_step

    def update(self, i, p, g):
        m, v = self.m[i], self.v[i]
        m += (g - m) * (1 - self.b1)
        v += (g * g - v) * (1 - self.b2)
        m_hat = self.u_t_1 * m / (1 - self.u_product_t_1) + (1 - self.u_t) * g / (1 - self.u_product)
        v_hat = v / (1 - self.b2p)
        p -= (m_hat * self.lr) / (np.sqrt(v_hat) + self.eps)


class RMSprop(KerasOptimizer):
    def __init__(self, shapes, lr=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, **kw):
        super().__init__(lr, **kw)
        self.rho, self.momentum, self.eps, self.centered = rho, momentum, epsilon, centered
        self.vel = [np.zeros(s) for s in shapes]
        self.mom = [np.zeros(s) for s in shapes]
        self.avg = [np.zeros(s) for s in shapes]

    def before_step(self):
        pass

    def update(self, i, p, g):
        vel = self.vel[i]
        vel[...] = self.rho * vel + (1 - self.rho) * g * g
        if self.centered:
            self.avg[i][...] = self.rho * self.avg[i] + (1 - self.rho) * g
            den = vel - self.avg[i] ** 2 + self.eps
        else:
            den = vel + self.eps
        inc = g * self.lr / np.sqrt(den)
        if self.momentum > 0:
            self.mom[i][...] = self.momentum * self.mom[i] + inc
            p -= self.mom[i]
        else:
            p -= inc


class Adagrad(KerasOptimizer):
    def __init__(self, shapes, lr=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kw):
        super().__init__(lr, **kw)
        self.eps = epsilon
        self.acc = [np.full(s, initial_accumulator_value) for s in shapes]

    def before_step(self):
        pass

    def update(self, i, p, g):
        self.acc[i] += g * g
        p -= self.lr * g / np.sqrt(self.acc[i] + self.eps)


class Adadelta(KerasOptimizer):
    def __init__(self, shapes, lr=0.001, rho=0.95, epsilon=1e-7, **kw):
        super().__init__(lr, **kw)
        self.rho, self.eps = rho, epsilon
        self.ag = [np.zeros(s) for s in shapes]
        self.ad = [np.zeros(s) for s in shapes]

    def before_step(self):
        pass

    def update(self, i, p, g):
        ag, ad = self.ag[i], self.ad[i]
        ag[...] = self.rho * ag + (1 - self.rho) * g * g
        delta = -np.sqrt(ad + self.eps) * g / np.sqrt(ag + self.eps)
        ad[...] = self.rho * ad + (1 - self.rho) * delta * delta
        p += self.lr * delta


CLASSES = {"sgd": SGD, "adam": Adam, "adamax": Adamax, "nadam": Nadam, "rmsprop": RMSprop,
           "adagrad": Adagrad, "adadelta": Adadelta}
DEFAULT_LR = {"sgd": 0.01}


def optimizer_cases():
    rng = np.random.RandomState(7)
    shapes = [(5,), (2, 3)]
    params0 = [rng.normal(size=s) for s in shapes]
    steps = 4
    grads = [[rng.normal(size=s) * (1 + 2 * k) for s in shapes] for k in range(steps)]
    configs = [
        ("sgd_default", "sgd", None, {}),
        ("sgd_momentum", "sgd", 0.05, {"momentum": 0.9}),
        ("sgd_nesterov", "sgd", 0.05, {"momentum": 0.9, "nesterov": True}),
        ("adam_default", "adam", None, {}),
        ("adam_amsgrad", "adam", 0.05, {"amsgrad": True, "beta_1": 0.8}),
        ("adamax_default", "adamax", 0.02, {}),
        ("nadam_default", "nadam", 0.02, {}),
        ("rmsprop_default", "rmsprop", 0.01, {}),
        ("rmsprop_momentum_centered", "rmsprop", 0.01, {"momentum": 0.5, "centered": True, "rho": 0.8}),
        ("adagrad_default", "adagrad", 0.1, {}),
        ("adadelta_default", "adadelta", 1.0, {}),
        ("adam_clipnorm", "adam", 0.05, {"clipnorm": 0.5}),
        ("sgd_global_clipnorm", "sgd", 0.1, {"global_clipnorm": 0.3}),
        ("sgd_clipvalue", "sgd", 0.1, {"clipvalue": 0.05}),
    ]
    cases = []
    for label, name, lr, params in configs:
        kwargs = dict(params)
        if lr is not None:
            kwargs["lr"] = lr
        opt = CLASSES[name](shapes, **kwargs)
        p = [x.copy() for x in params0]
        trajectory = []
        for k in range(steps):
            opt.apply(p, grads[k])
            trajectory.append([x.reshape(-1).tolist() for x in p])
        spec = {"name": name, "params": params}
        spec["learning_rate"] = lr if lr is not None else DEFAULT_LR.get(name, 0.001)
        cases.append({"label": label, "optimizer": spec, "expected": trajectory})
    return {"shapes": [list(s) for s in shapes], "initial": [x.reshape(-1).tolist() for x in params0],
            "gradients": [[g.reshape(-1).tolist() for g in step] for step in grads], "cases": cases}


def main():
    golden = {"generator": "tests/runner/reference/make_golden.py (numpy %s)" % np.__version__,
              "losses": loss_cases(), "optimizers": optimizer_cases()}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    tmp = OUT + ".tmp"
    with open(tmp, "w") as f:
        json.dump(golden, f, indent=None, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, OUT)
    print("wrote", os.path.normpath(OUT), len(golden["losses"]), "loss cases,",
          len(golden["optimizers"]["cases"]), "optimizer cases")


if __name__ == "__main__":
    main()
