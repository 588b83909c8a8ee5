"""Containers: nn.ModuleList iterated in forward, nn.ModuleDict indexed by key and iterated with .items(),
add_module with generated names, and a shared activation module reused at several places (named_modules()
reports it under its first name only)."""
import torch
import torch.nn as nn


class MultiHeadCritic(nn.Module):
    def __init__(self, channels=3, widths=(8, 16, 32), n_classes=4):
        super().__init__()
        self.stages = nn.ModuleList()
        cin = channels
        for w in widths:
            self.stages.append(nn.Conv2d(cin, w, 3, stride=2, padding=1))
            cin = w
        self.act = nn.LeakyReLU(0.2)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.heads = nn.ModuleDict({
            "adv": nn.Linear(cin, 1),
            "cls": nn.Linear(cin, n_classes),
        })
        self.heads["code"] = nn.Linear(cin, 2)

    def forward(self, x):
        for stage in self.stages:
            x = self.act(stage(x))
        x = self.pool(x).view(x.size(0), -1)
        return [head(x) for name, head in self.heads.items()]


class NamedBlocks(nn.Module):
    def __init__(self, depth=3, width=8):
        super().__init__()
        shared = nn.ReLU()
        self.inp = nn.Conv2d(1, width, 3, padding=1)
        for i in range(depth):
            block = nn.Sequential(nn.Conv2d(width, width, 3, padding=1), nn.BatchNorm2d(width), shared)
            self.add_module("block%d" % i, block)
        self.depth = depth
        self.out = nn.Conv2d(width, 1, 1)
        self.shared = shared

    def forward(self, x):
        x = self.shared(self.inp(x))
        for i in range(self.depth):
            x = getattr(self, "block%d" % i)(x)
        return self.out(x)


class SharedInSequential(nn.Module):
    def __init__(self):
        super().__init__()
        act = nn.LeakyReLU(0.2, inplace=True)
        self.main = nn.Sequential(nn.Conv2d(3, 8, 4, 2, 1), act, nn.Conv2d(8, 16, 4, 2, 1), act, nn.Conv2d(16, 1, 4))

    def forward(self, x):
        return self.main(x).view(-1)
