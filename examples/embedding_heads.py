"""nn.Embedding on 1-D and 2-D index tensors (padding_idx), embeddings flattened into a Linear, a
projection discriminator (inner product of class embedding and features, broadcasting)."""
import torch
import torch.nn as nn


class TokenEncoder(nn.Module):
    def __init__(self, vocab=50, dim=8, seq_len=6, out=16):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.fc = nn.Linear(seq_len * dim, out)
        self.act = nn.GELU()

    def forward(self, tokens):  # (N, seq_len) integer tokens
        e = self.emb(tokens)                 # N, L, D
        return self.act(self.fc(e.flatten(start_dim=1)))


class ProjectionDiscriminator(nn.Module):
    def __init__(self, n_classes=10, channels=3, ndf=8):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(channels, ndf, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.linear = nn.Linear(ndf * 2, 1)
        self.embed = nn.Embedding(n_classes, ndf * 2)

    def forward(self, x, y):
        h = self.features(x)                          # N, F
        out = self.linear(h)                          # N, 1
        proj = (self.embed(y) * h).sum(dim=1, keepdim=True)
        return out + proj
