"""Conv2d in all its forms: padding='same' and 'valid', integer and tuple kernel/stride/padding, dilation,
groups (depthwise), bias=False; Conv1d with padding='same', dilation and groups."""
import torch
import torch.nn as nn


class ConvZoo(nn.Module):
    def __init__(self, in_ch=3, width=12):
        super().__init__()
        self.same = nn.Conv2d(in_ch, width, kernel_size=5, padding="same")
        self.same_dil = nn.Conv2d(width, width, kernel_size=3, padding="same", dilation=2)
        self.even_same = nn.Conv2d(width, width, kernel_size=4, padding="same")
        self.valid = nn.Conv2d(width, width, kernel_size=3, padding="valid")
        self.rect = nn.Conv2d(width, width * 2, kernel_size=(3, 5), stride=(1, 2), padding=(1, 2))
        self.dilated = nn.Conv2d(width * 2, width * 2, kernel_size=3, dilation=2, padding=1)
        self.depthwise = nn.Conv2d(width * 2, width * 2, kernel_size=3, stride=2, padding=1, groups=width * 2, bias=False)
        self.grouped = nn.Conv2d(width * 2, width * 4, kernel_size=1, groups=4)
        self.strided = nn.Conv2d(width * 4, width, kernel_size=3, stride=3)

    def forward(self, x):
        x = self.same(x)
        x = self.same_dil(x)
        x = self.even_same(x)
        x = self.valid(x)
        x = self.rect(x)
        x = self.dilated(x)
        x = self.depthwise(x)
        x = self.grouped(x)
        return self.strided(x)


class Conv1dZoo(nn.Module):
    def __init__(self, in_ch=2, width=8):
        super().__init__()
        self.c1 = nn.Conv1d(in_ch, width, 25, stride=4, padding=11)
        self.c2 = nn.Conv1d(width, width * 2, 5, padding="same", dilation=3)
        self.c3 = nn.Conv1d(width * 2, width * 2, 3, padding="valid", groups=2)
        self.c4 = nn.Conv1d(width * 2, 1, 4, stride=2)

    def forward(self, x):
        return self.c4(self.c3(self.c2(self.c1(x))))
