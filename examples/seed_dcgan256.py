"""Seed scenario: a DCGAN for 256x256 images.

Generator256: Linear head reshaped to (N, 8*fm, 4, 4), then six stride-2 transposed convolutions up to 256x256.
Discriminator256: six stride-2 convolutions down to 4x4, a 4x4 valid convolution to 1x1, then
`.view(-1, 1).squeeze()`: shape (N,) for N > 1, but a 0-d tensor () for a batch of one.
At 128x128 the last convolution sees 2x2 and fails.
"""
import torch
import torch.nn as nn


def up(cin, cout, last=False):
    conv = nn.ConvTranspose2d(cin, cout, kernel_size=4, stride=2, padding=1)
    if last:
        return [conv, nn.Tanh()]
    return [conv, nn.BatchNorm2d(cout), nn.ReLU()]


def down(cin, cout, norm=True):
    layers = [nn.Conv2d(cin, cout, kernel_size=4, stride=2, padding=1)]
    if norm:
        layers.append(nn.BatchNorm2d(cout))
    layers.append(nn.LeakyReLU(0.2))
    return layers


class Generator256(nn.Module):
    def __init__(self, latent_dim, channels, feature_map_size=64):
        super(Generator256, self).__init__()
        self.latent_dim = latent_dim
        self.fms = feature_map_size
        self.initial_layer = nn.Sequential(nn.Linear(latent_dim, feature_map_size * 8 * 4 * 4), nn.ReLU())
        fm = feature_map_size
        self.main = nn.Sequential(
            *up(fm * 8, fm * 4),
            *up(fm * 4, fm * 2),
            *up(fm * 2, fm),
            *up(fm, fm // 2),
            *up(fm // 2, fm // 4),
            *up(fm // 4, channels, last=True),
        )

    def forward(self, x):
        x = self.initial_layer(x)
        x = x.reshape(x.shape[0], self.fms * 8, 4, 4)
        return self.main(x)


class Discriminator256(nn.Module):
    def __init__(self, channels, feature_map_size=64):
        super(Discriminator256, self).__init__()
        fm = feature_map_size
        self.main = nn.Sequential(
            *down(channels, fm // 4, norm=False),
            *down(fm // 4, fm // 2),
            *down(fm // 2, fm),
            *down(fm, fm * 2),
            *down(fm * 2, fm * 4),
            *down(fm * 4, fm * 8),
            nn.Conv2d(fm * 8, 1, kernel_size=4, stride=1, padding=0),
            nn.Sigmoid(),
        )

    def forward(self, x):
        return self.main(x).view(-1, 1).squeeze()


if __name__ == "__main__":
    g = Generator256(latent_dim=100, channels=3)
    d = Discriminator256(channels=3)
    imgs = g(torch.randn(4, 100))
    print(imgs.shape, d(imgs).shape)
