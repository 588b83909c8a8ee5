"""Resizing: nn.Upsample with size / scale_factor (integer and fractional), modes nearest, bilinear and bicubic;
F.interpolate with size, scale_factor and recompute_scale_factor."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class ResizeChain(nn.Module):
    def __init__(self, channels=3):
        super().__init__()
        self.up2 = nn.Upsample(scale_factor=2, mode="nearest")
        self.up_frac = nn.Upsample(scale_factor=1.5, mode="bilinear", align_corners=False)
        self.to_fixed = nn.Upsample(size=(20, 24), mode="bicubic", align_corners=True)
        self.conv = nn.Conv2d(channels, 4, 3, padding=1)

    def forward(self, x):
        x = self.up2(x)
        x = self.up_frac(x)
        x = self.to_fixed(x)
        x = self.conv(x)
        x = F.interpolate(x, scale_factor=0.5)
        x = F.interpolate(x, size=7, mode="bilinear", align_corners=False)
        x = F.interpolate(x, scale_factor=(2, 3), mode="nearest")
        return F.interpolate(x, scale_factor=1.3, mode="bilinear", recompute_scale_factor=True)


class ProgressiveUpsampler(nn.Module):
    """Doubles the resolution `steps` times, halving the channels each time."""

    def __init__(self, in_ch=32, steps=3):
        super().__init__()
        blocks = []
        ch = in_ch
        for _ in range(steps):
            blocks.append(nn.Upsample(scale_factor=2))
            blocks.append(nn.Conv2d(ch, ch // 2, 3, 1, 1))
            blocks.append(nn.LeakyReLU(0.2))
            ch //= 2
        self.blocks = nn.Sequential(*blocks)
        self.to_rgb = nn.Conv2d(ch, 3, 1)

    def forward(self, x):
        return torch.tanh(self.to_rgb(self.blocks(x)))
