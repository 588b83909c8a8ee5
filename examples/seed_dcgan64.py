"""Seed scenario: a DCGAN built for 64x64 images, and what happens at other sizes.

- Discriminator64 reduces 64x64 to a 1x1 score; at 128x128 it silently returns a 3x3 map;
  at 32x32 its last convolution sees a 2x2 map and PyTorch refuses (kernel 4 > input 2).
- Generator64 turns a (N, z_dim, 1, 1) latent into a (N, channels, 64, 64) image.
- ResizingDiscriminator64 first resizes any input to 64x64 with F.interpolate, so it always scores 1x1.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

IMAGE_SIZE = 64


class Discriminator64(nn.Module):
    def __init__(self, img_channels, width):
        super().__init__()
        # four stride-2 halvings: 64 -> 32 -> 16 -> 8 -> 4, then a 4x4 kernel with no padding -> 1x1
        self.main = nn.Sequential(
            nn.Conv2d(img_channels, width, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, width * 2, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.BatchNorm2d(width * 2),
            nn.Conv2d(width * 2, width * 4, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.BatchNorm2d(width * 4),
            nn.Conv2d(width * 4, width * 8, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.BatchNorm2d(width * 8),
            nn.Conv2d(width * 8, 1, kernel_size=4, stride=2, padding=0),
            nn.Sigmoid(),
        )

    def forward(self, image):
        return self.main(image)


class Generator64(nn.Module):
    def __init__(self, img_channels, width, z_dim):
        super().__init__()
        chans = [z_dim, width * 16, width * 8, width * 4, width * 2]
        layers = []
        for i in range(len(chans) - 1):
            first = i == 0
            layers.append(nn.ConvTranspose2d(chans[i], chans[i + 1], 4, 1 if first else 2, 0 if first else 1))
            layers.append(nn.ReLU())
            layers.append(nn.BatchNorm2d(chans[i + 1]))
        layers += [nn.ConvTranspose2d(chans[-1], img_channels, 4, 2, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z):
        return self.net(z)


class ResizingDiscriminator64(nn.Module):
    def __init__(self, img_channels, width):
        super().__init__()
        self.target = IMAGE_SIZE
        self.body = Discriminator64(img_channels, width).main

    def forward(self, image):
        image = F.interpolate(image, size=(self.target, self.target), mode="bilinear", align_corners=False)
        return self.body(image)


disc = Discriminator64(3, 8)
score = disc(torch.randn(1, 3, IMAGE_SIZE, IMAGE_SIZE))        # (1, 1, 1, 1)
patch = disc(torch.randn(1, 3, 2 * IMAGE_SIZE, 2 * IMAGE_SIZE))  # (1, 1, 3, 3): no error, but not a score
try:
    disc(torch.randn(1, 3, IMAGE_SIZE // 2, IMAGE_SIZE // 2))
except RuntimeError as err:
    too_small = str(err)

gen = Generator64(3, 8, 100)
fake = gen(torch.randn(1, 100, 1, 1))                             # (1, 3, 64, 64)
any_size = ResizingDiscriminator64(3, 8)(torch.randn(2, 3, 100, 100))  # (2, 1, 1, 1)
