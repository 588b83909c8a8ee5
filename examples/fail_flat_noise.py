"""FAILS: the latent is passed flat (N, nz) to a ConvTranspose2d that needs (N, nz, 1, 1):
Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of size: [N, nz].
Unsqueezing it (the `fixed` flag) makes it work."""
import torch
import torch.nn as nn


class FlatNoiseGenerator(nn.Module):
    def __init__(self, nz=16, ngf=8, fixed=False):
        super().__init__()
        self.fixed = fixed
        self.net = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0), nn.BatchNorm2d(ngf * 2), nn.ReLU(),
            nn.ConvTranspose2d(ngf * 2, 3, 4, 2, 1), nn.Tanh(),
        )

    def forward(self, z):
        if self.fixed:
            z = z.unsqueeze(-1).unsqueeze(-1)
        return self.net(z)
