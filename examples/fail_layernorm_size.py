"""FAILS: LayerNorm([C, H, W]) is tied to one resolution; at another the normalized_shape does not match."""
import torch
import torch.nn as nn


class LNCritic(nn.Module):
    def __init__(self, img_size=32, ndf=8):
        super().__init__()
        s = img_size
        self.net = nn.Sequential(
            nn.Conv2d(3, ndf, 4, 2, 1), nn.LayerNorm([ndf, s // 2, s // 2]), nn.LeakyReLU(0.2),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1), nn.LayerNorm([ndf * 2, s // 4, s // 4]), nn.LeakyReLU(0.2),
            nn.Conv2d(ndf * 2, 1, s // 4),
        )

    def forward(self, x):
        return self.net(x).flatten()
