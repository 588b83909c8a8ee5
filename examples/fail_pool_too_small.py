"""FAILS below 16x16: after three 2x2 max-pools, a fourth MaxPool2d(4) sees a 1x1 map -- output size too small.
A GroupNorm with the wrong channel count is the second trap (GroupNormSlip)."""
import torch
import torch.nn as nn


class PoolTower(nn.Module):
    def __init__(self, channels=3, width=4):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.MaxPool2d(4),
            nn.Flatten(),
        )

    def forward(self, x):
        return self.net(x)


class GroupNormSlip(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1)
        self.norm = nn.GroupNorm(4, 32)

    def forward(self, x):
        return self.norm(self.conv(x))
