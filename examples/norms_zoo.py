"""Normalisation layers: BatchNorm2d (affine False, momentum None), BatchNorm1d on (N, C) and (N, C, L),
InstanceNorm2d, LayerNorm over [C, H, W] and over the last dim, GroupNorm."""
import torch
import torch.nn as nn


class NormImage(nn.Module):
    def __init__(self, channels=3, width=8, size=16):
        super().__init__()
        self.conv = nn.Conv2d(channels, width, 3, padding=1)
        self.bn = nn.BatchNorm2d(width, affine=False, momentum=None)
        self.inorm = nn.InstanceNorm2d(width, affine=True, track_running_stats=False)
        self.gn = nn.GroupNorm(4, width)
        self.ln = nn.LayerNorm([width, size, size])
        self.ln_last = nn.LayerNorm(size, elementwise_affine=False)

    def forward(self, x):
        x = self.conv(x)
        x = self.bn(x)
        x = self.inorm(x)
        x = self.gn(x)
        x = self.ln(x)
        return self.ln_last(x)


class NormSequence(nn.Module):
    def __init__(self, features=12, length=10):
        super().__init__()
        self.proj = nn.Linear(length, length)
        self.bn_seq = nn.BatchNorm1d(features)
        self.fc = nn.Linear(features * length, 32)
        self.bn_vec = nn.BatchNorm1d(32, eps=1e-3)
        self.ln = nn.LayerNorm(32)
        self.gn = nn.GroupNorm(2, features)

    def forward(self, x):  # x: (N, features, length)
        x = self.proj(x)
        x = self.bn_seq(x)
        x = self.gn(x)
        x = self.fc(x.reshape(x.size(0), -1))
        return self.ln(self.bn_vec(x))
