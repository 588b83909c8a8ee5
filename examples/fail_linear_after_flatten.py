"""FAILS at any size but 64: the classifier Linear is sized for a 4x4 map (64x64 input). At 128x128 the flattened
map is 4 times larger: mat1 and mat2 shapes cannot be multiplied."""
import torch
import torch.nn as nn

ndf = 8


class FlatHeadDiscriminator(nn.Module):
    def __init__(self, channels=3):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(channels, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2, True),
        )
        self.classifier = nn.Linear(ndf * 8 * 4 * 4, 1)

    def forward(self, x):
        x = self.features(x)
        x = x.view(x.size(0), -1)
        return torch.sigmoid(self.classifier(x))
