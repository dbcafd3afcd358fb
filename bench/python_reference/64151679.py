#!/usr/bin/python3
"""Python reference for bench/runner_vs_python.sh: Stack Overflow program 64151679
(FFNN, 12 normal features, label sum > 0 one-hot; Dense 32-32-64-128-256 relu with
Dropout(0.2) after the last four hidden layers, Dense(2) softmax, categorical
crossentropy, Adam lr 0.001, batch 16, 50 epochs, 800/200 samples), trained with
Debian's python3-torch by Keras fit()'s loop (keras_loop.py). The softmax CE is
taken from the logits, as Keras (and dynfault) do for a softmax output."""
import torch
import torch.nn.functional as F

from keras_loop import capped, categorical_accuracy, categorical_crossentropy, glorot_uniform, run

WIDTHS = [12, 32, 32, 64, 128, 256, 2]
DROPOUT_AFTER = {1, 2, 3, 4}  # hidden layer indices followed by Dropout(0.2)


class Model(torch.nn.Module):
    def __init__(self, gen):
        super().__init__()
        self.kernels = torch.nn.ParameterList(
            [torch.nn.Parameter(glorot_uniform(a, b, gen)) for a, b in zip(WIDTHS, WIDTHS[1:])])
        self.biases = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(b)) for b in WIDTHS[1:]])
        self.groups = [[k, b] for k, b in zip(self.kernels, self.biases)]

    def forward(self, x):  # returns the logits of the softmax layer
        h = x
        last = len(self.kernels) - 1
        for i, (k, b) in enumerate(zip(self.kernels, self.biases)):
            h = torch.addmm(b, h, k)
            if i < last:
                h = torch.relu(h)
                if i in DROPOUT_AFTER:
                    h = F.dropout(h, 0.2, self.training)
        return h


def build(caps, gen):
    n_train, n_val, epochs = capped(800, 200, 50, caps)
    x = torch.randn(n_train + n_val, 12, generator=gen)
    label = (x.sum(1) > 0).long()
    y = F.one_hot(label, 2).float()
    return (Model(gen), categorical_crossentropy, categorical_accuracy, x[:n_train], y[:n_train], x[n_train:],
            y[n_train:], epochs, 16)


if __name__ == "__main__":
    run(__doc__.splitlines()[0], build)
