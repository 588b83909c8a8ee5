"""FAILS: the label map is built for 32x32 but the image is 64x64: torch.cat along channels needs equal H and W."""
import torch
import torch.nn as nn

N_CLASSES = 10
MAP_SIZE = 32


class LabelMapDiscriminator(nn.Module):
    def __init__(self, channels=3, ndf=8):
        super().__init__()
        self.label_fc = nn.Linear(N_CLASSES, MAP_SIZE * MAP_SIZE)
        self.net = nn.Sequential(nn.Conv2d(channels + 1, ndf, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(ndf, 1, 4, 2, 1))

    def forward(self, img, onehot):
        label_map = self.label_fc(onehot).view(-1, 1, MAP_SIZE, MAP_SIZE)
        return self.net(torch.cat([img, label_map], 1))
