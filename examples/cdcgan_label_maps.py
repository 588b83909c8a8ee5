"""Conditional DCGAN: the label embedding is reshaped to (N, E, 1, 1) and concatenated to the noise for the
generator; for the discriminator, a Linear turns the label into a one-channel image-sized map (view to
(N, 1, H, W)) that is concatenated to the image along the channel dimension."""
import torch
import torch.nn as nn

NUM_CLASSES = 10
EMBED = 16
Z_DIM = 64


class CondGenerator(nn.Module):
    def __init__(self, z_dim=Z_DIM, channels=3, ngf=16, num_classes=NUM_CLASSES, embed=EMBED):
        super().__init__()
        self.embed = nn.Embedding(num_classes, embed)
        self.net = nn.Sequential(
            self._block(z_dim + embed, ngf * 8, 4, 1, 0),   # 4x4
            self._block(ngf * 8, ngf * 4, 4, 2, 1),          # 8x8
            self._block(ngf * 4, ngf * 2, 4, 2, 1),          # 16x16
            nn.ConvTranspose2d(ngf * 2, channels, 4, 2, 1),  # 32x32
            nn.Tanh(),
        )

    def _block(self, cin, cout, k, s, p):
        return nn.Sequential(nn.ConvTranspose2d(cin, cout, k, s, p, bias=False), nn.BatchNorm2d(cout), nn.ReLU())

    def forward(self, z, labels):
        emb = self.embed(labels).unsqueeze(2).unsqueeze(3)   # (N, E, 1, 1)
        z = z.view(z.size(0), -1, 1, 1)
        return self.net(torch.cat([z, emb], dim=1))


class CondDiscriminator(nn.Module):
    def __init__(self, channels=3, img_size=32, ndf=16, num_classes=NUM_CLASSES):
        super().__init__()
        self.img_size = img_size
        self.embed = nn.Embedding(num_classes, img_size * img_size)
        layers = []
        cin = channels + 1
        size = img_size
        cout = ndf
        while size > 4:
            layers += [nn.Conv2d(cin, cout, 4, 2, 1), nn.InstanceNorm2d(cout, affine=True), nn.LeakyReLU(0.2)]
            cin, cout, size = cout, cout * 2, size // 2
        layers.append(nn.Conv2d(cin, 1, 4, 1, 0))
        self.disc = nn.Sequential(*layers)

    def forward(self, x, labels):
        label_map = self.embed(labels).view(labels.shape[0], 1, self.img_size, self.img_size)
        x = torch.cat([x, label_map], dim=1)
        return self.disc(x).view(-1)


G = CondGenerator()
D = CondDiscriminator()
_z = torch.randn(2, Z_DIM)
_y = torch.randint(0, NUM_CLASSES, (2,))
_score = D(G(_z, _y), _y)
