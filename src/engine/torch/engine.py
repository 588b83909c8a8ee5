"""DCGAN Lab's PyTorch engine: trains a generator/discriminator pair in the user's own PyTorch (CUDA, MPS or CPU).

The training worker (src/engine/torch/process.ts) starts this script with the user's Python and drives it over
stdin/stdout; it never runs on its own. The worker owns the run folder (metrics, alerts, sample grids, checkpoints,
exports); this process owns the tensors: it builds the pair from the user's file, reads the dataset's cache file,
runs the steps and hands back metrics, samples and state.

Framing, both ways: one JSON object per line; when it has "bytes": N, N raw bytes follow the newline. This
process's original stdout is the channel; fd 1 is pointed at stderr before anything else runs, so whatever the
user's code or a native library prints reaches the worker's log instead of corrupting the channel.

Worker -> engine (stdin): {"cmd": "init" | "load" | "run" | "sample" | "state" | "reference" | "quit", "id": n, ...}
and {"cmd": "interrupt", "run": id} (handled at once, by the reader thread: the run with that id ends after its
current step). Every command except interrupt gets exactly one reply with its id: {"type": "ok", ...} or
{"type": "error", ...}; a run streams {"type": "rows"} messages (float64 [n, 8] payloads) before its reply.

Numerics follow the tfjs engine (src/engine/ganTrainer.ts) and the reference DCGAN loop (pytorch/examples dcgan):
the same losses, the same order of BatchNorm updates, PyTorch's Adam, the same data order (src/engine/data/random.ts,
transcribed below) and the same uint8 -> float conversion. Random draws (noise, dropout, the WGAN-GP mix) come from
torch's generators seeded per step, so a resumed run repeats exactly what an uninterrupted one would have done.
"""
import builtins
import json
import math
import mmap
import os
import queue
import signal
import sys
import threading
import time
import traceback

PROTOCOL = 1
CACHE_HEADER_BYTES = 64  # src/engine/data/cacheFile.ts


# -- the channel ------------------------------------------------------------------------------------------------

class Channel:
    def __init__(self, out, inp):
        self.out = out
        self.inp = inp
        self.lock = threading.Lock()

    def send(self, msg, payload=None):
        if payload is not None:
            msg = dict(msg, bytes=len(payload))
        line = (json.dumps(msg, allow_nan=False) + "\n").encode("utf-8")
        with self.lock:
            self.out.write(line)
            if payload:
                self.out.write(payload)
            self.out.flush()

    def receive(self):
        line = self.inp.readline()
        if not line:
            return None, None
        msg = json.loads(line)
        n = msg.get("bytes", 0)
        payload = None
        if n:
            payload = bytearray(n)
            view = memoryview(payload)
            got = 0
            while got < n:
                k = self.inp.readinto(view[got:])
                if not k:
                    return None, None
                got += k
        return msg, payload


class EngineError(Exception):
    """An error whose message is the whole story for the user."""


# -- seeded order and seeds, exactly as src/engine/data/random.ts ---------------------------------------------

M32 = 0xFFFFFFFF


def _imul(a, b):
    return (a * b) & M32


