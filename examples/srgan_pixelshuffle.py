"""SRGAN-style super-resolution generator: PReLU, residual blocks with BatchNorm, sub-pixel upsampling with
PixelShuffle, math.log2 to count the upsampling stages; a VGG-like discriminator with AdaptiveAvgPool2d."""
import math

import torch
import torch.nn as nn


class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(channels)
        self.prelu = nn.PReLU()
        self.conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        residual = self.conv1(x)
        residual = self.bn1(residual)
        residual = self.prelu(residual)
        residual = self.conv2(residual)
        residual = self.bn2(residual)
        return x + residual


class UpsampleBlock(nn.Module):
    def __init__(self, in_channels, up_scale):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, in_channels * up_scale ** 2, kernel_size=3, padding=1)
        self.pixel_shuffle = nn.PixelShuffle(up_scale)
        self.prelu = nn.PReLU(in_channels)

    def forward(self, x):
        return self.prelu(self.pixel_shuffle(self.conv(x)))


class SRGenerator(nn.Module):
    def __init__(self, scale_factor=4, channels=16, n_blocks=2):
        super().__init__()
        upsample_block_num = int(math.log(scale_factor, 2))
        self.block1 = nn.Sequential(nn.Conv2d(3, channels, kernel_size=9, padding=4), nn.PReLU())
        self.blocks = nn.Sequential(*[ResidualBlock(channels) for _ in range(n_blocks)])
        self.block7 = nn.Sequential(nn.Conv2d(channels, channels, kernel_size=3, padding=1), nn.BatchNorm2d(channels))
        block8 = [UpsampleBlock(channels, 2) for _ in range(upsample_block_num)]
        block8.append(nn.Conv2d(channels, 3, kernel_size=9, padding=4))
        self.block8 = nn.Sequential(*block8)

    def forward(self, x):
        block1 = self.block1(x)
        block7 = self.block7(self.blocks(block1))
        block8 = self.block8(block1 + block7)
        return (torch.tanh(block8) + 1) / 2


class SRDiscriminator(nn.Module):
    def __init__(self, base=8):
        super().__init__()
        cfg = [(3, base, 1), (base, base, 2), (base, base * 2, 1), (base * 2, base * 2, 2)]
        layers = []
        for i, (cin, cout, stride) in enumerate(cfg):
            layers.append(nn.Conv2d(cin, cout, kernel_size=3, stride=stride, padding=1))
            if i > 0:
                layers.append(nn.BatchNorm2d(cout))
            layers.append(nn.LeakyReLU(0.2))
        layers += [
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(base * 2, base * 4, kernel_size=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(base * 4, 1, kernel_size=1),
        ]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        batch_size = x.size(0)
        return torch.sigmoid(self.net(x).view(batch_size))
