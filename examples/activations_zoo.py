"""Every activation the trace must pass through: modules (ReLU, LeakyReLU, PReLU, ELU, GELU, SiLU, Tanh, Sigmoid,
Softmax, Identity) and functions (F.relu, F.leaky_relu, F.elu, F.gelu, F.silu, torch.tanh, torch.sigmoid,
F.softmax, F.log_softmax, F.dropout)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class ActivationStack(nn.Module):
    def __init__(self, features=24, n_out=6):
        super().__init__()
        self.fc = nn.Linear(features, 32)
        self.acts = nn.Sequential(
            nn.ReLU(),
            nn.LeakyReLU(negative_slope=0.1),
            nn.PReLU(num_parameters=32),
            nn.ELU(alpha=0.5),
            nn.GELU(),
            nn.SiLU(),
            nn.Identity(),
            nn.Tanh(),
            nn.Sigmoid(),
        )
        self.out = nn.Linear(32, n_out)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        return self.softmax(self.out(self.acts(self.fc(x))))


class FunctionalActivations(nn.Module):
    def __init__(self, channels=4):
        super().__init__()
        self.conv = nn.Conv2d(channels, 8, 3, padding=1)
        self.skip = nn.Identity()

    def forward(self, x):
        h = self.conv(x)
        h = F.relu(h) + F.leaky_relu(h, 0.2) + F.elu(h) + F.gelu(h) + F.silu(h)
        h = torch.tanh(h) * torch.sigmoid(h)
        h = F.dropout(h, p=0.1, training=self.training)
        p = F.softmax(h, dim=1)
        lp = F.log_softmax(h.flatten(2), dim=-1)
        return p, lp, self.skip(h)