def mix_seed(*parts):
    h = 0x9E3779B9
    for p in parts:
        for word in (p & M32, (p // 2 ** 32) & M32):
            h = _imul(h ^ word, 0x85EBCA6B)
            h ^= h >> 13
            h = _imul(h, 0xC2B2AE35)
            h ^= h >> 16
    return h & M32


def mulberry32(seed):
    state = [seed & M32]

    def next_float():
        a = (state[0] + 0x6D2B79F5) & M32
        state[0] = a
        t = a
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296.0

    return next_float


def permutation(n, seed, epoch):
    order = list(range(n))
    r = mulberry32(mix_seed(seed, epoch, 0x5EED))
    for i in range(n - 1, 0, -1):
        j = int(r() * (i + 1))
        order[i], order[j] = order[j], order[i]
    return order


# -- the user's module ------------------------------------------------------------------------------------------

class RelaxedRequired:
    """argparse options the script marks required but the command line does not give become optional (None), as
    the static engine treats them as unknown: a model that does not read them builds; one that does fails where
    it reads them. Each relaxed option is logged."""

    def __init__(self, argparse, log):
        self.argparse = argparse
        self.log = log
        self.original = None

    def __enter__(self):
        ap = self.argparse
        original = ap.ArgumentParser.parse_known_args
        log = self.log
        self.original = original

        def parse_known_args(parser, args=None, namespace=None):
            given = sys.argv[1:] if args is None else list(args)
            relaxed = []
            for action in parser._actions:
                if action.required and action.option_strings and not any(
                        g == s or g.startswith(s + "=") for s in action.option_strings for g in given):
                    action.required = False
                    relaxed.append(action)
            try:
                return original(parser, args, namespace)
            finally:
                for action in relaxed:
                    action.required = True
                    log("argparse: %s is required by the script but not given (pass it with --argv); it is %r here"
                        % ("/".join(action.option_strings), action.default))

        ap.ArgumentParser.parse_known_args = parse_known_args
        return self

    def __exit__(self, *exc):
        self.argparse.ArgumentParser.parse_known_args = self.original
        return False


def load_module(spec, log):
    """Execute the statements of the user's file that building the pair needs (the worker sends them: every other
    statement is `pass`, with lines unchanged, so tracebacks point at the user's own lines)."""
    import argparse
    path = spec["file"]
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    sys.argv = [path] + list(spec.get("argv", []))
    ns = {"__name__": "__main__", "__file__": path, "__builtins__": builtins}
    code = compile(spec["source"], path, "exec")
    try:
        with RelaxedRequired(argparse, log):
            exec(code, ns)
    except SystemExit as e:
        raise EngineError("%s: its module-level code exited (SystemExit: %s) while the models were being built; "
                          "if argparse stopped it, pass the options the script needs with --argv" % (path, e.code))
    return ns


def build(ns, how, role):
    import torch.nn as nn
    net = eval(compile(how, "<%s constructor>" % role, "eval"), ns)
    if not isinstance(net, nn.Module):
        raise EngineError("%s did not build an nn.Module (it made a %s)" % (how, type(net).__name__))
    return net


# -- helpers ----------------------------------------------------------------------------------------------------

def first_output(y):
    """The image is a generator's first output and the score a discriminator's first output (tuple outputs)."""
    while isinstance(y, (tuple, list)):
        y = y[0]
    return y


_SHAPE_ONLY = ("View", "Reshape", "UnsafeView", "Squeeze", "Unsqueeze", "Flatten", "Clone", "Expand", "Permute",
               "Transpose", "Alias")


def ends_in_sigmoid(out):
    """True when the output is a sigmoid followed only by reshapes (the BCE then reads probabilities)."""
    fn = out.grad_fn
    while fn is not None and fn.name().startswith(_SHAPE_ONLY):
        nxt = [f for f, _ in fn.next_functions if f is not None]
        fn = nxt[0] if nxt else None
    return fn is not None and fn.name().startswith("Sigmoid")


def dcgan_init(net, torch):
    """The reference DCGAN's weights_init (as the tfjs engines apply it): every conv weight ~ N(0, 0.02), every
    BatchNorm weight ~ N(1, 0.02) and bias 0; everything else keeps PyTorch's default initialisation."""
    from torch.nn.modules.batchnorm import _BatchNorm
    from torch.nn.modules.conv import _ConvNd

    def weight(m):
        # spectral_norm keeps the trained tensor as weight_orig (torch.nn.utils.spectral_norm) or in parametrizations
        p = getattr(m, "weight_orig", None)
        if p is None and hasattr(m, "parametrizations") and hasattr(m.parametrizations, "weight"):
            p = m.parametrizations.weight.original
        if p is None:
            p = m.weight if isinstance(getattr(m, "weight", None), torch.nn.Parameter) else None
        return p

    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, _ConvNd):
                w = weight(m)
                if w is not None:
                    w.normal_(0.0, 0.02)
            elif isinstance(m, _BatchNorm) and m.affine:
                m.weight.normal_(1.0, 0.02)
                m.bias.zero_()


def grad_norm(torch, params):
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.zeros((), device=params[0].device if params else "cpu")
    if hasattr(torch, "_foreach_norm"):
        return torch.stack(torch._foreach_norm(grads)).float().norm()
    return torch.stack([g.detach().float().norm() for g in grads]).norm()


def describe_error(e, user_files):
    """The error's type and message, and the user's own file:line from the traceback (the last frame in one of
    their files), for a message that points where the problem is."""
    frames = traceback.extract_tb(e.__traceback__)
    where = None
    for f in frames:
        if os.path.abspath(f.filename) in user_files or os.path.dirname(os.path.abspath(f.filename)) in user_files:
            where = f
    info = {"pyType": type(e).__name__, "message": str(e).strip().split("\n")[0][:2000],
            "traceback": "".join(traceback.format_exception(type(e), e, e.__traceback__))[-6000:]}
    if where is not None:
        info.update(file=where.filename, line=where.lineno, function=where.name, code=(where.line or "").strip())
    return info


def is_oom(torch, e):
    oom = getattr(torch.cuda, "OutOfMemoryError", None)
    if oom is not None and isinstance(e, oom):
        return True
    text = str(e)
    return isinstance(e, RuntimeError) and ("out of memory" in text or "can't allocate memory" in text
                                            or "MPS backend out of memory" in text)


# -- safetensors (the subset checkpoints use; src/engine/safetensors.ts writes and reads the same) ---------------

def st_encode(torch, tensors, metadata):
    header = {"__metadata__": metadata} if metadata else {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach()
        if t.dtype == torch.int64:
            dtype = "I64"
        else:
            dtype, t = "F32", t.float()
        b = t.contiguous().cpu().numpy().tobytes() if _has_numpy() else _tensor_bytes(torch, t)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    return len(h).to_bytes(8, "little") + h + b"".join(blobs)


def st_decode(torch, buf):
    n = int.from_bytes(bytes(buf[:8]), "little")
    header = json.loads(bytes(buf[8:8 + n]).decode("utf-8"))
    meta = header.pop("__metadata__", {}) or {}
    dtypes = {"F32": torch.float32, "I64": torch.int64, "F64": torch.float64}
    out = {}
    base = 8 + n
    for name, h in header.items():
        a, b = h["data_offsets"]
        if h["dtype"] not in dtypes:
            raise EngineError("tensor %s has dtype %s, which the engine does not load" % (name, h["dtype"]))
        raw = bytes(buf[base + a:base + b])
        t = torch.frombuffer(bytearray(raw), dtype=dtypes[h["dtype"]]) if raw else torch.empty(0, dtype=dtypes[h["dtype"]])
        out[name] = t.reshape(h["shape"])
    return out, meta


_numpy = []


def _has_numpy():
    if not _numpy:
        try:
            import numpy  # noqa: F401
            _numpy.append(True)
        except Exception:
            _numpy.append(False)
    return _numpy[0]


def _tensor_bytes(torch, t):
    # without numpy: reinterpret as uint8 (little-endian machines, as safetensors requires)
    return bytes(t.contiguous().cpu().view(torch.uint8).flatten().tolist())


# -- the engine -------------------------------------------------------------------------------------------------

class Engine:
    def __init__(self, channel, torch):
        self.ch = channel
        self.torch = torch
        self.interrupted = set()
        self.lock = threading.Lock()
        self.run = None  # set by init

    def log(self, line):
        self.ch.send({"type": "log", "line": line})

    def hello(self):
        torch = self.torch
        gpus = []
        if torch.cuda.is_available():
            for i in range(torch.cuda.device_count()):
                p = torch.cuda.get_device_properties(i)
                gpus.append({"index": i, "name": p.name, "memory": int(p.total_memory)})
        mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
        return {"type": "hello", "protocol": PROTOCOL, "pid": os.getpid(), "python": sys.executable,
                "pythonVersion": sys.version.split()[0], "torch": torch.__version__,
                "cuda": torch.version.cuda, "hip": getattr(torch.version, "hip", None), "gpus": gpus, "mps": mps,
                "threads": torch.get_num_threads()}

    def handle(self, msg, payload):
        cmd = msg.get("cmd")
        handler = getattr(self, "cmd_" + str(cmd), None)
        if handler is None:
            raise EngineError("unknown command %r" % cmd)
        return handler(msg, payload)

    # -- commands

    def cmd_init(self, msg, payload):
        self.run = Run(self, msg, payload)
        return {"type": "ok", "device": str(self.run.device), "dProb": self.run.d_prob}, None

    def cmd_load(self, msg, payload):
        self.run.load(payload)
        return {"type": "ok"}, None

    def cmd_state(self, msg, payload):
        return {"type": "ok"}, self.run.state()

    def cmd_sample(self, msg, payload):
        return {"type": "ok"}, self.run.sample()

    def cmd_run(self, msg, payload):
        return self.run.run_steps(msg), None

    def cmd_reference(self, msg, payload):
        return {"type": "ok", "imgPerSec": self.run.reference(msg["steps"], msg.get("warmup", 2))}, None

    def cmd_quit(self, msg, payload):
        return {"type": "ok"}, None


class Run:
    """One pair on one device with its optimizers and data order."""

    def __init__(self, engine, cfg, payload):
        import torch
        import torch.nn.functional as F
        self.engine = engine
        self.torch = torch
        self.F = F
        self.cfg = cfg
        self.log = engine.log
        self.device = self.pick_device(cfg.get("device") or "auto")
        torch.backends.cudnn.benchmark = self.device.type == "cuda"
        self.amp = cfg.get("amp") or None
        self.check_amp()
        self.user_files = {os.path.abspath(cfg["model"]["file"]), os.path.dirname(os.path.abspath(cfg["model"]["file"]))}
        self.batch = int(cfg["batch"])
        self.latent = list(cfg["latentShape"])
        self.seed = int(cfg["seed"])
        self.loss = cfg["loss"]
        self.gp_weight = float(cfg.get("gpWeight", 10))
        self.n_critic = int(cfg.get("nCritic", 5))

        ns = load_module(cfg["model"], self.log)
        self.ns = ns
        # the models, built as the static engine resolved them, initialised from the run's seed
        torch.manual_seed(mix_seed(self.seed, 0x1A17))
        self.G = build(ns, cfg["generator"]["build"], "generator").to(self.device)
        self.D = build(ns, cfg["discriminator"]["build"], "discriminator").to(self.device)
        dcgan_init(self.G, torch)
        dcgan_init(self.D, torch)
        self.G.train()
        self.D.train()
        self.check_shapes(cfg)
        betas = (float(cfg["beta1"]), float(cfg["beta2"]))
        self.optG = torch.optim.Adam(self.G.parameters(), lr=float(cfg["lr"]), betas=betas, eps=1e-8)
        self.optD = torch.optim.Adam(self.D.parameters(), lr=float(cfg["lr"]), betas=betas, eps=1e-8)
        self.paramsG = [p for p in self.G.parameters() if p.requires_grad]
        self.paramsD = [p for p in self.D.parameters() if p.requires_grad]
        self.adam_step_g = 0
        self.adam_step_d = 0
        self.targets = {}
        self.scalerD = self.make_scaler()
        self.scalerG = self.make_scaler()
        # WGAN-GP's critic-only steps report the last G step's metrics (zeros before the first, as ganTrainer.ts)
        self.last_g = [torch.zeros((), device=self.device) for _ in range(3)]
        self.data = Data(self, cfg["data"])
        self.fixed_z = None
        if payload:
            self.fixed_z = torch.frombuffer(payload, dtype=torch.float32).reshape([-1] + self.latent).to(self.device)

    # -- set-up

    def pick_device(self, asked):
        torch = self.torch
        mps = getattr(torch.backends, "mps", None)
        has_mps = bool(mps and mps.is_available())
        if asked == "auto":
            asked = "cuda" if torch.cuda.is_available() else "mps" if has_mps else "cpu"
        if asked.startswith("cuda"):
            if not torch.cuda.is_available():
                why = "it is a CPU-only build" if torch.version.cuda is None and not getattr(torch.version, "hip", None) \
                    else "it sees no CUDA device (driver, CUDA_VISIBLE_DEVICES?)"
                raise EngineError("torch %s at %s cannot use CUDA: %s. Install a CUDA build of PyTorch "
                                  "(https://pytorch.org/get-started/locally/) or choose the cpu device"
                                  % (torch.__version__, sys.executable, why))
            index = int(asked.split(":")[1]) if ":" in asked else 0
            if index >= torch.cuda.device_count():
                raise EngineError("cuda:%d does not exist: torch sees %d CUDA device(s)" % (index, torch.cuda.device_count()))
            return torch.device("cuda", index)
        if asked == "mps":
            if not has_mps:
                raise EngineError("torch %s at %s has no Apple MPS device (it needs macOS 12.3+ on Apple silicon "
                                  "and torch ≥ 1.12)" % (torch.__version__, sys.executable))
            return torch.device("mps")
        if asked == "cpu":
            return torch.device("cpu")
        raise EngineError("unknown device %r (auto, cuda, cuda:N, mps or cpu)" % asked)

    def check_amp(self):
        torch = self.torch
        if self.amp is None:
            return
        if self.amp not in ("bf16", "fp16"):
            raise EngineError("--amp must be bf16 or fp16, got %r" % self.amp)
        if self.amp == "fp16" and self.device.type != "cuda":
            raise EngineError("--amp fp16 needs a CUDA device (PyTorch's fp16 autocast with a gradient scaler); on %s "
                              "use --amp bf16 or no --amp" % self.device.type)
        if self.amp == "bf16" and self.device.type == "cuda" and not torch.cuda.is_bf16_supported():
            raise EngineError("--amp bf16: %s does not support bfloat16; use --amp fp16" % torch.cuda.get_device_name(self.device))
        if self.amp == "bf16" and self.device.type == "mps":
            raise EngineError("--amp bf16 is not supported on MPS; use no --amp")

    def make_scaler(self):
        """fp16 needs a gradient scaler (one per optimizer, as GAN loops keep them); otherwise a disabled one."""
        torch = self.torch
        fp16 = self.amp == "fp16"
        if hasattr(torch, "amp") and hasattr(torch.amp, "GradScaler"):
            return torch.amp.GradScaler(self.device.type, enabled=fp16)
        return torch.cuda.amp.GradScaler(enabled=fp16)

    def autocast(self):
        torch = self.torch
        if self.amp is None:
            return _Null()
        return torch.autocast(device_type=self.device.type, dtype=torch.bfloat16 if self.amp == "bf16" else torch.float16)

    def check_shapes(self, cfg):
        """The pair PyTorch built is the pair the static engine checked: same image and score shapes."""
        torch = self.torch
        self.G.eval()
        self.D.eval()
        try:
            z = torch.randn([2] + self.latent, device=self.device)
            with torch.no_grad():
                img = first_output(self.G(z))
            expected = [2] + list(cfg["imageShape"])
            if list(img.shape) != expected:
                raise EngineError("PyTorch's %s makes %s, but the static check expected %s: the file changed, or "
                                  "the analysis is wrong (please report it)"
                                  % (cfg["generator"]["build"], list(img.shape), expected))
            score = first_output(self.D(img))
            if score.numel() != 2:
                raise EngineError("PyTorch's %s returns %s for 2 images, not one score per image"
                                  % (cfg["discriminator"]["build"], list(score.shape)))
            self.d_prob = ends_in_sigmoid(score)
        finally:
            self.G.train()
            self.D.train()

    # -- the step

    def bce(self, out, target):
        F = self.F
        out = out.float()
        key = (out.shape[0], target)
        t = self.targets.get(key)
        if t is None:
            t = self.targets[key] = self.torch.full_like(out, float(target))
        if self.d_prob:
            return F.binary_cross_entropy(out, t)
        return F.binary_cross_entropy_with_logits(out, t)

    def prob(self, out):
        return out.float().mean() if self.d_prob else self.torch.sigmoid(out.float()).mean()

    def backward_step(self, loss, opt, scaler, params):
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        norm = grad_norm(self.torch, params)
        scaler.step(opt)
        scaler.update()
        if scaler.is_enabled():
            # fp16: a step whose scaled gradients overflowed is skipped by the scaler (it lowers its scale; common in
            # the first steps): nothing was applied, so its norm reads 0, not a NaN that would stop the run
            norm = self.torch.where(self.torch.isfinite(norm), norm, self.torch.zeros_like(norm))
        return norm

    def step_bce(self, real, z):
        G, D = self.G, self.D
        self.optD.zero_grad(set_to_none=True)
        with self.autocast():
            fake = first_output(G(z))
            out_real = first_output(D(real)).reshape(-1)
            out_fake = first_output(D(fake.detach())).reshape(-1)
        loss_d = self.bce(out_real, 1) + self.bce(out_fake, 0)
        norm_d = self.backward_step(loss_d, self.optD, self.scalerD, self.paramsD)
        self.adam_step_d += 1
        self.optG.zero_grad(set_to_none=True)
        with self.autocast():
            out2 = first_output(D(fake)).reshape(-1)
        loss_g = self.bce(out2, 1)
        norm_g = self.backward_step(loss_g, self.optG, self.scalerG, self.paramsG)
        self.adam_step_g += 1
        return [loss_d.detach(), loss_g.detach(), self.prob(out_real).detach(), self.prob(out_fake).detach(),
                self.prob(out2).detach(), norm_d, norm_g]

    def step_wgan(self, real, z, alpha):
        """WGAN-GP as ganTrainer.ts (and PyTorch implementations) write it: a critic step on every batch, a G step
        every nCritic-th critic step with the same G(z); the critic's BatchNorm sees real, fake, x-hat in order."""
        torch = self.torch
        G, D = self.G, self.D
        n = real.shape[0]
        self.optD.zero_grad(set_to_none=True)
        with self.autocast():
            fake = first_output(G(z))
            r = first_output(D(real)).reshape(-1).float()
            f = first_output(D(fake.detach())).reshape(-1).float()
        xhat = (alpha * real + (1 - alpha) * fake.detach().float()).requires_grad_(True)
        # the penalty's gradient in float32 (outside autocast): in fp16 it would underflow or overflow
        c = first_output(D(xhat)).reshape(-1).float().sum()
        (gx,) = torch.autograd.grad(c, xhat, create_graph=True)
        norms = torch.sqrt(gx.reshape(n, -1).pow(2).sum(1) + 1e-12)
        gp = (norms - 1).pow(2).mean()
        loss_d = f.mean() - r.mean() + self.gp_weight * gp
        norm_d = self.backward_step(loss_d, self.optD, self.scalerD, self.paramsD)
        self.adam_step_d += 1
        if (self.adam_step_d - 1) % self.n_critic == 0:
            self.optG.zero_grad(set_to_none=True)
            with self.autocast():
                f2 = first_output(D(fake)).reshape(-1).float()
            loss_g = -f2.mean()
            norm_g = self.backward_step(loss_g, self.optG, self.scalerG, self.paramsG)
            self.adam_step_g += 1
            self.last_g = [loss_g.detach(), f2.mean().detach(), norm_g]
        lg, fa, ng = self.last_g
        return [loss_d.detach(), lg, r.mean().detach(), f.mean().detach(), fa, norm_d, ng]

    def one_step(self, step):
        torch = self.torch
        # every draw of this step (noise, dropout masks, the WGAN-GP mix) from a generator seeded by (seed, step)
        torch.manual_seed(mix_seed(self.seed, step))
        real, epoch = self.data.next_batch()
        z = torch.randn([self.batch] + self.latent, device=self.device)
        if self.loss == "wgan-gp":
            alpha = torch.rand(self.batch, 1, 1, 1, device=self.device)
            row = self.step_wgan(real, z, alpha)
        else:
            row = self.step_bce(real, z)
        return row, epoch

    # -- commands

    def run_steps(self, msg):
        """Steps msg.from..msg.to; rows go back every reportMs (one device sync each, not one per step) as float64
        [n, 8]: lossD, lossG, dReal, dFake, dFakeAfter, gradNormD, gradNormG, epoch (torchEngine.ts reads them)."""
        torch = self.torch
        first, last, run_id = int(msg["from"]), int(msg["to"]), msg["id"]
        report_s = float(msg.get("reportMs", 100)) / 1000.0
        cap = 256
        buf = torch.zeros((cap, 7), dtype=torch.float32, device=self.device)
        epochs = []
        t_last = [time.perf_counter()]
        done = first - 1

        def flush():
            """Send the rows so far; returns the step of the first non-finite row, or None."""
            n = len(epochs)
            if n == 0:
                return None
            rows = torch.cat([buf[:n].double().cpu(), torch.tensor(epochs, dtype=torch.float64).reshape(n, 1)], 1)
            now = time.perf_counter()
            start = done - n + 1
            bad = None
            for i, r in enumerate(rows[:, :7].tolist()):
                if not all(math.isfinite(x) for x in r):
                    bad = i
                    break
            k = n if bad is None else bad + 1
            self.engine.ch.send({"type": "rows", "id": run_id, "first": start, "count": k, "seconds": now - t_last[0]},
                                _float64_bytes(torch, rows[:k]))
            del epochs[:]
            t_last[0] = now
            return None if bad is None else start + bad

        step = first
        try:
            for step in range(first, last + 1):
                row, epoch = self.one_step(step)
                buf[len(epochs)] = torch.stack([x.float() for x in row])
                epochs.append(float(epoch))
                done = step
                stop = run_id in self.engine.interrupted
                if len(epochs) == cap or stop or step == last or time.perf_counter() - t_last[0] >= report_s:
                    bad = flush()
                    if bad is not None:
                        return {"type": "ok", "last": bad, "reason": "nan"}
                if stop:
                    return {"type": "ok", "last": done, "reason": "interrupted"}
        except Exception as e:
            # the steps before the failing one are real: their rows go first
            try:
                flush()
            except Exception:
                pass
            raise StepFailed(e, step)
        finally:
            self.engine.interrupted.discard(run_id)
        return {"type": "ok", "last": done, "reason": "done"}

    def sample(self):
        torch = self.torch
        if self.fixed_z is None:
            raise EngineError("no fixed noise was given at init")
        self.G.eval()
        try:
            with torch.no_grad(), self.autocast():
                y = first_output(self.G(self.fixed_z))
        finally:
            self.G.train()
        y = y.float()
        if y.dim() == 4:
            y = y.permute(0, 2, 3, 1)
        return _float32_bytes(torch, y.contiguous())

    def state(self):
        torch = self.torch
        tensors = {}
        for tag, net, opt in (("G", self.G, self.optG), ("D", self.D, self.optD)):
            for k, v in net.state_dict().items():
                tensors["%s/%s" % (tag, k)] = v
            for name, p in net.named_parameters():
                st = opt.state.get(p, {})
                tensors["%s.adam.exp_avg/%s" % (tag, name)] = st.get("exp_avg", torch.zeros_like(p))
                tensors["%s.adam.exp_avg_sq/%s" % (tag, name)] = st.get("exp_avg_sq", torch.zeros_like(p))
        meta = {"adamStepG": str(self.adam_step_g), "adamStepD": str(self.adam_step_d),
                "position": json.dumps(self.data.position())}
        return st_encode(torch, tensors, meta)

    def load(self, payload):
        torch = self.torch
        tensors, meta = st_decode(torch, payload)
        for tag, net, opt, step_key in (("G", self.G, self.optG, "adamStepG"), ("D", self.D, self.optD, "adamStepD")):
            prefix = tag + "/"
            state = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
            missing, unexpected = net.load_state_dict(state, strict=False)
            if unexpected:
                raise EngineError("the checkpoint's %s has tensors this model does not: %s"
                                  % (tag, ", ".join(sorted(unexpected)[:8])))
            if missing:
                self.log("the checkpoint has no %s for %s: kept at their initial values" % (", ".join(missing[:8]), tag))
            step = int(meta.get(step_key, "0"))
            if step > 0:
                for name, p in net.named_parameters():
                    m = tensors.get("%s.adam.exp_avg/%s" % (tag, name))
                    v = tensors.get("%s.adam.exp_avg_sq/%s" % (tag, name))
                    if m is None or v is None:
                        continue
                    opt.state[p] = {"step": torch.tensor(float(step)), "exp_avg": m.to(p.device, p.dtype).reshape(p.shape),
                                    "exp_avg_sq": v.to(p.device, p.dtype).reshape(p.shape)}
            if tag == "G":
                self.adam_step_g = step
            else:
                self.adam_step_d = step
        pos = json.loads(meta.get("position", '{"epoch": 0, "index": 0}'))
        self.data.seek(int(pos["epoch"]), int(pos["index"]))

    def reference(self, steps, warmup):
        """A plain PyTorch DCGAN loop (pytorch/examples dcgan's step: BCELoss, Adam, no metrics, no sampling, no
        IPC) on its own copy of the same pair, with one fixed batch of real images: the speed to compare with."""
        torch = self.torch
        if getattr(self, "ref", None) is None:
            nn = torch.nn
            cfg = self.cfg
            netG = build(self.ns, cfg["generator"]["build"], "generator").to(self.device)
            netD = build(self.ns, cfg["discriminator"]["build"], "discriminator").to(self.device)
            betas = (float(cfg["beta1"]), float(cfg["beta2"]))
            self.ref = {"G": netG, "D": netD, "criterion": nn.BCELoss() if self.d_prob else nn.BCEWithLogitsLoss(),
                        "optD": torch.optim.Adam(netD.parameters(), lr=float(cfg["lr"]), betas=betas),
                        "optG": torch.optim.Adam(netG.parameters(), lr=float(cfg["lr"]), betas=betas),
                        "real": self.data.next_batch()[0].clone()}
        r = self.ref
        netG, netD, criterion, optD, optG, real = r["G"], r["D"], r["criterion"], r["optD"], r["optG"], r["real"]
        b = self.batch
        label_real = torch.full((b,), 1.0, device=self.device)
        label_fake = torch.full((b,), 0.0, device=self.device)

        def amp_step():
            # the same step as PyTorch's AMP examples write it: autocast forward, the loss on float32 outputs,
            # a gradient scaler per optimizer (fp16)
            sD, sG = r.setdefault("sD", self.make_scaler()), r.setdefault("sG", self.make_scaler())
            netD.zero_grad()
            with self.autocast():
                out_real = netD(real).view(-1)
                noise = torch.randn([b] + self.latent, device=self.device)
                fake = netG(noise)
                out_fake = netD(fake.detach()).view(-1)
            errD = criterion(out_real.float(), label_real) + criterion(out_fake.float(), label_fake)
            sD.scale(errD).backward()
            sD.step(optD)
            sD.update()
            netG.zero_grad()
            with self.autocast():
                output = netD(fake).view(-1)
            errG = criterion(output.float(), label_real)
            sG.scale(errG).backward()
            sG.step(optG)
            sG.update()

        def step():
            netD.zero_grad()
            output = netD(real).view(-1)
            errD_real = criterion(output, label_real)
            errD_real.backward()
            noise = torch.randn([b] + self.latent, device=self.device)
            fake = netG(noise)
            output = netD(fake.detach()).view(-1)
            errD_fake = criterion(output, label_fake)
            errD_fake.backward()
            optD.step()
            netG.zero_grad()
            output = netD(fake).view(-1)
            errG = criterion(output, label_real)
            errG.backward()
            optG.step()

        one = amp_step if self.amp else step
        for _ in range(warmup):
            one()
        self.sync()
        t0 = time.perf_counter()
        for _ in range(steps):
            one()
        self.sync()
        return b * steps / (time.perf_counter() - t0)

    def sync(self):
        if self.device.type == "cuda":
            self.torch.cuda.synchronize(self.device)
        elif self.device.type == "mps":
            self.torch.mps.synchronize()


class StepFailed(Exception):
    def __init__(self, error, step):
        Exception.__init__(self, str(error))
        self.error = error
        self.step = step


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _float64_bytes(torch, t):
    return t.double().contiguous().numpy().tobytes() if _has_numpy() else _tensor_bytes(torch, t.double())


def _float32_bytes(torch, t):
    t = t.float().contiguous().cpu()
    return t.numpy().tobytes() if _has_numpy() else _tensor_bytes(torch, t)


class Data:
    """The run's batches: the dataset cache file the worker built (uint8 HWC records), in the worker's order
    (src/engine/data/dataset.ts: epoch e visits permutation(count, seed, e); an incomplete last batch is dropped),
    as float32 NCHW in [-1, 1] computed as torchvision's ToTensor + Normalize(0.5, 0.5) compute it."""

    def __init__(self, run, spec):
        torch = run.torch
        self.run = run
        self.torch = torch
        self.device = run.device
        self.batch = run.batch
        self.seed = int(spec.get("seed", 0))
        self.epoch = 0
        self.index = 0
        self.order_epoch = None
        self.order = None
        # True when `records` already holds float32 NCHW batches (the set fits the budget four times over)
        self.ready = False
        if spec["kind"] == "random":
            # bench: uniform bytes, resident on the device
            size, ch, count = int(spec["size"]), int(spec["channels"]), int(spec["count"])
            g = torch.Generator().manual_seed(self.seed)
            self.records = self.to_float(torch.randint(0, 256, (count, size, size, ch), dtype=torch.uint8, generator=g).to(self.device))
            self.ready = True
        else:
            self.records = self.open_cache(spec)
        self.count = self.records.shape[0]
        if self.batch > self.count:
            raise EngineError("the dataset has %d image%s, fewer than the batch size %d" % (self.count, "" if self.count == 1 else "s", self.batch))

    def open_cache(self, spec):
        torch = self.torch
        path = spec["file"]
        count, size, ch = int(spec["count"]), int(spec["size"]), int(spec["channels"])
        nbytes = count * size * size * ch
        with open(path, "rb") as f:
            head = f.read(CACHE_HEADER_BYTES)
            if head[:8] != b"DCGLDATA":
                raise EngineError("%s is not a DCGAN Lab dataset cache" % path)
            got = [int.from_bytes(head[o:o + 4], "little") for o in (12, 16, 20)]
            if got != [count, size, ch]:
                raise EngineError("%s holds %s (count, size, channels), expected %s" % (path, got, [count, size, ch]))
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "The given buffer is not writable": it is only read
            records = torch.frombuffer(mm, dtype=torch.uint8, count=nbytes, offset=CACHE_HEADER_BYTES)
        records = records.view(count, size, size, ch)
        budget = int(spec.get("deviceBudget", 2 << 30))
        resident = spec.get("resident", "auto")  # "float" / "bytes" force a layout (tests)
        if resident == "float" or (resident == "auto" and self.device.type != "cpu" and nbytes * 4 <= budget):
            # resident on the accelerator as float32 NCHW, converted once: a batch is then one gather
            self.ready = True
            return self.to_float(records.to(self.device))
        if nbytes <= budget:
            records = records.to(self.device) if self.device.type != "cpu" else records.clone()
        return records

    @staticmethod
    def to_float(x):
        """uint8 NHWC -> float32 NCHW in [-1, 1] as ToTensor + Normalize(0.5, 0.5) (src/engine/data/preprocess.ts)."""
        return x.permute(0, 3, 1, 2).float().div_(255).sub_(0.5).div_(0.5).contiguous()

    def position(self):
        return {"epoch": self.epoch, "index": self.index}

    def seek(self, epoch, index):
        if epoch < 0 or index < 0 or index > self.count:
            raise EngineError("seek(%d, %d): outside the dataset of %d images" % (epoch, index, self.count))
        self.epoch, self.index = epoch, index

    def order_for(self, epoch):
        if self.order_epoch != epoch:
            self.order = self.torch.tensor(permutation(self.count, self.seed, epoch), dtype=self.torch.long,
                                           device=self.records.device)
            self.order_epoch = epoch
        return self.order

    def next_batch(self):
        torch = self.torch
        b = self.batch
        if self.index + b > self.count:
            self.epoch += 1
            self.index = 0
        idx = self.order_for(self.epoch)[self.index:self.index + b]
        self.index += b
        x = self.records.index_select(0, idx)
        if self.ready:
            return x, self.epoch
        if x.device != self.device:
            x = x.pin_memory().to(self.device, non_blocking=True) if self.device.type == "cuda" else x.to(self.device)
        return self.to_float(x), self.epoch


# -- main -------------------------------------------------------------------------------------------------------

def main():
    # A terminal's Ctrl+C (and a process group's SIGTERM) reach this process too: the worker decides what a signal
    # means (stop after the current step) and says so with `interrupt`; this process ends when its stdin closes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # fd 1 becomes stderr for everyone else; the channel keeps the original stdout
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    ch = Channel(out, sys.stdin.buffer)
    try:
        import torch
    except Exception as e:  # ImportError, or a broken install (missing shared libraries)
        ch.send({"type": "no-torch", "python": sys.executable, "pythonVersion": sys.version.split()[0],
                 "error": "%s: %s" % (type(e).__name__, str(e).strip().split("\n")[-1])})
        sys.exit(3)
    engine = Engine(ch, torch)
    ch.send(engine.hello())
    commands = queue.Queue()

    def reader():
        while True:
            try:
                msg, payload = ch.receive()
            except Exception as e:
                sys.stderr.write("dcgan-lab engine: unreadable command: %s\n" % e)
                os._exit(2)
            if msg is None:
                # the worker is gone (its end of the pipe closed): nothing may outlive it holding a GPU
                os._exit(0)
            if msg.get("cmd") == "interrupt":
                engine.interrupted.add(msg.get("run"))
                continue
            commands.put((msg, payload))

    threading.Thread(target=reader, name="dcgan-lab-commands", daemon=True).start()
    while True:
        msg, payload = commands.get()
        rid = msg.get("id")
        try:
            reply, data = engine.handle(msg, payload)
            ch.send(dict(reply, id=rid), data)
        except Exception as e:
            step = None
            if isinstance(e, StepFailed):
                step, e = e.step, e.error
            info = describe_error(e, engine.run.user_files if engine.run else set())
            kind = "engine" if isinstance(e, EngineError) else "oom" if is_oom(torch, e) else "exception"
            if kind == "oom" and torch.cuda.is_available():
                torch.cuda.empty_cache()
            ch.send(dict(info, type="error", id=rid, kind=kind, step=step))
        if msg.get("cmd") == "quit":
            out.flush()
            os._exit(0)


if __name__ == "__main__":
    main()
