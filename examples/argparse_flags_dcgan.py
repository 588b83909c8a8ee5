"""Architecture switched by command-line flags: choices for the norm layer, store_true for dropout, an int for
the number of layers; img_shape from opt and `img.view(img.size(0), *img_shape)` in a Linear generator head."""
import argparse
import math

import torch
import torch.nn as nn

parser = argparse.ArgumentParser(description="flag-driven DCGAN")
parser.add_argument("--img_size", type=int, default=32)
parser.add_argument("--channels", type=int, default=3)
parser.add_argument("--latent_dim", type=int, default=32)
parser.add_argument("--ndf", type=int, default=8)
parser.add_argument("--n_layers", type=int, default=3)
parser.add_argument("--norm", choices=["batch", "instance", "layer", "none"], default="batch")
parser.add_argument("--dropout", action="store_true")
opt = parser.parse_args()

img_shape = (opt.channels, opt.img_size, opt.img_size)


def make_norm(ch, size):
    if opt.norm == "batch":
        return nn.BatchNorm2d(ch)
    elif opt.norm == "instance":
        return nn.InstanceNorm2d(ch)
    elif opt.norm == "layer":
        return nn.LayerNorm([ch, size, size])
    return nn.Identity()


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        layers = []
        ch, size = opt.channels, opt.img_size
        for i in range(opt.n_layers):
            out = opt.ndf * 2 ** i
            size = size // 2
            layers += [nn.Conv2d(ch, out, 4, 2, 1)]
            if i > 0:
                layers.append(make_norm(out, size))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            if opt.dropout:
                layers.append(nn.Dropout2d(0.3))
            ch = out
        self.model = nn.Sequential(*layers)
        self.adv = nn.Linear(ch * size * size, 1)

    def forward(self, img):
        feats = self.model(img)
        return self.adv(feats.view(img.size(0), -1))


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        hidden = 2 ** int(math.ceil(math.log2(opt.latent_dim * 4)))
        self.model = nn.Sequential(
            nn.Linear(opt.latent_dim, hidden),
            nn.ReLU(),
            nn.Linear(hidden, int(math.prod(img_shape))),
            nn.Tanh(),
        )

    def forward(self, z):
        img = self.model(z)
        return img.view(img.size(0), *img_shape)
