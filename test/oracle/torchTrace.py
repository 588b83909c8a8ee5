"""PyTorch oracle for `dcgan-lab check`.

stdin:  a JSON list of cases {"file", "model", "ctor", "inputs": [EXPR, ...], "argv"}
stdout: a JSON list of results, one per case, in the shape of `dcgan-lab check --json`:
        {"model", "output", "error": {"message", "line": null, "module"} | null,
         "modules": [{"path", "type", "line": null, "output"}, ...]}

Each case: sys.argv = [file] + shlex.split(argv); the file is executed with runpy.run_path(run_name="__dcgan_oracle__")
under torch.no_grad() and a fixed seed; ctor and inputs are evaluated in the file's namespace; the model is built
(train mode, as constructed) and every leaf module (no children) from named_modules() -- first name for a shared
module -- gets a forward pre-hook and a forward hook. On an exception, error.module is the leaf module whose pre-hook
ran without its hook. Anything the example prints goes to stderr, never into the JSON.
"""
import contextlib
import json
import os
import random
import runpy
import shlex
import sys
import traceback

import torch

SEED = 0


def shape_of(value):
    """A tensor's shape as a list of ints; tuples/lists of tensors as a list of shapes; anything else None."""
    if isinstance(value, torch.Tensor):
        return [int(d) for d in value.shape]
    if isinstance(value, (tuple, list)) and len(value) > 0 and all(isinstance(v, torch.Tensor) for v in value):
        return [[int(d) for d in v.shape] for v in value]
    return None


def first_line(exc):
    text = str(exc)
    if isinstance(exc, KeyError) and len(exc.args) == 1:
        text = str(exc.args[0])
    return text.split("\n")[0]


def seed_all():
    random.seed(SEED)
    torch.manual_seed(SEED)
    try:
        import numpy as np
        np.random.seed(SEED)
    except ImportError:
        pass


def run_case(case):
    file = case["file"]
    model_name = case["model"]
    ctor = (case.get("ctor") or "").strip() or "()"
    inputs = case.get("inputs") or []
    argv = case.get("argv") or ""

    result = {"model": model_name, "output": None, "error": None, "modules": []}
    calls = result["modules"]
    pending = []  # leaf modules whose pre-hook ran and whose hook has not (yet)
    handles = []

    old_argv, old_path = sys.argv, list(sys.path)
    sys.argv = [file] + shlex.split(argv)
    here = os.path.dirname(os.path.abspath(file))
    sys.path.insert(0, here)
    # a sibling module ("models") imported by an earlier case from another folder must not be reused
    for name, mod in list(sys.modules.items()):
        origin = getattr(mod, "__file__", None) or ""
        if origin and not origin.startswith(sys.prefix) and not origin.startswith("/usr/") and os.path.dirname(os.path.abspath(origin)) != here:
            del sys.modules[name]
    seed_all()
    try:
        with torch.no_grad(), contextlib.redirect_stdout(sys.stderr):
            ns = runpy.run_path(file, run_name="__dcgan_oracle__")
            seed_all()
            model = eval("__dcgan_model_class__" + ctor, dict(ns, __dcgan_model_class__=ns[model_name]))
            args = [eval(expr, ns) for expr in inputs]

            for path, mod in model.named_modules():
                if path == "" or next(mod.children(), None) is not None:
                    continue

                def pre(m, _inp, path=path):
                    pending.append(path)

                def post(m, _inp, out, path=path):
                    if pending and pending[-1] == path:
                        pending.pop()
                    calls.append({"path": path, "type": type(m).__name__, "line": None, "output": shape_of(out)})

                handles.append(mod.register_forward_pre_hook(pre))
                handles.append(mod.register_forward_hook(post))

            out = model(*args)
            result["output"] = shape_of(out)
    except BaseException as exc:  # noqa: BLE001 -- SystemExit from argparse included
        if isinstance(exc, KeyboardInterrupt):
            raise
        result["output"] = None
        result["error"] = {"message": first_line(exc), "line": None, "module": pending[-1] if pending else None}
        if os.environ.get("DCGAN_ORACLE_TRACEBACK"):
            traceback.print_exc(file=sys.stderr)
    finally:
        for h in handles:
            h.remove()
        sys.argv = old_argv
        sys.path[:] = old_path
    return result


def main():
    torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "1"))))
    cases = json.load(sys.stdin)
    single = isinstance(cases, dict)
    results = [run_case(c) for c in ([cases] if single else cases)]
    sys.stdout.write(json.dumps(results[0] if single else results))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
