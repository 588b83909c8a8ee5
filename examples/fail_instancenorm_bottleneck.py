"""FAILS for small images: an encoder with InstanceNorm2d down to a 1x1 bottleneck -- instance norm needs more than
one spatial element in train mode. At 32x32 the bottleneck is 2x2 and it works."""
import torch
import torch.nn as nn


class DeepEncoder(nn.Module):
    def __init__(self, channels=3, base=4, depth=4):
        super().__init__()
        layers = []
        cin = channels
        for i in range(depth):
            cout = base * 2 ** i
            layers += [nn.Conv2d(cin, cout, 4, 2, 1), nn.InstanceNorm2d(cout), nn.LeakyReLU(0.2)]
            cin = cout
        self.encoder = nn.Sequential(*layers)

    def forward(self, x):
        return self.encoder(x)
