/**
 * The module slice: which top-level statements of a user's GAN script run when the torch engine builds their
 * models. Each script below is written in the style of a public PyTorch GAN repository (an argparse script that
 * trains at module level, a PyTorch-GAN-style file, argparse under the __main__ guard, sys.path tricks, decorators,
 * optional imports). The strongest check runs the sliced source in real CPython with PyTorch: the models build,
 * and the user's training never runs.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadParser, parsePython } from '../../src/core/python/parser';
import { SliceRefused, sliceModule, type ModuleSlice } from '../../src/core/moduleSlice';
import { PYTHON, requireTorch, runPython } from '../support/oracle';

async function slice(src: string, needed: string[]): Promise<ModuleSlice> {
  const { root, text } = parsePython(await loadParser(), src);
  return sliceModule(root, text, needed);
}

/** 0-based line of SRC that is FRAGMENT (indentation aside), else the first that contains it. */
function lineOf(src: string, fragment: string): number {
  const lines = src.split('\n');
  const exact = lines.findIndex((l) => l.trim() === fragment);
  const i = exact >= 0 ? exact : lines.findIndex((l) => l.includes(fragment));
  assert.ok(i >= 0, `no line contains ${fragment}`);
  return i;
}

function assertKept(s: ModuleSlice, src: string, fragments: string[]): void {
  const lines = new Set(s.kept.map((k) => k.line));
  for (const f of fragments) assert.ok(lines.has(lineOf(src, f)), `kept: ${f}\nkept: ${s.kept.map((k) => k.text).join('\n')}`);
}

function assertOmitted(s: ModuleSlice, src: string, fragments: string[]): void {
  const lines = new Set(s.omitted.map((k) => k.line));
  for (const f of fragments) assert.ok(lines.has(lineOf(src, f)), `omitted: ${f}\nomitted: ${s.omitted.map((k) => k.text).join('\n')}`);
}

/** Same line count, and every kept statement where it was: its first line at the same column, the lines inside it
 * unchanged (its last line may share code with an omitted statement). */
function assertLayout(s: ModuleSlice, src: string): void {
  const before = src.split('\n');
  const after = s.source.split('\n');
  assert.equal(after.length, before.length, 'the sliced source has the same number of lines');
  for (const k of s.kept) {
    const first = k.text.replace(/…$/, '');
    const column = before[k.line].indexOf(first);
    assert.equal(after[k.line].slice(column, column + first.length), first, `line ${k.line + 1}: ${after[k.line]}`);
    for (let l = k.line + 1; l < k.endLine; l++) assert.equal(after[l], before[l], `line ${l + 1} of a kept statement changed`);
  }
}

/**
 * Runs SOURCE as FILE would run as a script (`__name__ == "__main__"`, sys.argv, __file__, cwd = its folder), then
 * CHECK with the module's names in scope; CHECK fills the dict `out`. Python errors come back as
 * { error, line }, line being the 1-based line in FILE where it was raised.
 */
const DRIVER = String.raw`
import contextlib, json, os, sys, traceback
req = json.load(sys.stdin)
os.chdir(os.path.dirname(req["file"]))
sys.argv = [req["file"]] + req["args"]
g = {"__name__": "__main__", "__file__": req["file"]}
out = {}
try:
    # the user's prints must not mix with the JSON answer
    with contextlib.redirect_stdout(sys.stderr):
        exec(compile(req["source"], req["file"], "exec"), g)
        exec(req["check"], {**g, "out": out})
except BaseException as e:
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == req["file"]]
    out = {"error": type(e).__name__ + ": " + str(e), "line": frames[-1].lineno if frames else None}
print(json.dumps(out))
`;

type Result = Record<string, unknown> & { error?: string; line?: number };

function run(source: string, file: string, args: string[], check: string): Result {
  return runPython<Result>(DRIVER, { source, file, args, check }, 120_000);
}

