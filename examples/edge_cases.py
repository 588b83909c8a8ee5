"""Shape rules at their edges: ceil_mode windows that would start in the padding, unbatched (C, H, W) inputs
(convolutions accept them, BatchNorm2d does not), view with -1 that does not divide, negative dims in
flatten / transpose / stack / cat, Linear on 1-D input, AdaptiveAvgPool2d on 3-D input."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class CeilEdge(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.MaxPool2d(3, stride=3, padding=1, ceil_mode=True)
        self.avg = nn.AvgPool2d(2, stride=2, ceil_mode=True)

    def forward(self, x):
        a = self.pool(x)
        b = F.avg_pool2d(x, 3, stride=3, padding=1, ceil_mode=True)
        return a, b, self.avg(x)


class Unbatched(nn.Module):
    def __init__(self, use_bn=False):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.act = nn.LeakyReLU(0.2)
        self.bn = nn.BatchNorm2d(4) if use_bn else nn.Identity()
        self.pool = nn.AdaptiveAvgPool2d((2, 2))
        self.flat = nn.Flatten(0)
        self.fc = nn.Linear(16, 3)

    def forward(self, x):
        h = self.bn(self.act(self.conv(x)))
        return self.fc(self.flat(self.pool(h)))


class NegativeDims(nn.Module):
    def __init__(self, chunk=7):
        super().__init__()
        self.chunk = chunk
        self.fc = nn.Linear(5, 5)

    def forward(self, x):                     # (N, C, H, W)
        y = x.flatten(-2)                     # N, C, HW
        y = y.transpose(-1, -2)               # N, HW, C
        z = torch.stack([y, y], dim=-1)       # N, HW, C, 2
        w = torch.cat([z, z, z], dim=-3)      # N, 3HW, C, 2
        v = x.reshape(-1, self.chunk)
        return self.fc(x), w, v


class LossBroadcast(nn.Module):
    """LSGAN slip: MSELoss((N, 1), (N,)) broadcasts to (N, N) and returns a scalar -- no error, only a warning.
    BCEWithLogitsLoss is strict about the same mismatch."""

    def __init__(self, strict=False):
        super().__init__()
        self.fc = nn.Linear(6, 1)
        self.mse = nn.MSELoss()
        self.bcel = nn.BCEWithLogitsLoss()
        self.strict = strict

    def forward(self, x):
        out = self.fc(x)
        target = torch.ones(x.size(0))
        if self.strict:
            return self.bcel(out, target)
        return self.mse(out, target)


class SegmentationCE(nn.Module):
    """CrossEntropyLoss on (N, C, H, W) logits with (N, H, W) class targets (pix2pix-style label maps)."""

    def __init__(self, n_classes=4):
        super().__init__()
        self.head = nn.Conv2d(3, n_classes, 1)
        self.ce = nn.CrossEntropyLoss()
        self.nll = nn.NLLLoss(reduction="none")

    def forward(self, x, target):
        logits = self.head(x)
        return self.ce(logits, target), self.nll(F.log_softmax(logits, dim=1), target)


class BadBatchNorm1d(nn.Module):
    """BatchNorm1d fed a 4-D map (should have been BatchNorm2d)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.bn = nn.BatchNorm1d(4)

    def forward(self, x):
        return self.bn(self.conv(x))
