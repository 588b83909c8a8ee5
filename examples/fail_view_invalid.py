"""FAILS: the Linear produces ngf*8*4*4 features but forward reshapes to (N, ngf*8, 8, 8):
shape '[N, 64, 8, 8]' is invalid for input of size ... (a .view in forward: no module raised)."""
import torch
import torch.nn as nn


class ProjectGenerator(nn.Module):
    def __init__(self, nz=32, ngf=8):
        super().__init__()
        self.ngf = ngf
        self.project = nn.Linear(nz, ngf * 8 * 4 * 4)
        self.bn = nn.BatchNorm1d(ngf * 8 * 4 * 4)
        self.up = nn.Sequential(nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(ngf * 4, 3, 4, 2, 1))

    def forward(self, z):
        x = torch.relu(self.bn(self.project(z)))
        x = x.view(z.size(0), self.ngf * 8, 8, 8)
        return torch.tanh(self.up(x))
