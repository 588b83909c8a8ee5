"""Layer-building helpers: keyword-only arguments, **kwargs forwarded to nn.Conv2d, *args, default arguments,
if/elif/else on a norm name, nested helper functions appending to a list, and a config dict unpacked into the
constructor (--ctor "(**CONFIG)")."""
import torch
import torch.nn as nn

CONFIG = {"in_ch": 3, "base": 8, "n_down": 3, "norm": "batch", "act": "lrelu"}


def norm_layer(kind, ch):
    if kind == "batch":
        return nn.BatchNorm2d(ch)
    elif kind == "instance":
        return nn.InstanceNorm2d(ch, affine=True)
    elif kind == "group":
        return nn.GroupNorm(min(4, ch), ch)
    else:
        return nn.Identity()


def act_layer(name, *args):
    table = {"relu": nn.ReLU, "lrelu": nn.LeakyReLU, "elu": nn.ELU, "gelu": nn.GELU, "silu": nn.SiLU}
    return table[name](*args)


def conv_block(cin, cout, *, norm="batch", act="lrelu", **conv_kwargs):
    layers = [nn.Conv2d(cin, cout, bias=norm == "none", **conv_kwargs)]
    layers.append(norm_layer(norm, cout))
    if act == "lrelu":
        layers.append(act_layer(act, 0.2))
    else:
        layers.append(act_layer(act))
    return layers


class ConfigurableEncoder(nn.Module):
    def __init__(self, in_ch=3, base=8, n_down=3, norm="batch", act="lrelu", out_dim=10):
        super().__init__()

        def stage(i):
            cin = in_ch if i == 0 else base * 2 ** (i - 1)
            return conv_block(cin, base * 2 ** i, norm="none" if i == 0 else norm, act=act,
                              kernel_size=4, stride=2, padding=1)

        layers = []
        for i in range(n_down):
            layers += stage(i)
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(base * 2 ** (n_down - 1), out_dim)

    def forward(self, x):
        h = self.pool(self.features(x))
        return self.fc(h.view(h.size(0), -1))


class KwargsGenerator(nn.Module):
    def __init__(self, *channels, kernel=4, **extra):
        super().__init__()
        layers = []
        for i, (cin, cout) in enumerate(zip(channels[:-1], channels[1:])):
            last = i == len(channels) - 2
            layers.append(nn.ConvTranspose2d(cin, cout, kernel, stride=1 if i == 0 else 2,
                                             padding=0 if i == 0 else 1, **extra))
            layers.append(nn.Tanh() if last else nn.ReLU())
        self.net = nn.Sequential(*layers)

    def forward(self, z):
        return self.net(z)
