"""Layers from comprehensions: a list comprehension of residual blocks star-unpacked into nn.Sequential, a dict
comprehension into nn.ModuleDict, channel lists from range() and zip(), tuple unpacking in for loops, max()/len()."""
import torch
import torch.nn as nn

CHANNELS = [3] + [8 * 2 ** i for i in range(3)]   # [3, 8, 16, 32]


class PreActBlock(nn.Module):
    def __init__(self, ch, expansion=2):
        super().__init__()
        hidden = max(ch // expansion, 4)
        self.body = nn.Sequential(
            nn.BatchNorm2d(ch), nn.ReLU(),
            nn.Conv2d(ch, hidden, 1), nn.BatchNorm2d(hidden), nn.ReLU(),
            nn.Conv2d(hidden, ch, 3, padding=1),
        )

    def forward(self, x):
        return x + self.body(x)


class ComprehensionNet(nn.Module):
    def __init__(self, channels=CHANNELS, blocks_per_stage=1, n_classes=3):
        super().__init__()
        self.downs = nn.Sequential(*[
            nn.Sequential(nn.Conv2d(cin, cout, 3, 2, 1), *[PreActBlock(cout) for _ in range(blocks_per_stage)])
            for cin, cout in zip(channels[:-1], channels[1:])
        ])
        self.heads = nn.ModuleDict({name: nn.Linear(channels[-1], n) for name, n in [("real", 1), ("cls", n_classes)]})
        self.n_stages = len(channels) - 1

    def forward(self, x):
        h = self.downs(x)
        h = h.mean(dim=(2, 3))
        outs = {k: head(h) for k, head in self.heads.items()}
        return outs["real"], outs["cls"]
