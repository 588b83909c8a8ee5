"""28x28 MNIST DCGAN: Linear -> view(-1, 128, 7, 7) -> two stride-2 transposed convs -> 28x28; the discriminator's
Linear is sized for 7x7 features, so a 32x32 input gives an 8x8 map and a mat1/mat2 error."""
import torch
import torch.nn as nn

nz = 64


class MnistGenerator(nn.Module):
    def __init__(self, nz=nz, ngf=16):
        super().__init__()
        self.ngf = ngf
        self.fc = nn.Sequential(nn.Linear(nz, ngf * 4 * 7 * 7), nn.BatchNorm1d(ngf * 4 * 7 * 7), nn.ReLU(True))
        self.deconv = nn.Sequential(
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, 1, 4, 2, 1),
            nn.Tanh(),
        )

    def forward(self, z):
        x = self.fc(z)
        x = x.view(-1, self.ngf * 4, 7, 7)
        return self.deconv(x)


class MnistDiscriminator(nn.Module):
    def __init__(self, ndf=16):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2),
        )
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(ndf * 2 * 7 * 7, 1), nn.Sigmoid())

    def forward(self, x):
        return self.fc(self.conv(x))


G = MnistGenerator()
D = MnistDiscriminator()
_out = D(G(torch.randn(2, nz)))
