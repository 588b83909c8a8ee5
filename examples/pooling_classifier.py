"""Pooling: MaxPool2d / AvgPool2d with stride defaulting to the kernel, padding, ceil_mode; AdaptiveAvgPool2d and
AdaptiveMaxPool2d with int, tuple and None sizes; their F.* counterparts."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class PoolNet(nn.Module):
    def __init__(self, channels=3, width=8, n_classes=5):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, width, 3, padding=1)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(width, width * 2, 3, padding=1)
        self.pool2 = nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)
        self.pool3 = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.pool4 = nn.AvgPool2d(kernel_size=2, ceil_mode=False)
        self.amax = nn.AdaptiveMaxPool2d((3, None))
        self.aavg = nn.AdaptiveAvgPool2d(2)
        self.fc = nn.Linear(width * 2 * 4, n_classes)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = self.pool1(x)
        x = F.relu(self.conv2(x))
        x = self.pool2(x)
        x = self.pool3(x)
        x = self.amax(x)
        x = self.aavg(x)
        return self.fc(torch.flatten(x, 1))


class FunctionalPools(nn.Module):
    def __init__(self, channels=3):
        super().__init__()
        self.conv = nn.Conv2d(channels, 6, 3)
        self.head = nn.Linear(6 * 2 * 2 + 6, 1)

    def forward(self, x):
        x = self.conv(x)
        a = F.max_pool2d(x, 2, ceil_mode=True)
        a = F.avg_pool2d(a, kernel_size=3, stride=1, padding=1)
        a = F.adaptive_avg_pool2d(a, (2, 2))
        b = F.adaptive_max_pool2d(x, 1)
        feats = torch.cat([a.flatten(1), b.view(b.size(0), -1)], dim=1)
        return self.head(feats)
