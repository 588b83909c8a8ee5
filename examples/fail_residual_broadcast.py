"""FAILS: a residual block with a strided convolution but no downsampling shortcut: x + f(x) cannot broadcast
(The size of tensor a (16) must match the size of tensor b (8) at non-singleton dimension 3)."""
import torch
import torch.nn as nn


class StridedResBlock(nn.Module):
    def __init__(self, ch, stride=2):
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(ch, ch, 3, stride, 1), nn.BatchNorm2d(ch), nn.ReLU(),
            nn.Conv2d(ch, ch, 3, 1, 1), nn.BatchNorm2d(ch),
        )
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(x + self.f(x))


class ResCritic(nn.Module):
    def __init__(self, ch=8, stride=2):
        super().__init__()
        self.stem = nn.Conv2d(3, ch, 3, 1, 1)
        self.block = StridedResBlock(ch, stride)
        self.head = nn.Conv2d(ch, 1, 1)

    def forward(self, x):
        return self.head(self.block(self.stem(x)))
