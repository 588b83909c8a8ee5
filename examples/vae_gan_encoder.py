"""VAE-GAN encoder: two Linear heads (mu, logvar), the reparameterisation trick with torch.exp and torch.randn of
the same size, and a decoder that reshapes the sample back into feature maps."""
import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, channels=3, ndf=8, z_dim=16, img_size=32):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(channels, ndf, 5, 2, 2, bias=False), nn.BatchNorm2d(ndf), nn.ReLU(),
            nn.Conv2d(ndf, ndf * 2, 5, 2, 2, bias=False), nn.BatchNorm2d(ndf * 2), nn.ReLU(),
        )
        feat = ndf * 2 * (img_size // 4) ** 2
        self.fc = nn.Sequential(nn.Linear(feat, 64), nn.BatchNorm1d(64), nn.ReLU())
        self.mu = nn.Linear(64, z_dim)
        self.logvar = nn.Linear(64, z_dim)

    def forward(self, x):
        h = self.conv(x)
        h = self.fc(h.view(len(h), -1))
        mu, logvar = self.mu(h), self.logvar(h)
        std = torch.exp(0.5 * logvar)
        eps = torch.randn(std.size())
        return mu + eps * std, mu, logvar


class Decoder(nn.Module):
    def __init__(self, z_dim=16, ngf=8, channels=3):
        super().__init__()
        self.ngf = ngf
        self.fc = nn.Sequential(nn.Linear(z_dim, ngf * 4 * 8 * 8), nn.BatchNorm1d(ngf * 4 * 8 * 8), nn.ReLU())
        self.deconv = nn.Sequential(
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 5, 2, 2, output_padding=1), nn.BatchNorm2d(ngf * 2), nn.ReLU(),
            nn.ConvTranspose2d(ngf * 2, ngf, 5, 2, 2, output_padding=1), nn.BatchNorm2d(ngf), nn.ReLU(),
            nn.Conv2d(ngf, channels, 5, 1, 2), nn.Tanh(),
        )

    def forward(self, z):
        h = self.fc(z).view(-1, self.ngf * 4, 8, 8)
        return self.deconv(h)
