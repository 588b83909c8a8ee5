"""Loss modules inside nn.Modules: BCELoss, BCEWithLogitsLoss, MSELoss (LSGAN), L1Loss (pix2pix), CrossEntropyLoss
and NLLLoss (auxiliary classifiers), with reduction='none' / 'sum', label tensors made with torch.ones / zeros /
full from the prediction's shape. The last one calls BCELoss with a (N, 1) target for a (N,) prediction."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class AdversarialLosses(nn.Module):
    def __init__(self):
        super().__init__()
        self.bce = nn.BCELoss()
        self.bce_logits = nn.BCEWithLogitsLoss()
        self.mse = nn.MSELoss()
        self.l1 = nn.L1Loss(reduction="sum")

    def forward(self, d_real, d_fake, fake_img, real_img):
        ones = torch.ones(d_real.size())
        zeros = torch.zeros(d_fake.shape)
        loss_d = self.bce(torch.sigmoid(d_real), ones) + self.bce_logits(d_fake, zeros)
        loss_ls = self.mse(d_fake, torch.full(d_fake.shape, 0.9))
        loss_pix = self.l1(fake_img, real_img)
        return loss_d, loss_ls, loss_pix


class ClassifierLosses(nn.Module):
    def __init__(self, features=16, n_classes=5):
        super().__init__()
        self.head = nn.Linear(features, n_classes)
        self.log_softmax = nn.LogSoftmax(dim=1)
        self.ce = nn.CrossEntropyLoss()
        self.nll = nn.NLLLoss()
        self.per_sample = nn.CrossEntropyLoss(reduction="none")

    def forward(self, feats, target):
        logits = self.head(feats)
        return self.ce(logits, target), self.nll(self.log_softmax(logits), target), self.per_sample(logits, target)


class ElementwiseLosses(nn.Module):
    def __init__(self):
        super().__init__()
        self.mse = nn.MSELoss(reduction="none")
        self.bce = nn.BCEWithLogitsLoss(reduction="none")

    def forward(self, pred, target):
        return self.mse(pred, target) + self.bce(pred, torch.sigmoid(target)) + F.l1_loss(pred, target)


class MismatchedTarget(nn.Module):
    """A classic bug: the discriminator output is squeezed to (N,), the labels are (N, 1)."""

    def __init__(self, features=8):
        super().__init__()
        self.fc = nn.Linear(features, 1)
        self.act = nn.Sigmoid()
        self.loss = nn.BCELoss()

    def forward(self, x):
        pred = self.act(self.fc(x)).squeeze(1)
        valid = torch.ones(x.size(0), 1)
        return self.loss(pred, valid)
