"""A small GAN for 16x16 grayscale images, with BatchNorm settings that are not the defaults.

DCGAN Lab's training-parity test trains it for three steps in tfjs and in PyTorch from the same weights,
batches and noise: BatchNorm's eps and momentum come from here, whatever their values.
"""
import torch
import torch.nn as nn

LATENT = 16


class TinyGenerator(nn.Module):
    def __init__(self, nz=LATENT, ngf=8):
        super().__init__()
        self.ngf = ngf
        self.fc = nn.Linear(nz, ngf * 2 * 4 * 4)
        self.net = nn.Sequential(
            nn.BatchNorm2d(ngf * 2, eps=1e-3, momentum=0.3),
            nn.LeakyReLU(0.1),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1),                      # 4 -> 8
            nn.BatchNorm2d(ngf, eps=0.01),
            nn.ReLU(),
            nn.ConvTranspose2d(ngf, 1, 3, 2, 1, output_padding=1),         # 8 -> 16
            nn.Tanh(),
        )

    def forward(self, z):
        x = self.fc(z).view(-1, self.ngf * 2, 4, 4)
        return self.net(x)


class TinyDiscriminator(nn.Module):
    def __init__(self, ndf=8):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, ndf, 3, 2, 1),                                     # 16 -> 8
            nn.LeakyReLU(0.2),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),                   # 8 -> 4
            nn.BatchNorm2d(ndf * 2, momentum=0.05),
            nn.LeakyReLU(0.2),
        )
        self.head = nn.Linear(ndf * 2 * 4 * 4, 1)

    def forward(self, img):
        h = self.features(img)
        return torch.sigmoid(self.head(h.flatten(1)))


netG = TinyGenerator()
netD = TinyDiscriminator()