/** A fresh folder for one test, removed when it ends. */
function scratch(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dcgan-lab-slice-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function torchvisionMissing(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torchvision'], { encoding: 'utf8' }).status !== 0;
}

// ---------------------------------------------------------------------------------------------------------------

const DCGAN_SCRIPT = `"""Deep convolutional GAN on a folder of images, MNIST or random data."""
from __future__ import print_function
import argparse
import os
import random
import torch
import torch.nn as nn
import torch.backends.cudnn as cudnn
import torch.optim as optim
import torch.utils.data
import torchvision.datasets as dset
import torchvision.transforms as transforms
import torchvision.utils as vutils

parser = argparse.ArgumentParser()
parser.add_argument('--dataset', default='fake', help='folder | mnist | fake')
parser.add_argument('--dataroot', default=None, help='where the images are')
parser.add_argument('--workers', type=int, default=0)
parser.add_argument('--batchSize', type=int, default=4)
parser.add_argument('--imageSize', type=int, default=8, help='height and width of the images')
parser.add_argument('--nz', type=int, default=16, help='size of the latent vector')
parser.add_argument('--ngf', type=int, default=8)
parser.add_argument('--ndf', type=int, default=8)
parser.add_argument('--niter', type=int, default=1, help='epochs')
parser.add_argument('--lr', type=float, default=0.0002)
parser.add_argument('--beta1', type=float, default=0.5)
parser.add_argument('--cuda', action='store_true')
parser.add_argument('--ngpu', type=int, default=1)
parser.add_argument('--outf', default='results', help='where samples and checkpoints go')
parser.add_argument('--manualSeed', type=int)
opt = parser.parse_args()
print(opt)

try:
    os.makedirs(opt.outf)
except OSError:
    pass

if opt.manualSeed is None:
    opt.manualSeed = random.randint(1, 10000)
print("Random Seed: ", opt.manualSeed)
random.seed(opt.manualSeed)
torch.manual_seed(opt.manualSeed)

cudnn.benchmark = True

if torch.cuda.is_available() and not opt.cuda:
    print("WARNING: a CUDA device is available; run with --cuda")

if opt.dataset == 'folder':
    dataset = dset.ImageFolder(root=opt.dataroot,
                               transform=transforms.Compose([
                                   transforms.Resize(opt.imageSize),
                                   transforms.CenterCrop(opt.imageSize),
                                   transforms.ToTensor(),
                               ]))
    nc = 3
elif opt.dataset == 'mnist':
    dataset = dset.MNIST(root=opt.dataroot, download=True,
                         transform=transforms.Compose([transforms.Resize(opt.imageSize), transforms.ToTensor()]))
    nc = 1
elif opt.dataset == 'fake':
    dataset = dset.FakeData(image_size=(3, opt.imageSize, opt.imageSize), size=4,
                            transform=transforms.ToTensor())
    nc = 3
assert dataset
dataloader = torch.utils.data.DataLoader(dataset, batch_size=opt.batchSize,
                                         shuffle=True, num_workers=int(opt.workers))

device = torch.device("cuda:0" if opt.cuda else "cpu")
ngpu = int(opt.ngpu)
nz = int(opt.nz)
ngf = int(opt.ngf)
ndf = int(opt.ndf)


# custom weights initialization called on netG and netD
def weights_init(m):
    name = m.__class__.__name__
    if name.find('Conv') != -1:
        torch.nn.init.normal_(m.weight, 0.0, 0.02)
    elif name.find('BatchNorm') != -1:
        torch.nn.init.normal_(m.weight, 1.0, 0.02)
        torch.nn.init.zeros_(m.bias)


class Generator(nn.Module):
    def __init__(self, ngpu):
        super(Generator, self).__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            # latent vector, going into a convolution: nz x 1 x 1 -> (ngf*2) x 4 x 4
            nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            # -> nc x 8 x 8
            nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, bias=False),
            nn.Tanh()
        )

    def forward(self, input):
        if input.is_cuda and self.ngpu > 1:
            return nn.parallel.data_parallel(self.main, input, range(self.ngpu))
        return self.main(input)


netG = Generator(ngpu).to(device)
netG.apply(weights_init)
print(netG)


class Discriminator(nn.Module):
    def __init__(self, ngpu):
        super(Discriminator, self).__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, 1, 4, 1, 0, bias=False),
            nn.Sigmoid()
        )

    def forward(self, input):
        return self.main(input).view(-1, 1).squeeze(1)


netD = Discriminator(ngpu).to(device)
netD.apply(weights_init)
print(netD)

criterion = nn.BCELoss()
fixed_noise = torch.randn(opt.batchSize, nz, 1, 1, device=device)
real_label = 1
fake_label = 0
optimizerD = optim.Adam(netD.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))

for epoch in range(opt.niter):
    for i, data in enumerate(dataloader, 0):
        open(os.path.join(opt.outf, 'TRAINED'), 'w').close()
        netD.zero_grad()
        real = data[0].to(device)
        batch_size = real.size(0)
        label = torch.full((batch_size,), real_label, dtype=real.dtype, device=device)
        errD_real = criterion(netD(real), label)
        errD_real.backward()
        noise = torch.randn(batch_size, nz, 1, 1, device=device)
        fake = netG(noise)
        label.fill_(fake_label)
        errD_fake = criterion(netD(fake.detach()), label)
        errD_fake.backward()
        optimizerD.step()

        netG.zero_grad()
        label.fill_(real_label)
        errG = criterion(netD(fake), label)
        errG.backward()
        optimizerG.step()
        print('[%d/%d][%d/%d] Loss_D: %.4f Loss_G: %.4f'
              % (epoch, opt.niter, i, len(dataloader), (errD_real + errD_fake).item(), errG.item()))
    vutils.save_image(netG(fixed_noise).detach(), '%s/fake_epoch_%03d.png' % (opt.outf, epoch), normalize=True)
    torch.save(netG.state_dict(), '%s/netG_epoch_%d.pth' % (opt.outf, epoch))
`;

test('a dcgan-style argparse script keeps its options, sizes and classes, and drops data, setup and training', async () => {
  const s = await slice(DCGAN_SCRIPT, ['Generator', 'Discriminator', 'ngpu', 'opt']);
  assertKept(s, DCGAN_SCRIPT, [
    '"""Deep convolutional', 'from __future__', 'import argparse', 'import random', 'import torch.nn as nn',
    'parser = argparse.ArgumentParser()', "'--dataset'", "'--manualSeed'", 'opt = parser.parse_args()',
    // opt is changed in place here: the value after the module ran has it
    'opt.manualSeed = random.randint',
    // nc is set in the branches that also load the dataset: the if is kept, the loading is not
    'nc = 3', 'nc = 1',
    'ngpu = int(opt.ngpu)', 'nz = int(opt.nz)', 'ngf = int(opt.ngf)', 'ndf = int(opt.ndf)',
    'class Generator', 'class Discriminator',
  ]);
  assertOmitted(s, DCGAN_SCRIPT, [
    'import os', 'import torch.backends.cudnn', 'import torchvision.datasets', 'print(opt)',
    // the try holds only os.makedirs: omitted as a whole
    'try:',
    'random.seed(', 'torch.manual_seed(', 'cudnn.benchmark = True', 'if torch.cuda.is_available()',
    'dataset = dset.ImageFolder', 'dataset = dset.MNIST', 'dataset = dset.FakeData', 'assert dataset',
    'dataloader = torch.utils.data.DataLoader', 'device = torch.device', 'def weights_init',
    'netG = Generator(ngpu)', 'netG.apply(weights_init)', 'netD = Discriminator(ngpu)', 'criterion = nn.BCELoss()',
    'optimizerD = optim.Adam', 'for epoch in range(opt.niter):',
  ]);
  assert.deepEqual(s.omitted.find((o) => o.line === lineOf(DCGAN_SCRIPT, 'try:')), {
    line: lineOf(DCGAN_SCRIPT, 'try:'), endLine: lineOf(DCGAN_SCRIPT, 'try:') + 3, text: 'try:',
  });
  const loop = s.omitted.find((o) => o.text === 'for epoch in range(opt.niter):')!;
  assert.equal(loop.endLine, lineOf(DCGAN_SCRIPT, 'torch.save(netG'));
  assert.ok(!s.kept.some((k) => k.text.includes('if opt.dataset')), 'kept lists the statements inside a kept if, not the if');
  assert.ok(s.source.includes("if opt.dataset == 'folder':\n    pass\n"), 'an omitted statement in a kept branch becomes pass');
  assertLayout(s, DCGAN_SCRIPT);
  for (const list of [s.kept, s.omitted]) {
    const lines = list.map((k) => k.line);
    assert.deepEqual(lines, [...lines].sort((a, b) => a - b), 'listed in source order');
  }
  assert.equal(new Set([...s.kept, ...s.omitted].map((k) => k.line)).size, s.kept.length + s.omitted.length);
});

test('the sliced dcgan script builds both models in CPython, and its training never runs', async (t) => {
  if (!requireTorch(t)) return;
  const dir = scratch(t);
  const file = path.join(dir, 'dcgan.py');
  writeFileSync(file, DCGAN_SCRIPT);
  const s = await slice(DCGAN_SCRIPT, ['Generator', 'Discriminator', 'ngpu', 'opt']);
  const r = run(s.source, file, ['--nz', '12', '--ngf', '4'], `
import torch
g = Generator(ngpu)
d = Discriminator(ngpu)
fake = g(torch.randn(2, opt.nz, 1, 1))
out["fake"] = list(fake.shape)
out["score"] = list(d(fake).shape)
out["nz"] = opt.nz
out["seeded"] = opt.manualSeed is not None
out["torchvision"] = "torchvision" in __import__("sys").modules
`);
  assert.equal(r.error, undefined, `the sliced script failed: ${r.error} (line ${r.line})`);
  assert.deepEqual(r, { fake: [2, 3, 8, 8], score: [2], nz: 12, seeded: true, torchvision: false });
  assert.ok(!existsSync(path.join(dir, 'results')), 'os.makedirs(opt.outf) did not run');

  // The control: the same file run as it is trains (so the marker's absence above means something).
  if (torchvisionMissing()) {
    t.diagnostic('torchvision is missing: the unsliced control run is skipped');
    return;
  }
  const whole = run(DCGAN_SCRIPT, file, [], 'out["ok"] = True');
  assert.equal(whole.error, undefined, `the unsliced script failed: ${whole.error} (line ${whole.line})`);
  assert.ok(existsSync(path.join(dir, 'results', 'TRAINED')), 'the unsliced script trains');
  assert.ok(existsSync(path.join(dir, 'results', 'netG_epoch_0.pth')), 'the unsliced script saves a checkpoint');
});

// ---------------------------------------------------------------------------------------------------------------

const LSGAN_SCRIPT = `import argparse
import os
import numpy as np

import torch
import torch.nn as nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms
from torchvision.utils import save_image

os.makedirs("samples", exist_ok=True)

parser = argparse.ArgumentParser(description="least-squares GAN on MNIST digits")
parser.add_argument("--epochs", type=int, default=50, help="passes over the data")
parser.add_argument("--batch", type=int, default=32, help="images per step")
parser.add_argument("--lr", type=float, default=1e-4, help="Adam learning rate")
parser.add_argument("--z_dim", type=int, default=32, help="size of the noise vector")
parser.add_argument("--side", type=int, default=16, help="image height and width")
parser.add_argument("--channels", type=int, default=1, help="1 for grey, 3 for colour")
parser.add_argument("--every", type=int, default=200, help="steps between saved samples")
args = parser.parse_args()
print(args)

img_shape = (args.channels, args.side, args.side)

cuda = True if torch.cuda.is_available() else False


class Generator(nn.Module):
    def __init__(self):
        super(Generator, self).__init__()

        def layer(n_in, n_out, bn=True):
            out = [nn.Linear(n_in, n_out)]
            if bn:
                out.append(nn.BatchNorm1d(n_out, 0.8))
            out.append(nn.LeakyReLU(0.2, inplace=True))
            return out

        self.body = nn.Sequential(
            *layer(args.z_dim, 64, bn=False),
            *layer(64, 128),
            nn.Linear(128, int(np.prod(img_shape))),
            nn.Tanh(),
        )

    def forward(self, z):
        flat = self.body(z)
        return flat.view(flat.size(0), *img_shape)


class Discriminator(nn.Module):
    def __init__(self):
        super(Discriminator, self).__init__()
        self.body = nn.Sequential(
            nn.Linear(int(np.prod(img_shape)), 64),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(64, 1),
        )

    def forward(self, img):
        return self.body(img.view(img.size(0), -1))


mse = torch.nn.MSELoss()
G = Generator()
D = Discriminator()
if cuda:
    G.cuda()
    D.cuda()
    mse.cuda()

loader = DataLoader(
    datasets.MNIST("data/mnist", train=True, download=True,
                   transform=transforms.Compose([transforms.Resize(args.side), transforms.ToTensor()])),
    batch_size=args.batch,
    shuffle=True,
)

opt_G = torch.optim.Adam(G.parameters(), lr=args.lr, betas=(0.5, 0.999))
opt_D = torch.optim.Adam(D.parameters(), lr=args.lr, betas=(0.5, 0.999))
Tensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor

for epoch in range(args.epochs):
    for step, (imgs, _) in enumerate(loader):
        ones = Tensor(imgs.size(0), 1).fill_(1.0)
        zeros = Tensor(imgs.size(0), 1).fill_(0.0)
        real = imgs.type(Tensor)

        opt_G.zero_grad()
        fake = G(Tensor(np.random.normal(0, 1, (imgs.shape[0], args.z_dim))))
        g_loss = mse(D(fake), ones)
        g_loss.backward()
        opt_G.step()

        opt_D.zero_grad()
        d_loss = 0.5 * (mse(D(real), ones) + mse(D(fake.detach()), zeros))
        d_loss.backward()
        opt_D.step()

        done = epoch * len(loader) + step
        if done % args.every == 0:
            save_image(fake.data[:16], "samples/%d.png" % done, nrow=4, normalize=True)
`;

test('a PyTorch-GAN-style script keeps img_shape and cuda, which the classes and the caller read', async (t) => {
  const s = await slice(LSGAN_SCRIPT, ['Generator', 'Discriminator', 'args', 'cuda']);
  assertKept(s, LSGAN_SCRIPT, [
    'import argparse', 'import numpy as np', 'import torch', 'import torch.nn as nn',
    'parser = argparse.ArgumentParser', '"--every"', 'args = parser.parse_args()',
    'img_shape = (args.channels', 'cuda = True if torch.cuda.is_available() else False',
    'class Generator', 'class Discriminator',
  ]);
  assertOmitted(s, LSGAN_SCRIPT, [
    'import os', 'from torch.utils.data import DataLoader', 'from torchvision import datasets',
    'os.makedirs("samples"', 'print(args)', 'mse = torch.nn.MSELoss()', 'G = Generator()', 'if cuda:',
    'loader = DataLoader(', 'opt_G = torch.optim.Adam', 'Tensor = torch.cuda.FloatTensor', 'for epoch in range',
  ]);
  assertLayout(s, LSGAN_SCRIPT);

  if (!requireTorch(t)) return;
  const dir = scratch(t);
  const file = path.join(dir, 'lsgan.py');
  writeFileSync(file, LSGAN_SCRIPT);
  const r = run(s.source, file, ['--side', '8', '--z_dim', '4'], `
import torch
g, d = Generator(), Discriminator()
img = g(torch.randn(3, args.z_dim))
out["img"] = list(img.shape)
out["score"] = list(d(img).shape)
out["cuda"] = cuda
`);
  assert.equal(r.error, undefined, `the sliced script failed: ${r.error} (line ${r.line})`);
  assert.deepEqual(r, { img: [3, 1, 8, 8], score: [3, 1], cuda: false });
  assert.ok(!existsSync(path.join(dir, 'samples')), 'os.makedirs("samples") did not run');
  assert.ok(!existsSync(path.join(dir, 'data')), 'MNIST was not downloaded');
});

// ---------------------------------------------------------------------------------------------------------------

const MAIN_GUARD_SCRIPT = `import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def block(n_in, n_out, norm=True):
    layers = [nn.Linear(n_in, n_out)]
    if norm:
        layers.append(nn.BatchNorm1d(n_out))
    layers.append(nn.LeakyReLU(LEAK))
    return layers


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(*block(opt.latent_dim, 32, norm=False), *block(32, 64),
                                 nn.Linear(64, opt.img_size ** 2), nn.Tanh())

    def forward(self, z):
        return self.net(z).view(-1, 1, opt.img_size, opt.img_size)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(*block(opt.img_size ** 2, 32, norm=False), nn.Linear(32, 1))

    def forward(self, img):
        return self.net(img.flatten(1))


def train(generator, discriminator, loader):
    optim = torch.optim.Adam(list(generator.parameters()) + list(discriminator.parameters()), lr=opt.lr)
    for (real,) in loader:
        optim.zero_grad()
        fake = generator(torch.randn(real.size(0), opt.latent_dim))
        loss = discriminator(fake).mean() - discriminator(real).mean()
        loss.backward()
        optim.step()
    raise SystemExit("trained")


LEAK = 0.2

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--latent_dim", type=int, default=8)
    parser.add_argument("--img_size", type=int, default=4)
    parser.add_argument("--lr", type=float, default=2e-4)
    opt = parser.parse_args()
    generator = Generator()
    discriminator = Discriminator()
    loader = DataLoader(TensorDataset(torch.randn(16, 1, opt.img_size, opt.img_size)), batch_size=4)
    train(generator, discriminator, loader)
`;

test('argparse under the __main__ guard is kept when the classes read opt at call time', async (t) => {
  // 'opt' is not asked for: the classes' methods read it when called, after the module ran
  const s = await slice(MAIN_GUARD_SCRIPT, ['Generator', 'Discriminator']);
  assertKept(s, MAIN_GUARD_SCRIPT, [
    'import argparse', 'import torch.nn as nn', 'def block(', 'class Generator', 'class Discriminator',
    // defined after the helper that reads it: still needed, since the helper runs later
    'LEAK = 0.2',
    'parser = argparse.ArgumentParser()', '"--latent_dim"', '"--img_size"', '"--lr"', 'opt = parser.parse_args()',
  ]);
  assertOmitted(s, MAIN_GUARD_SCRIPT, [
    'import torch', 'from torch.utils.data import', 'def train(', 'generator = Generator()',
    'discriminator = Discriminator()', 'loader = DataLoader(', 'train(generator, discriminator, loader)',
  ]);
  assert.ok(s.source.includes('if __name__ == "__main__":\n    parser = argparse.ArgumentParser()'));
  assertLayout(s, MAIN_GUARD_SCRIPT);

  if (!requireTorch(t)) return;
  const file = path.join(scratch(t), 'wgan_mlp.py');
  const r = run(s.source, file, ['--latent_dim', '6'], `
import torch
g, d = Generator(), Discriminator()
g.eval()
img = g(torch.randn(2, 6))
out["img"] = list(img.shape)
out["score"] = list(d(img).shape)
`);
  assert.equal(r.error, undefined, `the sliced script failed: ${r.error} (line ${r.line})`);
  assert.deepEqual(r, { img: [2, 1, 4, 4], score: [2, 1] });
});

// ---------------------------------------------------------------------------------------------------------------

const MODELS_PY = `import torch.nn as nn

LATENT = 10


class Generator(nn.Module):
    def __init__(self, latent):
        super().__init__()
        self.fc = nn.Linear(latent, 16)

    def forward(self, z):
        return self.fc(z)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 1)

    def forward(self, x):
        return self.fc(x)
`;

const SYS_PATH_SCRIPT = `import os
import sys
import json

ROOT = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(ROOT, "lib"))
from models import *  # noqa: F403
import torch

with open(os.path.join(ROOT, "config.json")) as f:
    config = json.load(f)
torch.manual_seed(config["seed"])
netG = Generator(LATENT)
sgd = torch.optim.SGD(netG.parameters(), lr=0.1)
for _ in range(config["steps"]):
    sgd.zero_grad()
    netG(torch.randn(2, LATENT)).sum().backward()
    sgd.step()
`;

test('sys.path.insert before a star import is kept, with what it reads; the star import is always kept', async (t) => {
  const s = await slice(SYS_PATH_SCRIPT, ['Generator', 'Discriminator', 'LATENT']);
  assertKept(s, SYS_PATH_SCRIPT, ['import os', 'import sys', 'ROOT = os.path.dirname', 'sys.path.insert', 'from models import *']);
  assertOmitted(s, SYS_PATH_SCRIPT, [
    'import json', 'import torch', 'with open(', 'torch.manual_seed', 'netG = Generator(LATENT)', 'sgd = torch.optim.SGD',
    'for _ in range',
  ]);
  assertLayout(s, SYS_PATH_SCRIPT);

  // without an import after it, a sys.path change is not needed
  const late = await slice('import sys\nimport torch.nn as nn\nsys.path.append("x")\nN = 3\n', ['N', 'nn']);
  assert.deepEqual(late.kept.map((k) => k.text), ['import torch.nn as nn', 'N = 3']);

  if (!requireTorch(t)) return;
  const dir = scratch(t);
  mkdirSync(path.join(dir, 'lib'));
  writeFileSync(path.join(dir, 'lib', 'models.py'), MODELS_PY);
  const file = path.join(dir, 'train.py');
  writeFileSync(file, SYS_PATH_SCRIPT);
  // there is no config.json: the with block would raise FileNotFoundError if it ran
  const r = run(s.source, file, [], `
import torch
out["fake"] = list(Generator(LATENT)(torch.randn(2, LATENT)).shape)
out["from"] = __import__("sys").modules["models"].__file__.endswith("lib/models.py")
`);
  assert.equal(r.error, undefined, `the sliced script failed: ${r.error} (line ${r.line})`);
  assert.deepEqual(r, { fake: [2, 16], from: true });
});

// ---------------------------------------------------------------------------------------------------------------

const DECORATED_SCRIPT = `import functools
import torch.nn as nn

BUILDERS = {}


def register(name):
    def wrap(fn):
        BUILDERS[name] = fn
        return fn
    return wrap


def traced(fn):
    @functools.wraps(fn)
    def inner(*args, **kwargs):
        return fn(*args, **kwargs)
    return inner


@register("conv")
@traced
def conv_block(c_in, c_out):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, 1, 1), nn.ReLU())


@register("dense")
def dense_block(n_in, n_out):
    return nn.Linear(n_in, n_out)


print(sorted(BUILDERS))
open("BUILT", "w").close()


class Generator(nn.Module):
    def __init__(self, kind="conv"):
        super().__init__()
        self.body = BUILDERS[kind](3, 8)

    def forward(self, x):
        return self.body(x)
`;

test('decorated functions that fill a registry are kept, with their decorators', async (t) => {
  const s = await slice(DECORATED_SCRIPT, ['Generator']);
  assertKept(s, DECORATED_SCRIPT, [
    'import functools', 'import torch.nn as nn', 'BUILDERS = {}', 'def register(', 'def traced(',
    '@register("conv")', '@register("dense")', 'class Generator',
  ]);
  assertOmitted(s, DECORATED_SCRIPT, ['print(sorted(BUILDERS))', 'open("BUILT"']);
  assert.equal(s.kept.find((k) => k.line === lineOf(DECORATED_SCRIPT, '@register("conv")'))!.endLine,
    lineOf(DECORATED_SCRIPT, 'return nn.Sequential'), 'a decorated definition is one unit, decorators included');
  assertLayout(s, DECORATED_SCRIPT);

  if (!requireTorch(t)) return;
  const dir = scratch(t);
  const r = run(s.source, path.join(dir, 'registry.py'), [], `
out["kinds"] = sorted(BUILDERS)
out["conv"] = type(Generator().body).__name__
out["dense"] = type(Generator("dense").body).__name__
`);
  assert.equal(r.error, undefined, `the sliced script failed: ${r.error} (line ${r.line})`);
  assert.deepEqual(r, { kinds: ['conv', 'dense'], conv: 'Sequential', dense: 'Linear' });
  assert.ok(!existsSync(path.join(dir, 'BUILT')));
});

// ---------------------------------------------------------------------------------------------------------------

const OPTIONAL_IMPORT_SCRIPT = `import torch
import torch.nn as nn

try:
    from torch.nn.utils.parametrizations import spectral_norm
except ImportError:
    from torch.nn.utils import spectral_norm

try:
    import wandb
except ImportError:
    wandb = None

if wandb is not None:
    wandb.init(project="sngan")

NDF = 16


class Discriminator(nn.Module):
    def __init__(self, channels=3):
        super().__init__()
        self.conv = spectral_norm(nn.Conv2d(channels, NDF, 4, 2, 1))
        self.fc = spectral_norm(nn.Linear(NDF * 4 * 4, 1))

    def forward(self, x):
        return self.fc(torch.flatten(nn.functional.leaky_relu(self.conv(x), 0.1), 1))
`;

test('a try/except ImportError import keeps both branches; an unneeded optional import goes as a whole', async (t) => {
  const s = await slice(OPTIONAL_IMPORT_SCRIPT, ['Discriminator']);
  assertKept(s, OPTIONAL_IMPORT_SCRIPT, [
    'import torch', 'import torch.nn as nn', 'from torch.nn.utils.parametrizations import spectral_norm',
    'from torch.nn.utils import spectral_norm', 'NDF = 16', 'class Discriminator',
  ]);
  assertOmitted(s, OPTIONAL_IMPORT_SCRIPT, ['if wandb is not None:']);
  // the second try is listed once, as a whole; the first try's statements are listed one by one
  assert.ok(s.omitted.some((o) => o.text === 'try:' && o.line === lineOf(OPTIONAL_IMPORT_SCRIPT, 'import wandb') - 1));
  assert.ok(!s.kept.some((k) => k.text === 'try:'));
  assert.ok(s.source.includes('try:\n    from torch.nn.utils.parametrizations import spectral_norm\nexcept ImportError:\n'));
  assertLayout(s, OPTIONAL_IMPORT_SCRIPT);

  if (!requireTorch(t)) return;
  const r = run(s.source, path.join(scratch(t), 'sngan.py'), [], `
import torch
out["score"] = list(Discriminator()(torch.randn(2, 3, 8, 8)).shape)
`);
  assert.equal(r.error, undefined, `the sliced script failed: ${r.error} (line ${r.line})`);
  assert.deepEqual(r, { score: [2, 1] });
});

// ---------------------------------------------------------------------------------------------------------------

const SCOPES_SCRIPT = `import torch.nn as nn

SLOPE = 0.1
SLOPE = 0.2
CHANNELS = 3
WIDTH = 8
WIDTH += 8
hidden = 32
unused = hidden * 2


class Discriminator(nn.Module):
    slope = SLOPE
    hidden = 4

    def __init__(self, channels=CHANNELS, width=WIDTH):
        super().__init__()
        self.conv = nn.Conv2d(channels, width, 3, padding=1)
        self.act = nn.LeakyReLU(self.slope)
        self.fc = nn.Linear(width, hidden)
        self.sizes = [w * k for k, w in enumerate(WIDTHS)]


WIDTHS = (1, 2)
`;

test('Python scoping: class-body constants, defaults, rebinding, augmented assignment, class names unseen by methods', async (t) => {
  const s = await slice(SCOPES_SCRIPT, ['Discriminator']);
  // SLOPE = 0.1 is rebound before anything reads it; WIDTH = 8 is still read by WIDTH += 8
  assertKept(s, SCOPES_SCRIPT, ['import torch.nn', 'SLOPE = 0.2', 'CHANNELS = 3', 'WIDTH = 8', 'WIDTH += 8', 'hidden = 32', 'WIDTHS = (1, 2)', 'class Discriminator']);
  assertOmitted(s, SCOPES_SCRIPT, ['SLOPE = 0.1', 'unused = hidden * 2']);
  assertLayout(s, SCOPES_SCRIPT);

  if (!requireTorch(t)) return;
  const r = run(s.source, path.join(scratch(t), 'scopes.py'), [], `
d = Discriminator()
out["conv"] = [d.conv.in_channels, d.conv.out_channels]
out["slope"] = d.act.negative_slope
out["fc"] = d.fc.out_features
out["sizes"] = d.sizes
`);
  assert.equal(r.error, undefined, `the sliced script failed: ${r.error} (line ${r.line})`);
  // the method reads the module's hidden (32), not the class attribute (4)
  assert.deepEqual(r, { conv: [3, 16], slope: 0.2, fc: 32, sizes: [0, 2] });
});

const HELPERS_SCRIPT = `import torch
import torch.nn as nn

NGF = 8
WIDTHS = []
for mult in (4, 2, 1):
    WIDTHS.append(mult * NGF)
print("widths", WIDTHS)


def up(c_in, c_out):
    return [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(True)]


def tower(widths):
    layers = []
    for a, b in zip(widths, widths[1:]):
        layers += up(a, b)
    return layers


class Generator(nn.Module):
    def __init__(self, nz=16):
        super().__init__()
        self.net = nn.Sequential(
            nn.ConvTranspose2d(nz, WIDTHS[0], 4, 1, 0, bias=False),
            *tower(WIDTHS),
            nn.ConvTranspose2d(WIDTHS[-1], 3, 4, 2, 1, bias=False),
            nn.Tanh(),
        )

    def forward(self, z):
        return self.net(z)


generator = Generator()
samples = generator(torch.randn(64, 16, 1, 1))
torch.save(samples, "samples.pt")
`;

test('helper functions that build layer lists, and a list filled by a module-level loop, are kept', async (t) => {
  const s = await slice(HELPERS_SCRIPT, ['Generator']);
  assertKept(s, HELPERS_SCRIPT, ['import torch.nn as nn', 'NGF = 8', 'WIDTHS = []', 'for mult in', 'def up(', 'def tower(', 'class Generator']);
  assertOmitted(s, HELPERS_SCRIPT, ['import torch', 'print("widths"', 'generator = Generator()', 'samples = generator(', 'torch.save(']);
  assertLayout(s, HELPERS_SCRIPT);

  if (!requireTorch(t)) return;
  const dir = scratch(t);
  const r = run(s.source, path.join(dir, 'tower.py'), [], `
import torch
out["img"] = list(Generator()(torch.randn(2, 16, 1, 1)).shape)
`);
  assert.equal(r.error, undefined, `the sliced script failed: ${r.error} (line ${r.line})`);
  assert.deepEqual(r, { img: [2, 3, 32, 32] });
  assert.ok(!existsSync(path.join(dir, 'samples.pt')));
});

test('names set through a function (an argparse helper, a global assignment) keep the calls that set them', async (t) => {
  const src = `import argparse


def add_model_args(p):
    p.add_argument("--nz", type=int, default=100)
    p.add_argument("--ngf", type=int, default=64)


def configure():
    global opt
    opt = parser.parse_args()


parser = argparse.ArgumentParser()
add_model_args(parser)
configure()
print(opt.nz)
`;
  const s = await slice(src, ['opt']);
  assertKept(s, src, ['import argparse', 'def add_model_args', 'def configure', 'parser = argparse', 'add_model_args(parser)', 'configure()']);
  assertOmitted(s, src, ['print(opt.nz)']);

  if (!requireTorch(t)) return;
  const r = run(s.source, path.join(scratch(t), 'cfg.py'), ['--nz', '7'], 'out["opt"] = [opt.nz, opt.ngf]');
  assert.equal(r.error, undefined, `the sliced script failed: ${r.error} (line ${r.line})`);
  assert.deepEqual(r, { opt: [7, 64] });
});

test('a Python traceback from the sliced source points at the line in the user\'s file', async (t) => {
  const src = `"""Sizes from the environment."""
import os
log = open("run.log", "w")
log.write("starting\\n")

SCALE = int(os.environ.get("GAN_SCALE_FOR_TEST", "0"))
WIDTH = 64 // SCALE
`;
  const s = await slice(src, ['WIDTH']);
  assertOmitted(s, src, ['log = open', 'log.write']);
  if (!requireTorch(t)) return;
  const dir = scratch(t);
  const r = run(s.source, path.join(dir, 'sizes.py'), [], '');
  assert.match(r.error ?? '', /^ZeroDivisionError/);
  assert.equal(r.line, lineOf(src, 'WIDTH = 64 // SCALE') + 1);
  assert.ok(!existsSync(path.join(dir, 'run.log')));
});

// ---------------------------------------------------------------------------------------------------------------

test('a training loop that also sets a needed name is refused, with the line and what to do', async () => {
  const src = `import argparse
import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=2e-4)
parser.add_argument("--epochs", type=int, default=5)
opt = parser.parse_args()
lr = opt.lr


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)


netG = Generator()
optimizer = torch.optim.Adam(netG.parameters(), lr=lr)
dataloader = [torch.randn(2, 4)] * 3
for epoch in range(opt.epochs):
    for batch in dataloader:
        optimizer.zero_grad()
        netG(batch).pow(2).mean().backward()
        optimizer.step()
    lr = lr * 0.5
    for group in optimizer.param_groups:
        group["lr"] = lr
`;
  const loop = lineOf(src, 'for epoch in range');
  await assert.rejects(slice(src, ['Generator', 'lr']), (e: unknown) => {
    assert.ok(e instanceof SliceRefused);
    assert.equal(e.line, loop);
    assert.equal(e.message, `line ${loop + 1}: this loop trains at module level (it calls .zero_grad()) and also sets 'lr', `
      + `which building the models needs; set 'lr' before the loop instead of inside it, or move the training into a function`);
    return true;
  });
  // without 'lr' the loop is simply left out
  const s = await slice(src, ['Generator', 'opt']);
  assertOmitted(s, src, ['for epoch in range', 'netG = Generator()', 'dataloader = [']);
});

test('data loading or training that a needed name depends on is refused, naming the statement that reads it', async () => {
  const loading = `from torch.utils.data import DataLoader
import torch.nn as nn

images = [[0.0] * 12] * 8
loader = DataLoader(images, batch_size=4)
width = len(next(iter(loader)))


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(width, 1)
`;
  await assert.rejects(slice(loading, ['Discriminator']), (e: unknown) => {
    assert.ok(e instanceof SliceRefused);
    assert.equal(e.line, 4);
    assert.equal(e.message, "line 5: this statement loads data at module level (it creates a DataLoader) and sets 'loader', "
      + 'which building the models needs (through line 6); give \'loader\' a value that needs no data loading '
      + '(a constant or an argparse option), or move the data loading into a function');
    return true;
  });

  const viaFunction = `import argparse
import torch

parser = argparse.ArgumentParser()


def main():
    global opt
    opt = parser.parse_args()
    for step in range(10):
        torch.save({"step": step}, "checkpoint.pt")


main()
`;
  await assert.rejects(slice(viaFunction, ['opt']), (e: unknown) => {
    assert.ok(e instanceof SliceRefused);
    assert.equal(e.line, viaFunction.split('\n').indexOf('main()'));
    assert.match(e.message, /^line 14: this statement trains at module level \(it calls main\(\), which calls torch\.save\(\)\) and sets 'opt'/);
    assert.match(e.message, /set 'opt' at module level instead of in main\(\)/);
    return true;
  });

  const download = `import torchvision
mnist = torchvision.datasets.MNIST("data", download=True)
side = mnist[0][0].size[0]
`;
  await assert.rejects(slice(download, ['side']),
    /^SliceRefused: line 2: this statement loads data at module level \(it downloads a dataset\) and sets 'mnist', which building the models needs \(through line 3\)/);

  const loaderLoop = `nc = 3
for images, _ in train_loader:
    nc = images.shape[1]
    break
`;
  await assert.rejects(slice(loaderLoop, ['nc']), /^SliceRefused: line 2: this loop loads data at module level \(it iterates over train_loader\) and also sets 'nc'/);
});

// ---------------------------------------------------------------------------------------------------------------

test('the sliced text keeps every line and column: statements sharing a line, wide characters, CRLF', async () => {
  const src = 'import os; os.makedirs("out"); import torch.nn as nn\n'
    + 'print("größe — ✓", end=""); nz = 8; print(nz)\n'
    + 'fixed = [\n    1,\n    2,\n]\n'
    + 'ngf = 4\n';
  const s = await slice(src, ['nn', 'nz', 'ngf']);
  // spaces after pass keep the column of the code that follows on the same line
  assert.equal(s.source, `${'pass'.padEnd(9)}; ${'pass'.padEnd(18)}; import torch.nn as nn\n`
    + `${'pass'.padEnd('print("größe — ✓", end="")'.length)}; nz = 8; pass\n`
    + 'pass\n\n\n\n'
    + 'ngf = 4\n');
  assert.deepEqual(s.kept, [
    { line: 0, endLine: 0, text: 'import torch.nn as nn' },
    { line: 1, endLine: 1, text: 'nz = 8' },
    { line: 6, endLine: 6, text: 'ngf = 4' },
  ]);
  assert.deepEqual(s.omitted.map((o) => [o.line, o.endLine, o.text]), [
    [0, 0, 'import os'],
    [0, 0, 'os.makedirs("out")'],
    [1, 1, 'print("größe — ✓", end="")'],
    [1, 1, 'print(nz)'],
    [2, 5, 'fixed = ['],
  ]);
  assertLayout(s, src);

  const crlf = 'import os\r\nx = (1,\r\n     2)\r\nn = 3\r\n';
  assert.equal((await slice(crlf, ['n'])).source, 'pass\r\npass\r\n\r\nn = 3\r\n');
});

test('an omitted statement over several lines with code after it on its last line is joined with backslashes', async (t) => {
  const src = 'if True:\n    data = load(\n        "x"); nz = 8\n    ngf = nz * 2\n';
  const s = await slice(src, ['ngf']);
  assert.equal(s.source, 'if True:\n    pass \\\n' + ' '.repeat(12) + '; nz = 8\n    ngf = nz * 2\n');
  assertLayout(s, src);
  if (!requireTorch(t)) return;
  const r = run(s.source, path.join(scratch(t), 'joined.py'), [], 'out["ngf"] = ngf');
  assert.deepEqual(r, { ngf: 16 });
});

test('a long first line is cut at 80 characters with an ellipsis', async () => {
  const long = `settings = dict(${Array.from({ length: 20 }, (_, i) => `k${i}=${i}`).join(', ')})`;
  const s = await slice(`${long}\nx = 1\n`, ['x']);
  assert.equal(s.omitted[0].text.length, 80);
  assert.ok(s.omitted[0].text.endsWith('…'));
  assert.equal(s.omitted[0].text.slice(0, 79), long.slice(0, 79));
});

// ---------------------------------------------------------------------------------------------------------------

/** Scoping and state corners, each checked against CPython: after the sliced module runs, every needed name has
 * the value it has after the whole module runs. */
const SAME_AS_WHOLE: { name: string; needed: string[]; src: string; omits?: string[] }[] = [
  {
    name: 'comprehensions in a class body see the class only in their first iterable',
    needed: ['result'],
    src: `n = 2
class A:
    n = 5
    xs = [n * i for i in range(3)]
    ys = [i for i in range(n)]
result = (A.xs, A.ys)
`,
  },
  {
    name: 'a closure reads its enclosing function, another function the module',
    needed: ['val'],
    src: `k = 1
def outer():
    k = 10
    def inner():
        return k
    return inner()
def g():
    return k
val = (outer(), g())
k = 1
`,
  },
  {
    name: 'a global set by a called function, then changed in place',
    needed: ['cfg'],
    omits: ['print(cfg)', 'x = 5'],
    src: `def setup():
    global cfg
    cfg = {'a': 1}
setup()
cfg['b'] = 2
print(cfg)
x = 5
`,
  },
  {
    name: 'augmented assignment, del, in-place list methods',
    needed: ['z', 'total'],
    omits: ['junk = 3', 'del junk'],
    src: `total = 1
total += 2
junk = 3
del junk
items = [1]
items.extend([2, 3])
items.pop(0)
z = items
`,
  },
  {
    name: 'a walrus in an if condition, and the branch that reads it',
    needed: ['mode'],
    src: `import os
if (flag := os.environ.get("DCGAN_LAB_NO_SUCH_VARIABLE")) is None:
    mode = "default"
else:
    mode = flag
`,
  },
  {
    name: 'a lambda default is read when the lambda is made; a decorator wraps with functools.partial',
    needed: ['res'],
    omits: ['SCALE = 4'],
    src: `import functools
SCALE = 3
mul = lambda x, s=SCALE: x * s
SCALE = 4
def deco(f):
    return functools.partial(f, 10)
@deco
def add(a, b):
    return a + b
res = (mul(2), add(5))
`,
  },
  {
    name: 'try with else and finally',
    needed: ['flags'],
    src: `try:
    import json as js
except ImportError:
    js = None
else:
    loaded = True
finally:
    done = True
flags = (js is not None, loaded, done)
`,
  },
  {
    name: 'for-else and while loops that compute values',
    needed: ['r'],
    src: `found = None
for i in range(10):
    if i * i > 20:
        found = i
        break
else:
    found = -1
count = 0
while count < 3:
    count += 1
r = (found, count)
`,
  },
  {
    name: 'with ... as',
    needed: ['vals'],
    omits: ['with contextlib.suppress'],
    src: `import contextlib
with contextlib.suppress(ZeroDivisionError):
    ratio = 1 / 0
ratio2 = 7
with contextlib.nullcontext(5) as five:
    pass
vals = (five, ratio2)
`,
  },
  {
    name: 'a class decorator that registers, a metaclass, a method reading a global defined after the class',
    needed: ['answer'],
    src: `REG = []
def reg(cls):
    REG.append(cls.__name__)
    return cls
class Meta(type):
    pass
@reg
class A(metaclass=Meta):
    def size(self):
        return LATER * 2
LATER = 21
answer = (A().size(), REG)
`,
  },
  {
    name: 'a closure whose state a discarded call changes',
    needed: ['n2'],
    src: `def counter():
    c = 0
    def inc():
        nonlocal c
        c += 1
        return c
    return inc
inc = counter()
inc()
n2 = inc()
`,
  },
  {
    name: 'functions defined in if/else branches',
    needed: ['y'],
    src: `import sys
if sys.version_info >= (3,):
    def act(x):
        return x + 1
else:
    def act(x):
        return x - 1
y = act(1)
`,
  },
  {
    name: 'class attributes set from outside, setattr',
    needed: ['vals'],
    src: `class Cfg:
    lr = 0.1
Cfg.lr = 0.2
setattr(Cfg, 'beta', 0.5)
vals = (Cfg.lr, Cfg.beta)
`,
  },
  {
    name: 'nested attribute and subscript changes, a mutating call inside a chain',
    needed: ['res'],
    src: `import types
opt = types.SimpleNamespace(model=types.SimpleNamespace(width=4))
opt.model.width *= 2
layers = {}
layers["a"] = opt.model.width
layers.setdefault("b", []).append(1)
res = (opt.model.width, layers)
`,
  },
  {
    name: 'f-strings and a class nested in a function',
    needed: ['label', 'got'],
    src: `WIDTH = 3
label = f"w={WIDTH!r:>4}"
BASE = 7
def make():
    class Inner:
        v = BASE
    return Inner.v
got = make()
`,
  },
  {
    name: '__file__, __name__ and an except variable',
    needed: ['mode', 'here', 'value', 'reason'],
    src: `import os
here = os.path.basename(__file__)
if __name__ == "__main__":
    mode = "script"
else:
    mode = "module"
try:
    value = int("x")
except ValueError as err:
    value = -1
    reason = str(err)
`,
  },
  {
    name: 'two names for one list: a change through either is a change of both',
    needed: ['final'],
    src: `a = b = [1, 2, 3]
first, *rest = a
b.append(4)
c = a
c.append(5)
final = (first, rest, a)
`,
  },
  {
    name: 'objects changed through a loop variable',
    needed: ['boxes'],
    src: `boxes = [{"n": 1}, {"n": 2}]
for box in boxes:
    box.update(n=box["n"] * 10)
`,
  },
];

test('needed names have the same values after the sliced module as after the whole one (CPython)', async (t) => {
  if (!requireTorch(t)) return;
  const cases = await Promise.all(SAME_AS_WHOLE.map(async (c) => ({ ...c, sliced: (await slice(c.src, c.needed)).source })));
  const dir = scratch(t);
  const results = runPython<{ name: string; whole: string[]; sliced: string[] }[]>(String.raw`
import contextlib, json, os, sys
cases = json.load(sys.stdin)
os.chdir(cases[0]["dir"])
def values(source, needed):
    g = {"__name__": "__main__", "__file__": os.path.join(os.getcwd(), "case.py")}
    try:
        with contextlib.redirect_stdout(sys.stderr):
            exec(compile(source, "case.py", "exec"), g)
    except BaseException as e:
        return ["raised " + type(e).__name__ + ": " + str(e)]
    return [repr(g[n]) if n in g else "missing " + n for n in needed]
print(json.dumps([{"name": c["name"], "whole": values(c["src"], c["needed"]), "sliced": values(c["sliced"], c["needed"])}
                  for c in cases]))
`, cases.map((c, i) => ({ ...c, dir: i === 0 ? dir : undefined })));
  for (const r of results) assert.deepEqual(r.sliced, r.whole, r.name);
  for (const c of SAME_AS_WHOLE) if (c.omits) assertOmitted(await slice(c.src, c.needed), c.src, c.omits);
});
