"""nn.Flatten (default start_dim=1, and start_dim=2), nn.Unflatten back to an image, with a Linear bottleneck:
an encoder/decoder pair of the kind used by BEGAN-style autoencoding discriminators."""
import torch
import torch.nn as nn

H = W = 16
CH = 8


class AutoencoderD(nn.Module):
    def __init__(self, channels=1, hidden=32):
        super().__init__()
        self.down = nn.Sequential(nn.Conv2d(channels, CH, 3, 2, 1), nn.ReLU())
        down_size = H // 2
        flat = CH * down_size ** 2
        self.bottleneck = nn.Sequential(
            nn.Flatten(),
            nn.Linear(flat, hidden),
            nn.BatchNorm1d(hidden, 0.8),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, flat),
            nn.Unflatten(1, (CH, down_size, down_size)),
        )
        self.up = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(CH, channels, 3, 1, 1))

    def forward(self, img):
        out = self.down(img)
        out = self.bottleneck(out)
        return self.up(out)


class TokensFromMap(nn.Module):
    """(N, C, H, W) -> (N, H*W, C) tokens -> per-token Linear -> back to (N, C', H, W)."""

    def __init__(self, channels=8, dim=12, side=4):
        super().__init__()
        self.side = side
        self.flat = nn.Flatten(start_dim=2)
        self.mix = nn.Linear(channels, dim)
        self.norm = nn.LayerNorm(dim)
        self.unflat = nn.Unflatten(-1, (side, side))

    def forward(self, x):
        t = self.flat(x).transpose(1, 2)     # N, HW, C
        t = self.norm(self.mix(t))           # N, HW, dim
        return self.unflat(t.permute(0, 2, 1))
