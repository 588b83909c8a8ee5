"""FAILS: PixelShuffle(2) after a convolution with 6 output channels -- not divisible by 2**2."""
import torch
import torch.nn as nn


class SubPixelUp(nn.Module):
    def __init__(self, cin=8, cout=6, factor=2):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.shuffle = nn.PixelShuffle(factor)
        self.act = nn.PReLU()

    def forward(self, x):
        return self.act(self.shuffle(self.conv(x)))
