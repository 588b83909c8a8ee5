"""FAILS: a grayscale generator (1 channel) feeds an RGB discriminator (Conv2d expects 3 channels)."""
import torch
import torch.nn as nn


class GrayGenerator(nn.Module):
    def __init__(self, nz=16, ngf=8):
        super().__init__()
        self.net = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, 1, 4, 2, 1), nn.Tanh(),
        )

    def forward(self, z):
        return self.net(z)


class RGBDiscriminator(nn.Module):
    def __init__(self, ndf=8):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, ndf, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(ndf, 1, 4, 2, 1),
        )

    def forward(self, x):
        return self.net(x)


class GANPair(nn.Module):
    def __init__(self):
        super().__init__()
        self.G = GrayGenerator()
        self.D = RGBDiscriminator()

    def forward(self, z):
        return self.D(self.G(z))
