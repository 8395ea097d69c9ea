"""PyTorch side of `pnpm bench`: the same reference ViT and the same micro-benchmarks.

Run by bench/run.ts when PyTorch can be imported; prints one JSON object on stdout.
Usage: python3 reference_vit.py [--threads N] [--steps N] [--quick]
Set OPENBLAS_NUM_THREADS=1 (run.ts does) so that OpenBLAS does not start threads of its own
on top of torch's.

Model (identical in shape to bench/reference-vit.ts): tokens [64, 64, 128] -> 2 pre-norm blocks
(LayerNorm, fused qkv Linear 128->384, 4 heads of 32, softmax(q k^T / sqrt(32)) v, Linear
128->128; LayerNorm, Linear 128->512, exact GELU, Linear 512->128) -> LayerNorm -> mean over
tokens -> Linear 128->10; cross-entropy; Adam (lr 1e-3).
"""

import argparse
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.ln2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, mlp_ratio * dim)
        self.fc2 = nn.Linear(mlp_ratio * dim, dim)

    def forward(self, x):
        b, t, d = x.shape
        dh = d // self.heads
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
        q, k, v = (z.reshape(b, t, self.heads, dh).transpose(1, 2) for z in (q, k, v))
        att = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(dh), dim=-1) @ v
        x = x + self.proj(att.transpose(1, 2).reshape(b, t, d))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class ReferenceVit(nn.Module):
    def __init__(self, dim=128, heads=4, mlp_ratio=4, depth=2, classes=10):
        super().__init__()
        self.blocks = nn.ModuleList(Block(dim, heads, mlp_ratio) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.norm(x).mean(dim=1))


def loaded_blas():
    """The BLAS library the process mapped (Debian picks it through alternatives)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1].rsplit("/", 1)[-1] for line in f if "blas" in line.lower()}
        return ", ".join(sorted(libs)) or "none mapped"
    except OSError:
        return "unknown"


def timed(fn, reps, warmup=1):
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    result = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "blas": "unknown",
        "matmul": [],
        "attention": {},
        "train": {},
    }

    sizes = [128, 256, 512] if args.quick else [128, 256, 512, 1024]
    for n in sizes:
        for case in ("nn", "nt", "tn", "tt"):
            a = torch.randn(n, n)
            b = torch.randn(n, n)
            ta, tb = case[0] == "t", case[1] == "t"

            def run():
                x = a.t() if ta else a
                y = b.t() if tb else b
                torch.matmul(x, y)

            reps = max(3, int(2e9 / (2 * n**3)))
            ms = min(timed(run, reps))
            result["matmul"].append({"n": n, "case": case, "ms": ms, "gflops": 2 * n**3 / ms / 1e6})

    result["blas"] = loaded_blas()

    bsz, heads, tokens, dh = 64, 4, 64, 32
    q, k, v = (torch.randn(bsz, heads, tokens, dh, requires_grad=True) for _ in range(3))

    def attention():
        return torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(dh), dim=-1) @ v

    with torch.no_grad():
        fwd = min(timed(attention, 20))
    g = torch.randn(bsz, heads, tokens, dh)

    def fwd_bwd():
        q.grad = k.grad = v.grad = None
        attention().backward(g)

    fb = min(timed(fwd_bwd, 20))
    result["attention"] = {"forward_ms": fwd, "forward_backward_ms": fb}

    model = ReferenceVit()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(64, 64, 128)
    y = torch.randint(0, 10, (64,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    steps = timed(step, args.steps, warmup=2)
    result["train"] = {
        "params": sum(p.numel() for p in model.parameters()),
        "batch": 64,
        "step_ms": steps,
        "images_per_s": 64 / (sorted(steps)[len(steps) // 2] / 1000.0),
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
