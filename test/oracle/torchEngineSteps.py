"""(read_st comes from safetensorsRead.py, prepended by the test.)

The torch engine's own step code (src/engine/torch/engine.py, imported as a module) on given initial weights,
batches and noise: the other side of trainParity.test.ts, beside the tfjs engine and the plain PyTorch loop.

stdin: {"engine", "source", "gen", "disc", "init", "data", "steps", "batch", "latent", "image", "lr", "beta1",
        "beta2", "loss", "gpWeight", "nCritic"}
stdout: the same shape as torchTrain.py's, plus "roundTrip": the state after load() equals the state loaded
"""
import json
import sys

import torch

torch.set_num_threads(1)


class Channel:
    def __init__(self):
        self.logs = []

    def send(self, msg, payload=None):
        if msg.get("type") == "log":
            self.logs.append(msg["line"])


def main():
    cfg = json.load(sys.stdin)
    sys.path.insert(0, cfg["engine"])
    import engine as E

    eng = E.Engine(Channel(), torch)
    run = E.Run(eng, {
        "device": "cpu", "amp": None, "model": {"file": cfg["source"], "source": open(cfg["source"]).read(), "argv": []},
        "generator": {"build": cfg["gen"] + "()"}, "discriminator": {"build": cfg["disc"] + "()"},
        "latentShape": cfg["latent"], "imageShape": cfg["image"], "batch": cfg["batch"], "seed": 0, "loss": cfg["loss"],
        "gpWeight": cfg["gpWeight"], "nCritic": cfg["nCritic"], "lr": cfg["lr"], "beta1": cfg["beta1"], "beta2": cfg["beta2"],
        "data": {"kind": "random", "count": cfg["batch"], "size": cfg["image"][1], "channels": cfg["image"][0], "seed": 1},
    }, None)
    blob = open(cfg["init"], "rb").read()
    run.load(bytearray(blob))
    init = read_st(cfg["init"])
    after, _ = E.st_decode(torch, run.state())
    round_trip = all(torch.equal(after[k], v) for k, v in init.items() if k in after)
    data = read_st(cfg["data"])
    steps = []
    for i in range(cfg["steps"]):
        real, z = data["real_%d" % i], data["z_%d" % i]
        if cfg["loss"] == "wgan-gp":
            row = run.step_wgan(real, z, data["alpha_%d" % i])
        else:
            row = run.step_bce(real, z)
        v = [float(x) for x in row]
        steps.append({"lossD": v[0], "lossG": v[1], "dReal": v[2], "dFake": v[3], "dFakeAfter": v[4]})
    state, _ = E.st_decode(torch, run.state())
    run.fixed_z = data["z_eval"]
    nhwc = torch.frombuffer(bytearray(run.sample()), dtype=torch.float32).reshape(
        [data["z_eval"].shape[0], cfg["image"][1], cfg["image"][2], cfg["image"][0]])
    images = nhwc.permute(0, 3, 1, 2).contiguous()
    run.D.eval()
    with torch.no_grad():
        scores = run.D(images).view(-1)
    flat = lambda prefix: {k[len(prefix):]: v.double().flatten().tolist() for k, v in state.items() if k.startswith(prefix)}
    json.dump({"steps": steps, "G": flat("G/"), "D": flat("D/"), "evalImages": images.flatten().tolist(),
               "evalScores": scores.tolist(), "roundTrip": round_trip, "dProb": run.d_prob}, sys.stdout)


main()
