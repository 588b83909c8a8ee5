"""ConvTranspose2d arithmetic: (H-1)*stride - 2*padding + dilation*(k-1) + output_padding + 1, with tuple
strides, output_padding, dilation and groups. ConvTranspose2d does not support string padding: constructing
it with padding='same' works, calling it does not."""
import torch
import torch.nn as nn


class TransposeZoo(nn.Module):
    def __init__(self, cin=16):
        super().__init__()
        self.t1 = nn.ConvTranspose2d(cin, 16, kernel_size=3, stride=2, padding=1, output_padding=1)
        self.t2 = nn.ConvTranspose2d(16, 16, kernel_size=3, stride=2, padding=1)
        self.t3 = nn.ConvTranspose2d(16, 8, kernel_size=(4, 3), stride=(2, 1), padding=(1, 1))
        self.t4 = nn.ConvTranspose2d(8, 8, kernel_size=3, dilation=2, groups=4)
        self.t5 = nn.ConvTranspose2d(8, 4, kernel_size=5, stride=3, padding=2, output_padding=2, dilation=1)
        self.t6 = nn.ConvTranspose2d(4, 3, 1, bias=False)

    def forward(self, x):
        return self.t6(self.t5(self.t4(self.t3(self.t2(self.t1(x))))))


class BadOutputPadding(nn.Module):
    """output_padding must be smaller than stride or dilation."""

    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose2d(8, 8, 4, 2, 1)
        self.bad = nn.ConvTranspose2d(8, 3, kernel_size=3, stride=1, padding=1, output_padding=1)

    def forward(self, x):
        return self.bad(self.up(x))


class SamePaddingTranspose(nn.Module):
    def __init__(self):
        super().__init__()
        self.pre = nn.Conv2d(4, 4, 3, padding="same")
        self.up = nn.ConvTranspose2d(4, 4, 3, padding="same")

    def forward(self, x):
        return self.up(self.pre(x))
