"""FAILS at construction: padding='same' is not supported for strided convolutions (ValueError in __init__)."""
import torch
import torch.nn as nn


class SameStrided(nn.Module):
    def __init__(self, stride=2):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=stride, padding="same")
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.conv(x))
