"""Models that create tensors inside forward: torch.randn / rand / zeros / ones / full / empty / randint sized
from the input (x.size(0), x.shape), noise injection by broadcasting, and a generator that draws its own latent."""
import torch
import torch.nn as nn

LATENT = 32


class SelfSampler(nn.Module):
    """forward(batch_like): draws z ~ N(0, 1) for as many samples as the reference batch has."""

    def __init__(self, nz=LATENT, ngf=8, channels=1):
        super().__init__()
        self.nz = nz
        self.fc = nn.Linear(nz, ngf * 4 * 7 * 7)
        self.ngf = ngf
        self.up = nn.Sequential(
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, channels, 4, 2, 1),
            nn.Sigmoid(),
        )

    def forward(self, reference):
        z = torch.randn(reference.size(0), self.nz)
        h = self.fc(z).view(-1, self.ngf * 4, 7, 7)
        return self.up(h)


class NoiseInjection(nn.Module):
    """StyleGAN-like per-pixel noise with a learned per-channel weight; constant input made with torch.ones."""

    def __init__(self, channels=8, size=4):
        super().__init__()
        self.size = size
        self.channels = channels
        self.weight = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.act = nn.LeakyReLU(0.2)

    def forward(self, style):
        batch = style.shape[0]
        const = torch.ones(batch, self.channels, self.size, self.size)
        noise = torch.randn(batch, 1, self.size, self.size)
        x = const + self.weight * noise
        x = x * style.view(batch, -1, 1, 1)
        mask = torch.rand(batch, 1, 1, 1) > 0.5
        x = x + torch.zeros(batch, self.channels, 1, 1) + torch.full((1, self.channels, 1, 1), 0.1) * mask
        buf = torch.empty(batch, self.channels, self.size, self.size)
        x = self.act(self.conv(x)) + buf * 0
        idx = torch.randint(0, self.channels, (batch,))
        return x, idx
