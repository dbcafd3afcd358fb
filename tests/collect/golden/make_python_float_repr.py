#!/usr/bin/python3
"""Golden values for collect's format_python_float: Python's repr(float).

Run with Debian's /usr/bin/python3 from this folder:
    /usr/bin/python3 make_python_float_repr.py > python_float_repr.txt
Each line: the IEEE-754 bits of a double in hex, a space, repr() of it.
"""
import random
import struct

random.seed(20240531)
values = [0.0, -0.0, 1.0, -1.0, 0.1, 1e-4, 9.999999999999999e-05, 1e-05, 1e16, 9999999999999998.0,
          1e15, 123456789012345680.0, 5e-324, 1.7976931348623157e308, 2.0 ** -1074, 0.5, 100.0,
          1415388.0, 23164800.0, 0.0009000000427477062, 3.6, 8.5, 0.292236328125,
          float("nan"), float("inf"), float("-inf")]
for _ in range(3000):
    kind = random.random()
    if kind < 0.4:  # arbitrary bit patterns of finite doubles
        while True:
            bits = random.getrandbits(64)
            v = struct.unpack("<d", struct.pack("<Q", bits))[0]
            if v == v and abs(v) != float("inf"):
                break
    elif kind < 0.8:  # training-metric magnitudes around the fixed/exponent switch
        v = random.uniform(-1, 1) * 10.0 ** random.randint(-9, 18)
    else:  # float32 values widened to double, as numpy writes them
        v = struct.unpack("<f", struct.pack("<f", random.uniform(-1, 1) * 10.0 ** random.randint(-6, 8)))[0]
    values.append(v)
for v in values:
    bits = struct.unpack("<Q", struct.pack("<d", v))[0]
    print(f"{bits:016x} {v!r}")
