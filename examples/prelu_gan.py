"""A small GAN for 32x32 RGB images with learnable PReLU activations and a residual block in the generator.

The shape engine models every layer here; the tfjs training engines do not execute nn.PReLU, so DCGAN Lab trains
this pair with the torch engine (your own PyTorch): `dcgan-lab train --model examples/prelu_gan.py`.
"""
import torch
import torch.nn as nn

Z_DIM = 32
IMG_CHANNELS = 3


class ResBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(ch, ch, 3, 1, 1, bias=False),
            nn.BatchNorm2d(ch),
            nn.PReLU(ch),
            nn.Conv2d(ch, ch, 3, 1, 1, bias=False),
            nn.BatchNorm2d(ch),
        )

    def forward(self, x):
        return x + self.body(x)


class Generator(nn.Module):
    def __init__(self, z_dim=Z_DIM, width=32):
        super().__init__()
        self.width = width
        self.project = nn.Linear(z_dim, width * 4 * 4 * 4)
        self.up = nn.Sequential(
            nn.BatchNorm2d(width * 4),
            nn.PReLU(),
            nn.ConvTranspose2d(width * 4, width * 2, 4, 2, 1),   # 4 -> 8
            nn.BatchNorm2d(width * 2),
            nn.PReLU(),
            ResBlock(width * 2),
            nn.ConvTranspose2d(width * 2, width, 4, 2, 1),       # 8 -> 16
            nn.BatchNorm2d(width),
            nn.PReLU(),
            nn.ConvTranspose2d(width, IMG_CHANNELS, 4, 2, 1),    # 16 -> 32
            nn.Tanh(),
        )

    def forward(self, z):
        x = self.project(z).view(z.size(0), self.width * 4, 4, 4)
        return self.up(x)


class Discriminator(nn.Module):
    def __init__(self, width=32):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(IMG_CHANNELS, width, 4, 2, 1),             # 32 -> 16
            nn.PReLU(),
            nn.Conv2d(width, width * 2, 4, 2, 1, bias=False),    # 16 -> 8
            nn.BatchNorm2d(width * 2),
            nn.PReLU(),
            nn.Conv2d(width * 2, width * 4, 4, 2, 1, bias=False),  # 8 -> 4
            nn.BatchNorm2d(width * 4),
            nn.PReLU(),
        )
        self.head = nn.Linear(width * 4 * 4 * 4, 1)

    def forward(self, img):
        h = self.features(img)
        return self.head(h.flatten(1))
