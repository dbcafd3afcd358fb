#!/usr/bin/python3
"""Python reference for bench/runner_vs_python.sh: Stack Overflow program 73148058
(RNN, input [3, 1], 4 random classes; LSTM(64, return_sequences) - Dropout(0.2) -
LSTM(64) - Dropout(0.2) - Dense(32) relu - Dense(4) softmax, sparse categorical
crossentropy, Adam lr 0.001, batch 4, 50 epochs, 100/100 samples), trained with
Debian's python3-torch by Keras fit()'s loop (keras_loop.py). The LSTMs keep
Keras' layout and initialisation (glorot kernel, orthogonal recurrent kernel, one
bias with the forget slice at 1) and run through PyTorch's own LSTM op with a
zero second bias: the fastest eager path."""
import torch
import torch.nn.functional as F

from keras_loop import capped, glorot_uniform, orthogonal, run

UNITS = 64


class LSTM(torch.nn.Module):
    def __init__(self, features, gen):
        super().__init__()
        self.kernel = torch.nn.Parameter(glorot_uniform(features, 4 * UNITS, gen))
        self.recurrent = torch.nn.Parameter(orthogonal(UNITS, 4 * UNITS, gen))
        bias = torch.zeros(4 * UNITS)
        bias[UNITS:2 * UNITS] = 1.0  # unit_forget_bias
        self.bias = torch.nn.Parameter(bias)
        self.register_buffer("zero_bias", torch.zeros(4 * UNITS))

    def forward(self, x, sequences):
        h0 = torch.zeros(1, x.shape[0], UNITS)
        out, h, _ = torch._VF.lstm(x, (h0, h0), [self.kernel.t(), self.recurrent.t(), self.bias, self.zero_bias],
                                   True, 1, 0.0, self.training, False, True)
        return out if sequences else h[0]


class Model(torch.nn.Module):
    def __init__(self, gen):
        super().__init__()
        self.lstm1, self.lstm2 = LSTM(1, gen), LSTM(UNITS, gen)
        self.k1 = torch.nn.Parameter(glorot_uniform(UNITS, 32, gen))
        self.b1 = torch.nn.Parameter(torch.zeros(32))
        self.k2 = torch.nn.Parameter(glorot_uniform(32, 4, gen))
        self.b2 = torch.nn.Parameter(torch.zeros(4))
        self.groups = [[self.lstm1.kernel, self.lstm1.recurrent, self.lstm1.bias],
                       [self.lstm2.kernel, self.lstm2.recurrent, self.lstm2.bias], [self.k1, self.b1], [self.k2, self.b2]]

    def forward(self, x):  # returns the logits of the softmax layer
        h = F.dropout(self.lstm1(x, True), 0.2, self.training)
        h = F.dropout(self.lstm2(h, False), 0.2, self.training)
        h = torch.relu(torch.addmm(self.b1, h, self.k1))
        return torch.addmm(self.b2, h, self.k2)


def loss_fn(logits, y):
    return F.cross_entropy(logits, y)


def acc_fn(logits, y):
    return (logits.argmax(-1) == y).float().mean().item()


def build(caps, gen):
    n_train, n_val, epochs = capped(100, 100, 50, caps)
    x = torch.rand(n_train + n_val, 3, 1, generator=gen)
    x = (x - x.mean()) / x.std(unbiased=False)
    y = torch.randint(0, 4, (n_train + n_val,), generator=gen)
    return Model(gen), loss_fn, acc_fn, x[:n_train], y[:n_train], x[n_train:], y[n_train:], epochs, 4


if __name__ == "__main__":
    run(__doc__.splitlines()[0], build)
