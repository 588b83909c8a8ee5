"""SAGAN-style self-attention as a user-defined module: 1x1 query/key/value convolutions, view/permute,
torch.bmm and softmax over the last dimension, a learnable gamma, and a residual sum. Used between the
convolution blocks of a generator and a discriminator."""
import torch
import torch.nn as nn


class SelfAttention(nn.Module):
    def __init__(self, in_dim):
        super().__init__()
        self.query_conv = nn.Conv2d(in_dim, in_dim // 8, kernel_size=1)
        self.key_conv = nn.Conv2d(in_dim, in_dim // 8, kernel_size=1)
        self.value_conv = nn.Conv2d(in_dim, in_dim, kernel_size=1)
        self.gamma = nn.Parameter(torch.zeros(1))
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, x):
        batch, c, width, height = x.size()
        n = width * height
        proj_query = self.query_conv(x).view(batch, -1, n).permute(0, 2, 1)   # B x N x C'
        proj_key = self.key_conv(x).view(batch, -1, n)                        # B x C' x N
        energy = torch.bmm(proj_query, proj_key)                              # B x N x N
        attention = self.softmax(energy)
        proj_value = self.value_conv(x).view(batch, -1, n)                    # B x C x N
        out = torch.bmm(proj_value, attention.permute(0, 2, 1))
        out = out.view(batch, c, width, height)
        return self.gamma * out + x


class SAGenerator(nn.Module):
    def __init__(self, z_dim=64, conv_dim=16, image_size=32):
        super().__init__()
        repeat_num = int(torch.log2(torch.tensor(float(image_size))).item()) - 3
        mult = 2 ** repeat_num
        self.l1 = nn.Sequential(nn.ConvTranspose2d(z_dim, conv_dim * mult, 4), nn.BatchNorm2d(conv_dim * mult), nn.ReLU())
        curr = conv_dim * mult
        self.l2 = nn.Sequential(nn.ConvTranspose2d(curr, curr // 2, 4, 2, 1), nn.BatchNorm2d(curr // 2), nn.ReLU())
        curr //= 2
        self.l3 = nn.Sequential(nn.ConvTranspose2d(curr, curr // 2, 4, 2, 1), nn.BatchNorm2d(curr // 2), nn.ReLU())
        curr //= 2
        self.attn = SelfAttention(curr)
        self.last = nn.Sequential(nn.ConvTranspose2d(curr, 3, 4, 2, 1), nn.Tanh())

    def forward(self, z):
        z = z.view(z.size(0), z.size(1), 1, 1)
        out = self.l1(z)
        out = self.l2(out)
        out = self.l3(out)
        out = self.attn(out)
        return self.last(out)


class SADiscriminator(nn.Module):
    def __init__(self, conv_dim=16):
        super().__init__()
        self.l1 = nn.Sequential(nn.Conv2d(3, conv_dim, 4, 2, 1), nn.LeakyReLU(0.1))
        self.l2 = nn.Sequential(nn.Conv2d(conv_dim, conv_dim * 2, 4, 2, 1), nn.LeakyReLU(0.1))
        self.attn = SelfAttention(conv_dim * 2)
        self.l3 = nn.Sequential(nn.Conv2d(conv_dim * 2, conv_dim * 4, 4, 2, 1), nn.LeakyReLU(0.1))
        self.last = nn.Conv2d(conv_dim * 4, 1, 4)

    def forward(self, x):
        out = self.l3(self.attn(self.l2(self.l1(x))))
        return self.last(out).squeeze()
