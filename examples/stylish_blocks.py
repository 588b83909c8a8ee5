"""User-defined modules without children (they appear as leaves, under their own class name): a View/Reshape
layer, a minibatch standard-deviation layer, a pixel-norm layer; plus conditional batch norm whose gamma/beta come
from an embedding sliced in two."""
import torch
import torch.nn as nn


class View(nn.Module):
    def __init__(self, *shape):
        super().__init__()
        self.shape = shape

    def forward(self, x):
        return x.view(x.size(0), *self.shape)


class PixelNorm(nn.Module):
    def forward(self, x):
        return x / torch.sqrt(torch.mean(x ** 2, dim=1, keepdim=True) + 1e-8)


class MinibatchStdDev(nn.Module):
    def forward(self, x):
        n, c, h, w = x.shape
        std = torch.sqrt(x.var(dim=0, unbiased=False) + 1e-8).mean()
        return torch.cat([x, std * torch.ones(n, 1, h, w)], dim=1)


class ConditionalBatchNorm2d(nn.Module):
    def __init__(self, num_features, num_classes):
        super().__init__()
        self.num_features = num_features
        self.bn = nn.BatchNorm2d(num_features, affine=False)
        self.embed = nn.Embedding(num_classes, num_features * 2)

    def forward(self, x, y):
        out = self.bn(x)
        gb = self.embed(y)
        gamma, beta = gb[:, : self.num_features], gb[:, self.num_features:]
        return gamma.view(-1, self.num_features, 1, 1) * out + beta.view(-1, self.num_features, 1, 1)


class StyleishGenerator(nn.Module):
    def __init__(self, nz=32, ch=16, n_classes=5):
        super().__init__()
        self.mapping = nn.Sequential(PixelNorm(), nn.Linear(nz, nz), nn.LeakyReLU(0.2), nn.Linear(nz, ch * 16))
        self.to_map = View(ch, 4, 4)
        self.up1 = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(ch, ch, 3, padding=1))
        self.cbn1 = ConditionalBatchNorm2d(ch, n_classes)
        self.up2 = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(ch, ch // 2, 3, padding=1))
        self.cbn2 = ConditionalBatchNorm2d(ch // 2, n_classes)
        self.act = nn.ReLU()
        self.to_rgb = nn.Conv2d(ch // 2, 3, 1)

    def forward(self, z, y):
        h = self.to_map(self.mapping(z))
        h = self.act(self.cbn1(self.up1(h), y))
        h = self.act(self.cbn2(self.up2(h), y))
        return torch.tanh(self.to_rgb(h))


class StdDevCritic(nn.Module):
    def __init__(self, ch=8):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, ch, 3, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(ch, ch, 3, 2, 1), nn.LeakyReLU(0.2))
        self.mbstd = MinibatchStdDev()
        self.final = nn.Conv2d(ch + 1, ch, 3, padding=1)
        self.flatten = View(-1)
        self.fc = nn.Linear(ch * 4 * 4, 1)

    def forward(self, x):
        h = self.final(self.mbstd(self.body(x)))
        return self.fc(self.flatten(h))
