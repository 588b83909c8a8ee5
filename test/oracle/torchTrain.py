"""(read_st comes from safetensorsRead.py, prepended by the test.)

The PyTorch side of the training-parity test: the reference DCGAN loop (pytorch/examples dcgan), or WGAN-GP, on the
generator/discriminator classes of a file, from given initial weights, batches and noise.

stdin: {"source", "gen", "disc", "init", "data", "steps", "lr", "beta1", "beta2"[, "loss": "wgan-gp", "gpWeight", "nCritic"]}
  init: safetensors with "G/<state_dict key>" and "D/<key>"; data: safetensors with real_<i> (NCHW), z_<i>, z_eval
  (and alpha_<i>, [N, 1, 1, 1], for WGAN-GP)
stdout: {"steps": [{"lossD", "lossG", "dReal", "dFake", "dFakeAfter"}...], "G": {key: [values]}, "D": {...},
         "evalImages": [...], "evalScores": [...]}
"""
import json
import sys
import types

import torch
import torch.nn as nn

torch.set_num_threads(1)
def build(ns, name):
    cls = ns[name]
    for v in list(ns.values()):
        if isinstance(v, cls):
            return v
    return cls()


last_g = {}


def wgan_gp_step(G, D, optG, optD, real, z, alpha, i, cfg):
    """WGAN-GP as its PyTorch implementations write it: a critic step on every batch, a G step every n_critic-th."""
    n = real.shape[0]
    D.zero_grad()
    fake = G(z)
    r = D(real).view(-1)
    f = D(fake.detach()).view(-1)
    xhat = (alpha * real + (1 - alpha) * fake.detach()).requires_grad_(True)
    grads = torch.autograd.grad(D(xhat).view(-1), xhat, grad_outputs=torch.ones(n), create_graph=True)[0]
    gp = ((grads.view(n, -1).norm(2, dim=1) - 1) ** 2).mean()
    lossD = f.mean() - r.mean() + cfg["gpWeight"] * gp
    lossD.backward()
    optD.step()
    if i % cfg["nCritic"] == 0:
        G.zero_grad()
        out = D(fake).view(-1)
        lossG = -out.mean()
        lossG.backward()
        optG.step()
        last_g.update(lossG=lossG.item(), dFakeAfter=out.mean().item())
    return {"lossD": lossD.item(), "dReal": r.mean().item(), "dFake": f.mean().item(), **last_g}


def main():
    cfg = json.load(sys.stdin)
    mod = types.ModuleType("user_model")
    mod.__file__ = cfg["source"]
    sys.argv = [cfg["source"]]
    src = open(cfg["source"]).read()
    exec(compile(src, cfg["source"], "exec"), mod.__dict__)
    G = build(mod.__dict__, cfg["gen"])
    D = build(mod.__dict__, cfg["disc"])
    init = read_st(cfg["init"])
    G.load_state_dict({k[2:]: v for k, v in init.items() if k.startswith("G/")}, strict=True)
    D.load_state_dict({k[2:]: v for k, v in init.items() if k.startswith("D/")}, strict=True)
    data = read_st(cfg["data"])
    G.train()
    D.train()
    criterion = nn.BCELoss()
    optD = torch.optim.Adam(D.parameters(), lr=cfg["lr"], betas=(cfg["beta1"], cfg["beta2"]))
    optG = torch.optim.Adam(G.parameters(), lr=cfg["lr"], betas=(cfg["beta1"], cfg["beta2"]))
    steps = []
    for i in range(cfg["steps"]):
        real = data["real_%d" % i]
        z = data["z_%d" % i]
        n = real.shape[0]
        if cfg.get("loss") == "wgan-gp":
            steps.append(wgan_gp_step(G, D, optG, optD, real, z, data["alpha_%d" % i], i, cfg))
            continue
        D.zero_grad()
        out = D(real).view(-1)
        errD_real = criterion(out, torch.ones(n))
        errD_real.backward()
        d_real = out.mean().item()
        fake = G(z)
        out = D(fake.detach()).view(-1)
        errD_fake = criterion(out, torch.zeros(n))
        errD_fake.backward()
        d_fake = out.mean().item()
        optD.step()
        G.zero_grad()
        out = D(fake).view(-1)
        errG = criterion(out, torch.ones(n))
        errG.backward()
        optG.step()
        steps.append({"lossD": (errD_real + errD_fake).item(), "lossG": errG.item(), "dReal": d_real, "dFake": d_fake,
                      "dFakeAfter": out.mean().item()})
    G.eval()
    D.eval()
    with torch.no_grad():
        images = G(data["z_eval"])
        scores = D(images).view(-1)
    flat = lambda sd: {k: v.detach().double().flatten().tolist() for k, v in sd.items()}
    json.dump({"steps": steps, "G": flat(G.state_dict()), "D": flat(D.state_dict()),
               "evalImages": images.flatten().tolist(), "evalScores": scores.tolist()}, sys.stdout)


main()
