"""Tensor operations in forward: view / reshape with -1, flatten, squeeze / unsqueeze, permute, transpose,
torch.cat / torch.stack, .shape / .size() / .size(i) / .size(-1), indexing a shape, and broadcasting arithmetic."""
import torch
import torch.nn as nn


class ShapeShuffler(nn.Module):
    def __init__(self, channels=4, hidden=16):
        super().__init__()
        self.conv = nn.Conv2d(channels, hidden, 3, stride=2, padding=1)
        self.fc = nn.Linear(hidden, hidden)
        self.head = nn.Linear(hidden * 2, 1)

    def forward(self, x):
        n = x.size(0)
        h = self.conv(x)                                   # N, hidden, H/2, W/2
        c, hh, ww = h.shape[1], h.size(2), h.size(-1)
        tokens = h.view(n, c, hh * ww).permute(0, 2, 1)    # N, HW, C
        tokens = self.fc(tokens)
        pooled = tokens.transpose(1, 2).reshape(n, c, -1)  # N, C, HW
        a = pooled[:, :, 0]                                # N, C
        b = pooled.flatten(1).view(n, -1, c)[:, -1]        # N, C
        both = torch.cat([a, b], dim=1)                    # N, 2C
        stacked = torch.stack([a, b], dim=0)               # 2, N, C
        scale = stacked.unsqueeze(-1).squeeze(0)           # 2, N, C, 1
        bias = torch.ones(1, c) * 0.5                      # broadcasts against (N, C)
        out = self.head(both * torch.cat([bias, bias], 1))  # N, 1
        return out.squeeze(1), stacked, scale.transpose(0, 1)


class SqueezeExcite(nn.Module):
    """Channel attention: global average pool -> squeeze -> MLP -> unsqueeze twice -> broadcast multiply."""

    def __init__(self, channels=16, reduction=4):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Linear(channels, channels // reduction)
        self.act = nn.ReLU(inplace=True)
        self.fc2 = nn.Linear(channels // reduction, channels)
        self.gate = nn.Sigmoid()

    def forward(self, x):
        b, c, _, _ = x.size()
        y = self.pool(x).squeeze(-1).squeeze(-1)
        y = self.gate(self.fc2(self.act(self.fc1(y))))
        return x * y.unsqueeze(2).unsqueeze(3)
