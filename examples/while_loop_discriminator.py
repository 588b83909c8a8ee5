"""A discriminator for any power-of-two size: a while loop halves the resolution until 4x4, doubling channels up
to a cap with min(); the final Linear is sized with the loop's result. math.log2 / int() / % validate the size."""
import math

import torch
import torch.nn as nn


class AnySizeDiscriminator(nn.Module):
    def __init__(self, img_size=64, channels=3, ndf=8, max_ch=32):
        super().__init__()
        if img_size % 4 != 0 or 2 ** int(math.log2(img_size)) != img_size:
            raise ValueError("img_size must be a power of two, got %d" % img_size)
        layers = []
        size, cin, cout = img_size, channels, ndf
        while size > 4:
            layers.append(nn.Conv2d(cin, cout, 4, 2, 1, bias=False))
            if cin != channels:
                layers.append(nn.BatchNorm2d(cout))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            cin, cout = cout, min(cout * 2, max_ch)
            size //= 2
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(cin * size * size, 1), nn.Sigmoid())

    def forward(self, x):
        return self.classifier(self.features(x))


class AnySizeGenerator(nn.Module):
    def __init__(self, img_size=32, nz=32, channels=3, ngf=8):
        super().__init__()
        n_up = int(math.log2(img_size)) - 2
        mult = 2 ** (n_up - 1)
        layers = [nn.ConvTranspose2d(nz, ngf * mult, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * mult), nn.ReLU(True)]
        i = 1
        while i < n_up:
            layers += [
                nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ngf * mult // 2),
                nn.ReLU(True),
            ]
            mult //= 2
            i += 1
        layers += [nn.ConvTranspose2d(ngf * mult, channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, z):
        return self.main(z)
