#!/usr/bin/env python3
"""Finite-difference evidence for two gradient faults of the official AiT code (AiT.js issue 23).

Usage: python3 official_gradient_faults.py OFFICIAL_DIR HFLAYERS_DIR
  OFFICIAL_DIR: a checkout of github.com/yuweisunn/associative-transformer (commit 107ae934)
  HFLAYERS_DIR: the folder that holds the `hflayers` package of github.com/ml-jku/hopfield-layers
                (commit f56f929c)
Needs only torch. Everything runs in float64 on the CPU; dropout is off (eval mode).

1. MemoryUpdate passes the memory's storage (`self.memory.data`) to the write attention as the
   queries' input, then scales and adds to that same storage in place (`memory.mul_`, `memory.add_`)
   before the backward pass; `.data` hides the change from autograd's version check, so the
   gradient of the balance loss for `w_qs` is computed with the updated memory. Giving the attention
   a copy of the memory makes the autograd gradient agree with finite differences.
2. hflayers' update steps take `masked_select` of a transposed (non-contiguous) key tensor; before
   PyTorch's fix (pytorch/pytorch#99638, #100232) the gradient of `masked_select` of a non-contiguous
   input is wrong. Making those inputs contiguous makes the projection weights' gradients agree.
   (The stored-pattern and pattern-projection norms disagree either way: ait.py passes the same
   tensor as stored pattern and pattern projection, and hflayers then computes keys and values from
   the stored pattern alone when `torch.equal(key, value)`, so autograd credits the projection
   norm's share to the stored-pattern norm.)
"""
import ast
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

official, hflayers_dir = sys.argv[1], sys.argv[2]
torch.set_default_dtype(torch.float64)
torch.manual_seed(0)


def central_differences(loss, tensor, count=None, h=1e-6):
    """d loss / d tensor[i] for the first `count` entries, by central differences."""
    out = []
    flat = tensor.data.view(-1)
    with torch.no_grad():
        for i in range(flat.numel() if count is None else min(count, flat.numel())):
            old = flat[i].item()
            flat[i] = old + h
            up = loss().item()
            flat[i] = old - h
            down = loss().item()
            flat[i] = old
            out.append((up - down) / (2 * h))
    return torch.tensor(out)


def report(label, autograd, fd):
    err = (autograd.view(-1)[: fd.numel()] - fd).abs().max().item()
    print(f"  {label}: max |autograd - finite differences| = {err:.3e} (max |finite differences| = {fd.abs().max().item():.3e})")


# 1. The bottleneck write: MHA.py's MultiHeadAttention and ait.py's MemoryUpdate, unchanged.
ns = {"torch": torch, "nn": nn, "F": F}
exec(open(f"{official}/MHA.py").read(), ns)
tree = ast.parse(open(f"{official}/ait.py").read())
memory_update = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "MemoryUpdate")
ns.update(memory_head=2, memory_dim=4, pattern_size=3, bottleneck=3)  # globals ait.py sets from its arguments
exec(compile(ast.Module(body=[memory_update], type_ignores=[]), "ait.py", "exec"), ns)
hidden, tokens = 6, 8
mu = ns["MemoryUpdate"](hidden, 0).eval()
moe = torch.randn(tokens, hidden)
priors = mu.memory.data.clone()


def balance(copy_priors):
    mu.memory.data = priors.clone()  # every evaluation starts from the same priors
    memory = mu.memory.data  # as ModularNN.forward passes it
    _, loss = mu(memory.clone() if copy_priors else memory, moe)
    return loss


print("1. Balance loss, gradient for the write's query weights w_qs (official MHA.py + ait.py MemoryUpdate):")
for copy_priors in (False, True):
    mu.zero_grad()
    balance(copy_priors).backward()
    fd = central_differences(lambda: balance(copy_priors), mu.mha.w_qs.weight, h=1e-3)
    report("priors updated in place (official)" if not copy_priors else "priors copied before the attention", mu.mha.w_qs.weight.grad, fd)

# 2. The optional Hopfield-projection read: hflayers.Hopfield as ait.py builds it with static = False.
sys.path.insert(0, hflayers_dir)
from hflayers import Hopfield  # noqa: E402

D, M, N, B = 16, 4, 3, 2
hop = Hopfield(input_size=D, hidden_size=D, num_heads=8, update_steps_max=3, scaling=1.0, dropout=0.5).eval()
G = torch.randn(M, D)
Z = torch.randn(B, N, D)
R = torch.randn(B, N, D)


def read_loss():
    memory = G.unsqueeze(0).expand(B, M, D)
    return (hop((memory, Z, memory)) * R).sum()  # as ModularNN.forward calls it


def check(label):
    print(f"  {label}:")
    hop.zero_grad()
    read_loss().backward()
    for name, p in hop.named_parameters():
        fd = central_differences(read_loss, p)
        if p.grad is None:
            print(f"  {name}: no autograd gradient (max |finite differences| = {fd.abs().max().item():.3e})")
        else:
            report(name, p.grad, fd)


print(f"2. Hopfield read with learned projections, 3 update steps, 8 heads (hflayers), torch {torch.__version__}:")
check("as is")
masked_select = torch.Tensor.masked_select
torch.Tensor.masked_select = lambda self, *a, **k: masked_select(self.contiguous(), *a, **k)
check("masked_select given contiguous inputs")
