"""pix2pix: a U-Net generator built from user-defined UNetDown / UNetUp modules with skip connections
(torch.cat((x, skip), 1)), and a conditional PatchGAN discriminator that concatenates the two images.
Sizes that are not multiples of 2**depth break the skip concatenation (cat size mismatch)."""
import torch
import torch.nn as nn


class UNetDown(nn.Module):
    def __init__(self, in_size, out_size, normalize=True, dropout=0.0):
        super(UNetDown, self).__init__()
        layers = [nn.Conv2d(in_size, out_size, 4, 2, 1, bias=False)]
        if normalize:
            layers.append(nn.InstanceNorm2d(out_size))
        layers.append(nn.LeakyReLU(0.2))
        if dropout:
            layers.append(nn.Dropout(dropout))
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class UNetUp(nn.Module):
    def __init__(self, in_size, out_size, dropout=0.0):
        super(UNetUp, self).__init__()
        layers = [
            nn.ConvTranspose2d(in_size, out_size, 4, 2, 1, bias=False),
            nn.InstanceNorm2d(out_size),
            nn.ReLU(inplace=True),
        ]
        if dropout:
            layers.append(nn.Dropout(dropout))

        self.model = nn.Sequential(*layers)

    def forward(self, x, skip_input):
        x = self.model(x)
        x = torch.cat((x, skip_input), 1)
        return x


class GeneratorUNet(nn.Module):
    def __init__(self, in_channels=3, out_channels=3, base=8):
        super(GeneratorUNet, self).__init__()

        self.down1 = UNetDown(in_channels, base, normalize=False)
        self.down2 = UNetDown(base, base * 2)
        self.down3 = UNetDown(base * 2, base * 4, dropout=0.5)
        self.down4 = UNetDown(base * 4, base * 8, normalize=False, dropout=0.5)

        self.up1 = UNetUp(base * 8, base * 4, dropout=0.5)
        self.up2 = UNetUp(base * 8, base * 2)
        self.up3 = UNetUp(base * 4, base)

        self.final = nn.Sequential(
            nn.Upsample(scale_factor=2),
            nn.ZeroPad2d((1, 0, 1, 0)),
            nn.Conv2d(base * 2, out_channels, 4, padding=1),
            nn.Tanh(),
        )

    def forward(self, x):
        # U-Net generator with skip connections from encoder to decoder
        d1 = self.down1(x)
        d2 = self.down2(d1)
        d3 = self.down3(d2)
        d4 = self.down4(d3)
        u1 = self.up1(d4, d3)
        u2 = self.up2(u1, d2)
        u3 = self.up3(u2, d1)
        return self.final(u3)


class PatchDiscriminator(nn.Module):
    def __init__(self, in_channels=3, base=8):
        super(PatchDiscriminator, self).__init__()

        def discriminator_block(in_filters, out_filters, normalization=True):
            """Returns downsampling layers of each discriminator block"""
            layers = [nn.Conv2d(in_filters, out_filters, 4, stride=2, padding=1)]
            if normalization:
                layers.append(nn.InstanceNorm2d(out_filters))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        self.model = nn.Sequential(
            *discriminator_block(in_channels * 2, base, normalization=False),
            *discriminator_block(base, base * 2),
            *discriminator_block(base * 2, base * 4),
            *discriminator_block(base * 4, base * 8),
            nn.ZeroPad2d((1, 0, 1, 0)),
            nn.Conv2d(base * 8, 1, 4, padding=1, bias=False)
        )

    def forward(self, img_A, img_B):
        # Concatenate image and condition image by channels to produce input
        img_input = torch.cat((img_A, img_B), 1)
        return self.model(img_input)


# Calculate output of image discriminator (PatchGAN)
img_height = img_width = 64
patch = (1, img_height // 2 ** 4, img_width // 2 ** 4)
