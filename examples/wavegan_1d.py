"""WaveGAN-like 1-D GAN: Linear -> view(N, C, 16) -> [Upsample(x4) + Conv1d(k=25, padding=12) + ReLU] stages ->
Tanh; the discriminator uses strided Conv1d, BatchNorm1d on (N, C, L), LeakyReLU and a Linear on the flattened map."""
import torch
import torch.nn as nn
import torch.nn.functional as F

MODEL_SIZE = 4
SLICE_LEN = 1024


class WaveGenerator(nn.Module):
    def __init__(self, latent_dim=32, d=MODEL_SIZE, num_channels=1, stages=3):
        super().__init__()
        self.d = d
        self.fc1 = nn.Linear(latent_dim, 16 * 16 * d)
        chans = [16 * d // 2 ** i for i in range(stages)] + [num_channels]
        layers = []
        for i in range(stages):
            layers.append(nn.Upsample(scale_factor=4, mode="nearest"))
            layers.append(nn.Conv1d(chans[i], chans[i + 1], 25, stride=1, padding=12))
            if i < stages - 1:
                layers.append(nn.ReLU())
        self.deconv = nn.Sequential(*layers)

    def forward(self, z):
        x = self.fc1(z).view(-1, 16 * self.d, 16)
        x = F.relu(x)
        return torch.tanh(self.deconv(x))


class WaveDiscriminator(nn.Module):
    def __init__(self, d=MODEL_SIZE, num_channels=1, slice_len=SLICE_LEN):
        super().__init__()
        self.convs = nn.Sequential(
            nn.Conv1d(num_channels, d, 25, stride=4, padding=11),
            nn.LeakyReLU(0.2),
            nn.Conv1d(d, 2 * d, 25, stride=4, padding=11),
            nn.BatchNorm1d(2 * d),
            nn.LeakyReLU(0.2),
            nn.Conv1d(2 * d, 4 * d, 25, stride=4, padding=11),
            nn.BatchNorm1d(4 * d),
            nn.LeakyReLU(0.2),
            nn.Dropout(0.1),
        )
        self.fc = nn.Linear(4 * d * (slice_len // 64), 1)

    def forward(self, x):
        x = self.convs(x)
        return self.fc(x.view(x.shape[0], -1))
