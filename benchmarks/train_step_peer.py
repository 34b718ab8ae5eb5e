#!/usr/bin/python3
"""The peer of //benchmarks:train_step_benchmark in plain PyTorch-Python
(Debian's python3-torch, the same LibTorch 1.13 underneath): the same
IResNet-style net (facerec/backbones, "ir_mini" with a stride-2 stem, width
0.5, 64x56 input, 256-d embedding), CE head over 500 classes, batch 64, SGD
with momentum, on the same number of threads.

    OMP_NUM_THREADS=2 /usr/bin/python3 benchmarks/train_step_peer.py [--bf16]

--bf16 runs the net's forward under CPU bfloat16 autocast and the head and loss
on its float32 embeddings, as facerec's --bf16 does (train/cpu_autocast.h).
"""
import argparse
import statistics
import time

import torch
from torch import nn


def scaled(c, m):
    return max(8, round(c * m / 8) * 8)


class IBasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.prelu = nn.PReLU(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, stride, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                            nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.bn3(self.conv2(self.prelu(self.bn2(self.conv1(self.bn1(x))))))
        return y + (self.downsample(x) if self.downsample is not None else x)


class IResNet(nn.Module):
    def __init__(self, units=(1, 2, 2, 1), width=0.5, height=64, input_width=56, embedding=256,
                 stem_stride=2):
        super().__init__()
        widths = [scaled(c, width) for c in (64, 128, 256, 512)]
        self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 3, stem_stride, 1, bias=False),
                                  nn.BatchNorm2d(widths[0]), nn.PReLU(widths[0]))
        halve = lambda s: (s - 1) // 2 + 1
        h, w = height, input_width
        if stem_stride == 2:
            h, w = halve(h), halve(w)
        blocks, cin = [], widths[0]
        for stage, n in enumerate(units):
            for u in range(n):
                blocks.append(IBasicBlock(cin, widths[stage], 2 if u == 0 else 1))
                cin = widths[stage]
            h, w = halve(h), halve(w)
        self.body = nn.Sequential(*blocks)
        self.head_bn = nn.BatchNorm2d(cin)
        self.fc = nn.Linear(cin * h * w, embedding)
        self.features = nn.BatchNorm1d(embedding)

    def forward(self, x):
        x = self.body(self.stem((x - 0.5) / 0.5))
        return self.features(self.fc(self.head_bn(x).flatten(1)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--bf16", action="store_true", help="bfloat16 autocast for the net's forward")
    args = parser.parse_args()
    torch.manual_seed(0)
    net, head = IResNet(), nn.Linear(256, 500)
    sgd = torch.optim.SGD(list(net.parameters()) + list(head.parameters()), lr=0.1, momentum=0.9)
    x, y = torch.rand(64, 3, 64, 56), torch.randint(500, (64,))

    def step():
        sgd.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            embeddings = net(x)
        loss = nn.functional.cross_entropy(head(embeddings.float()), y)
        loss.backward()
        sgd.step()

    for _ in range(3):
        step()
    rates = []
    for _ in range(args.repetitions):
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        rates.append(64 * args.steps / (time.perf_counter() - start))
    print(f"PyTorch-Python train step{' (bf16 autocast)' if args.bf16 else ''}: median {statistics.median(rates):.1f} img/s over "
          f"{args.repetitions} x {args.steps} steps, {torch.get_num_threads()} threads, "
          f"torch {torch.__version__}")


if __name__ == "__main__":
    main()
