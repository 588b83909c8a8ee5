"""Read a safetensors file into torch tensors (Debian has no `safetensors` package). Prepended to the training
oracle scripts (torchTrain.py, trainRun.test.ts) by test/support/oracle.ts's withSafetensorsReader()."""
import json

import torch

ST_DTYPES = {"F32": torch.float32, "I64": torch.int64}


def read_st(path):
    b = open(path, "rb").read()
    n = int.from_bytes(b[:8], "little")
    header = json.loads(b[8:8 + n])
    base = 8 + n
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        s, e = v["data_offsets"]
        out[k] = torch.frombuffer(bytearray(b[base + s:base + e]), dtype=ST_DTYPES[v["dtype"]]).reshape(v["shape"]).clone()
    return out
