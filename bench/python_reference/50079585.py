#!/usr/bin/python3
"""Python reference for bench/runner_vs_python.sh: Stack Overflow program 50079585
(CNN, 28x28x1 uniform images, 10 random classes one-hot; Conv2D(32, 3x3) relu -
MaxPool 2x2 - Conv2D(32, 3x3) relu - MaxPool - Conv2D(64, 3x3) relu - MaxPool -
Flatten - Dense(64) relu - Dropout(0.5) - Dense(10) softmax, categorical
crossentropy, RMSprop lr 0.001, batch 16, 50 epochs, 60000/10000 samples), trained
with Debian's python3-torch by Keras fit()'s loop (keras_loop.py). Kernel-bound:
convolutions dominate each step, so the bench reports it without a target."""
import torch
import torch.nn.functional as F

from keras_loop import capped, categorical_accuracy, categorical_crossentropy, glorot_uniform, run

CONVS = [(1, 32), (32, 32), (32, 64)]  # (in, out) channels, 3x3, valid padding


def conv_kernel(c_in, c_out, gen):
    """Keras glorot_uniform on a [3, 3, in, out] kernel, as torch's [out, in, 3, 3]."""
    limit = (6.0 / (9 * c_in + 9 * c_out)) ** 0.5
    k = (torch.rand(3, 3, c_in, c_out, generator=gen) * 2 - 1) * limit
    return k.permute(3, 2, 0, 1).contiguous()


class Model(torch.nn.Module):
    def __init__(self, gen):
        super().__init__()
        self.conv_k = torch.nn.ParameterList([torch.nn.Parameter(conv_kernel(a, b, gen)) for a, b in CONVS])
        self.conv_b = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(b)) for _, b in CONVS])
        self.k1 = torch.nn.Parameter(glorot_uniform(64, 64, gen))  # 1x1x64 after three conv/pool stages
        self.b1 = torch.nn.Parameter(torch.zeros(64))
        self.k2 = torch.nn.Parameter(glorot_uniform(64, 10, gen))
        self.b2 = torch.nn.Parameter(torch.zeros(10))
        self.groups = [[k, b] for k, b in zip(self.conv_k, self.conv_b)] + [[self.k1, self.b1], [self.k2, self.b2]]

    def forward(self, x):  # returns the logits of the softmax layer
        h = x
        for k, b in zip(self.conv_k, self.conv_b):
            h = F.max_pool2d(torch.relu(F.conv2d(h, k, b)), 2)
        h = torch.relu(torch.addmm(self.b1, h.flatten(1), self.k1))
        h = F.dropout(h, 0.5, self.training)
        return torch.addmm(self.b2, h, self.k2)


def build(caps, gen):
    n_train, n_val, epochs = capped(60000, 10000, 50, caps)
    x = torch.rand(n_train + n_val, 1, 28, 28, generator=gen)
    y = F.one_hot(torch.randint(0, 10, (n_train + n_val,), generator=gen), 10).float()
    return (Model(gen), categorical_crossentropy, categorical_accuracy, x[:n_train], y[:n_train], x[n_train:],
            y[n_train:], epochs, 16)


def optimizer(params):
    return torch.optim.RMSprop(params, lr=0.001, alpha=0.9, eps=1e-7)  # Keras' rho = 0.9, epsilon = 1e-7


if __name__ == "__main__":
    run(__doc__.splitlines()[0], build, make_optimizer=optimizer)
