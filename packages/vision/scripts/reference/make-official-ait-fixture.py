#!/usr/bin/env python3
"""Equivalence fixtures for AiT.js's weight map to the official AiT code.

Runs the official PyTorch modules of the Associative Transformer (github.com/yuweisunn/
associative-transformer, MIT licence, commit 107ae934f0cf98f000e437de6f6102dbcd5a329a) at a tiny
size with fixed seeds, and writes, per variant, the official ``state_dict`` (official names), the
inputs and the outputs (logits, the updated memory of every block and the balance loss, for two
forward passes in a row) as safetensors files, plus ``fixture.json`` with the torch version, the
official commit and the blob hashes of the official files that were run. The vitest test
``packages/vision/test/interop/official-ait.test.ts`` loads them through AiT.js's weight map; CI has
no Python and reads only the committed files.

Usage (Debian's python3-torch is enough; nothing else is needed)::

    /usr/bin/python3 packages/vision/scripts/reference/make-official-ait-fixture.py \\
        --official /path/to/associative-transformer   # a clone, a work tree or a bare mirror
        [--out packages/vision/test/fixtures/official-ait]

What runs, and what stands in for the official code's dependencies
------------------------------------------------------------------
The official entry point ``ait.py`` parses command-line arguments, downloads CIFAR and imports
``hflayers``, ``timm``, ``wandb``, ``torch_multi_head_attention``, ``torchvision`` and ``einops`` at
module level, none of which are available here (only the Debian package ``python3-torch``). So the
script does not import the official files: it reads their text (from git at the pinned commit when
``--official`` is a git repository), picks the classes it needs with ``ast`` and executes only those
class definitions, unchanged, in a namespace whose globals it sets itself:

* from ``vit_hn.py``, ``vit_hn_clevr.py`` and ``vit_org.py``: ``pair``, ``PreNorm``, ``FeedForward``,
  ``Attention``, ``Transformer``, ``ViT``;
* from ``MHA.py``: ``ScaledDotProductAttention``, ``MultiHeadAttention`` (the bottleneck write);
* from ``ait.py``: ``MemoryUpdate``, ``ModularNN``, with the globals ``ait.py`` would have set from
  its arguments (``hidden_dim``, ``mlp_dim``, ``memory_dim``, ``memory_head``, ``pattern_size``,
  ``bottleneck``, ``dim`` = tokens per image, ``HN = True``, ``static = True``) and
  ``MultiHeadAttention`` bound to MHA.py's class, as ``from MHA import *`` does;
* from ``hn_task.py``: ``IdentityLayer`` (the ``SA = False`` ablation).

The one change made to the official code: every ``<expr>.cuda()`` call is replaced by ``<expr>``
(there is no GPU here; the calls only move ``torch.zeros(1)`` to the GPU), by an ``ast``
transformer that counts what it replaced (recorded in fixture.json).

einops (``rearrange``, ``repeat``, ``Rearrange``) is replaced by the few lines below that compute
exactly the patterns the official classes use, and refuse any other pattern.

hflayers cannot be had at all. ``ait.py`` builds ``Hopfield`` in its static configuration (the
default, ``static = True``)::

    Hopfield(scaling=beta, state_pattern_as_static=True, stored_pattern_as_static=True,
             pattern_projection_as_static=True, normalize_stored_pattern=False,
             normalize_stored_pattern_affine=False, normalize_state_pattern=False,
             normalize_state_pattern_affine=False, normalize_pattern_projection=False,
             normalize_pattern_projection_affine=False, disable_out_projection=True)

and calls it as ``hopfield((stored, state, projection))`` with ``stored = projection = G``
(the up-projected memory, broadcast to ``[B, M, D]``) and ``state = Z`` (``[B, N, D]``).
``StaticHopfield`` below computes what ml-jku/hopfield-layers (read at commit
f56f929c95b77a070ae675ea4f56b6d54d36e730) computes in exactly that configuration:

1. all three patterns static, no pattern normalisation and the output projection disabled make
   ``HopfieldCore._check_execution_mode()`` true, so the core registers no parameter
   (``in_proj_weight``, ``in_proj_bias`` and ``out_proj`` are ``None``) and the three
   ``normalize_*`` flags create no LayerNorm: the layer adds nothing to the ``state_dict``;
2. ``num_heads`` is 1 (default), so ``query/key/value.repeat(1, num_heads, 1)`` are copies;
3. ``hopfield_core_forward`` multiplies the state by ``scaling`` (a float), takes
   ``softmax((beta * Z) G^T)`` over the stored patterns and, with ``update_steps_max = 0``
   (default), stops after this first update;
4. ``dropout`` is 0.0 (default) and ``association_activation`` is ``None`` (default), and
   ``batch_first = True`` only transposes in and out, so the output is
   ``softmax((beta * Z) G^T) G``, ``[B, N, D]``.

``StaticHopfield`` refuses any other configuration. Note: ``ait.py``'s ``--beta`` has
``type=float, default=1``; argparse does not convert a non-string default, so ``beta`` is the int 1
there, and hflayers' ``hopfield_core_forward`` asserts ``type(scaling) in (float, torch.Tensor)``.
This script passes the float 1.0 (as ``--beta 1`` on a command line gives).

The forward passes run in evaluation mode under ``torch.no_grad()``, as ait.py evaluates: the
write's dropout (0.1) is off, and the memory is updated on every pass (ait.py does so in
evaluation too). LayerNorm weights are drawn at random (not the ones/zeros they start with) so that
a wrong LayerNorm mapping cannot pass. The official ``to_patch_embedding_cnn`` (an unused
``Conv2d(3, 768, 5)``, 58,368 numbers) is left out of the weights files to keep the fixtures small;
fixture.json lists it with its shape. Gradients are not compared: the official write updates the
memory in place after the attention saved it (see AiT.js issue 23).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from reference_fixture import (  # this folder
    PLAIN_FILES, blob_sha1, fixture_arguments, git_dir_of, run_variants, source_info, write_fixture_json)
from safetensors_file import save_safetensors  # this folder

OFFICIAL_REPO = 'yuweisunn/associative-transformer'
OFFICIAL_COMMIT = '107ae934f0cf98f000e437de6f6102dbcd5a329a'
HFLAYERS_COMMIT_READ = 'f56f929c95b77a070ae675ea4f56b6d54d36e730'
UNUSED_CNN = ('to_patch_embedding_cnn.0.weight', 'to_patch_embedding_cnn.0.bias')


# --------------------------------------------------------------------------------------------
# Reading the official files
# --------------------------------------------------------------------------------------------

class OfficialFiles:
    """The official files, from git at OFFICIAL_COMMIT when possible, else from the directory."""

    def __init__(self, root: Path):
        self.root = root
        self.git = git_dir_of(root)
        self.blobs: dict[str, str] = {}
        self.origin = f'git {OFFICIAL_COMMIT}' if self.git else PLAIN_FILES

    def text(self, name: str) -> str:
        if self.git:
            data = subprocess.run(
                ['git', f'--git-dir={self.git}', 'show', f'{OFFICIAL_COMMIT}:{name}'],
                check=True, capture_output=True).stdout
        else:
            data = (self.root / name).read_bytes()
        self.blobs[name] = blob_sha1(data)
        return data.decode('utf-8')


class DropCuda(ast.NodeTransformer):
    """Replaces every `<expr>.cuda()` by `<expr>` (no GPU here); counts the replacements."""

    def __init__(self):
        self.count = 0

    def visit_Call(self, node: ast.Call):
        self.generic_visit(node)
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr == 'cuda' and not node.args and not node.keywords:
            self.count += 1
            return f.value
        return node


CUDA_CALLS_REMOVED: dict[str, int] = {}


def load_definitions(files: OfficialFiles, name: str, wanted: list[str], namespace: dict) -> dict:
    """Executes the top-level definitions `wanted` of official file `name`, unchanged except for
    `.cuda()` calls, in `namespace` (whose globals the caller set) and returns the namespace."""
    tree = ast.parse(files.text(name), filename=name)
    picked = [n for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef)) and n.name in wanted]
    missing = set(wanted) - {n.name for n in picked}
    if missing:
        raise SystemExit(f'{name}: no top-level definition of {sorted(missing)}; is this the official code?')
    dropper = DropCuda()
    module = dropper.visit(ast.Module(body=picked, type_ignores=[]))
    ast.fix_missing_locations(module)
    exec(compile(module, f'<official {name}>', 'exec'), namespace)  # noqa: S102 - the official code, by design
    CUDA_CALLS_REMOVED[name] = CUDA_CALLS_REMOVED.get(name, 0) + dropper.count
    return namespace


# --------------------------------------------------------------------------------------------
# Stand-ins for dependencies that are not installed
# --------------------------------------------------------------------------------------------

def rearrange(t: torch.Tensor, pattern: str, **sizes) -> torch.Tensor:
    """einops.rearrange for the two patterns of the official Attention (and nothing else)."""
    if pattern == 'b n (h d) -> b h n d':
        b, n, hd = t.shape
        h = sizes['h']
        return t.reshape(b, n, h, hd // h).permute(0, 2, 1, 3)
    if pattern == 'b h n d -> b n (h d)':
        b, h, n, d = t.shape
        return t.permute(0, 2, 1, 3).reshape(b, n, h * d)
    raise NotImplementedError(f'einops stand-in: pattern {pattern!r}')


def repeat(t: torch.Tensor, pattern: str, **sizes) -> torch.Tensor:
    """einops.repeat for vit_org's CLS token pattern (and nothing else)."""
    if pattern == '1 1 d -> b 1 d':
        return t.expand(sizes['b'], 1, t.shape[2])
    raise NotImplementedError(f'einops stand-in: pattern {pattern!r}')


class Rearrange(nn.Module):
    """einops.layers.torch.Rearrange for the official patch flattening (and nothing else)."""

    def __init__(self, pattern: str, p1: int, p2: int):
        super().__init__()
        if pattern != 'b c (h p1) (w p2) -> b (h w) (p1 p2 c)':
            raise NotImplementedError(f'einops stand-in: pattern {pattern!r}')
        self.p1, self.p2 = p1, p2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, hh, ww = x.shape
        h, w = hh // self.p1, ww // self.p2
        x = x.reshape(b, c, h, self.p1, w, self.p2).permute(0, 2, 4, 3, 5, 1)
        return x.reshape(b, h * w, self.p1 * self.p2 * c)


STATIC_HOPFIELD_FLAGS = dict(
    state_pattern_as_static=True, stored_pattern_as_static=True, pattern_projection_as_static=True,
    normalize_stored_pattern=False, normalize_stored_pattern_affine=False,
    normalize_state_pattern=False, normalize_state_pattern_affine=False,
    normalize_pattern_projection=False, normalize_pattern_projection_affine=False,
    disable_out_projection=True)


class StaticHopfield(nn.Module):
    """hflayers.Hopfield in the static configuration ait.py builds (see the module docstring):
    no parameters, one update, `softmax((scaling * state) stored^T) projection`."""

    def __init__(self, scaling=None, **flags):
        super().__init__()
        if flags != STATIC_HOPFIELD_FLAGS:
            raise NotImplementedError(f'only the static hflayers configuration is reproduced, got {flags}')
        self.scaling = 1.0 if scaling is None else scaling
        if type(self.scaling) is not float:  # hflayers asserts this too
            raise TypeError(f'hflayers needs a float scaling, got {self.scaling!r}')

    def forward(self, data):
        stored, state, projection = data
        logits = torch.bmm(state * self.scaling, stored.transpose(1, 2))
        return torch.bmm(torch.softmax(logits, dim=-1), projection)


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------

BASE = dict(image_size=8, patch_size=4, channels=3, num_classes=5, dim=16, heads=3, dim_head=5, mlp_dim=24)
MEMORY = dict(pattern_size=4, memory_dim=6, memory_head=3, beta=1.0)

VARIANTS = {
    # vit_hn.ViT with ModularNN in every block: AiT as ait.py builds it for CIFAR.
    'ait': dict(file='vit_hn.py', depth=2, batch=3, bottleneck=5, sparse=True, questions=False, sa=True),
    # vit_hn_clevr.ViT (the Sort-of-CLEVR variant with its question token), with ait.py's SA = False
    # ablation (the attention of every block replaced by IdentityLayer): two paths in one small file.
    'ait-clevr-no-self-attention': dict(file='vit_hn_clevr.py', depth=1, batch=3, bottleneck=6, sparse=True, questions=True, sa=False),
    # vit_org.ViT: the ViT baseline ait.py builds with --sparse off (CLS token, learned positions).
    'vit': dict(file='vit_org.py', depth=1, batch=2, bottleneck=None, sparse=False, questions=False, sa=True),
}


def build(files: OfficialFiles, variant: dict):
    """The official model of `variant`, assembled as ait.py assembles it."""
    vit_ns = load_definitions(files, variant['file'], ['pair', 'PreNorm', 'FeedForward', 'Attention', 'Transformer', 'ViT'],
                              dict(torch=torch, nn=nn, F=F, rearrange=rearrange, repeat=repeat, Rearrange=Rearrange))
    net = vit_ns['ViT'](image_size=BASE['image_size'], patch_size=BASE['patch_size'], num_classes=BASE['num_classes'],
                        dim=BASE['dim'], depth=variant['depth'], heads=BASE['heads'], mlp_dim=BASE['mlp_dim'],
                        channels=BASE['channels'], dim_head=BASE['dim_head'], dropout=0., emb_dropout=0., mode='eval',
                        sparse=variant['sparse'])
    if variant['sparse']:
        mha_ns = load_definitions(files, 'MHA.py', ['ScaledDotProductAttention', 'MultiHeadAttention'],
                                  dict(torch=torch, nn=nn, F=F))
        tokens = (BASE['image_size'] // BASE['patch_size']) ** 2 + (1 if variant['questions'] else 0)
        ait_ns = load_definitions(files, 'ait.py', ['MemoryUpdate', 'ModularNN'], dict(
            torch=torch, nn=nn, F=F, Hopfield=StaticHopfield, MultiHeadAttention=mha_ns['MultiHeadAttention'],
            hidden_dim=BASE['dim'], mlp_dim=BASE['mlp_dim'], memory_dim=MEMORY['memory_dim'],
            memory_head=MEMORY['memory_head'], pattern_size=MEMORY['pattern_size'], bottleneck=variant['bottleneck'],
            dim=tokens, HN=True, static=True))
        identity = None
        if not variant['sa']:
            identity = load_definitions(files, 'hn_task.py', ['IdentityLayer'], dict(torch=torch, nn=nn))['IdentityLayer']
        for i in range(variant['depth']):
            net.transformer.layers[i][1].fn = ait_ns['ModularNN'](MEMORY['beta'], i)
            if identity is not None:
                net.transformer.layers[i][0].fn = identity()
    return net


def randomise_layer_norms(net: nn.Module, gen: torch.Generator) -> None:
    """LayerNorm weights 1 + 0.2 N(0, 1) and biases 0.2 N(0, 1), so that their mapping is tested."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.copy_(1 + 0.2 * torch.randn(m.weight.shape, generator=gen))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=gen))


def top_k_margins(net: nn.Module, variant: dict) -> list:
    """Forward hooks on every bottleneck attention recording, per call, the smallest gap between
    the k-th and (k+1)-th logit of any slot and head (a tie there could flip the selection)."""
    margins = []
    if not variant['sparse']:
        return margins
    for i, layer in enumerate(net.transformer.layers):
        attention = layer[1].fn.memoryupdate.mha.attention

        def hook(module, inputs, _output, block=i):
            q, k, _v, bottleneck = inputs
            logits = torch.matmul(q / module.temperature, k.transpose(2, 3))[0]  # [heads, M, tokens]
            if bottleneck < logits.shape[-1]:
                top = logits.topk(bottleneck + 1, dim=-1).values
                margins.append(dict(block=block, min_gap=float((top[..., -2] - top[..., -1]).min())))

        attention.register_forward_hook(hook)
    return margins


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

def run_variant(files: OfficialFiles, name: str, variant: dict, seed: int, out: Path) -> dict:
    torch.manual_seed(seed)
    net = build(files, variant)
    gen = torch.Generator().manual_seed(seed + 1)
    randomise_layer_norms(net, gen)
    net.eval()
    margins = top_k_margins(net, variant)
    state = {k: v.detach().clone() for k, v in net.state_dict().items()}
    excluded = {k: list(state[k].shape) for k in UNUSED_CNN if k in state}
    weights = {k: v for k, v in state.items() if k not in excluded}

    b, c, s = variant['batch'], BASE['channels'], BASE['image_size']
    io: dict[str, torch.Tensor] = {}
    for p in (1, 2):
        images = torch.randn(b, c, s, s, generator=gen)
        io[f'pass{p}.images'] = images
        args = [images]
        if variant['questions']:
            questions = torch.randn(b, 18, generator=gen)
            io[f'pass{p}.questions'] = questions
            args.append(questions)
        with torch.no_grad():
            logits, aux = net(*args)
        io[f'pass{p}.logits'] = logits
        if variant['sparse']:
            io[f'pass{p}.balance_loss'] = aux.reshape(1)
            for i, layer in enumerate(net.transformer.layers):
                io[f'pass{p}.memory.{i}'] = layer[1].fn.memoryupdate.memory.detach().clone()

    meta = {'official_repo': OFFICIAL_REPO, 'official_commit': OFFICIAL_COMMIT, 'variant': name}
    save_safetensors(weights, out / f'{name}.weights.safetensors', meta)
    save_safetensors(io, out / f'{name}.io.safetensors', meta)
    return dict(
        official_file=variant['file'],
        config=dict(**BASE, depth=variant['depth'], batch=variant['batch'],
                    **(dict(**MEMORY, bottleneck=variant['bottleneck']) if variant['sparse'] else {}),
                    questions=variant['questions'], self_attention=variant['sa']),
        seed=seed,
        excluded_from_weights_file=excluded,
        state_dict_entries=len(state),
        top_k_min_gaps=margins,
    )


def main() -> None:
    here = Path(__file__).resolve()
    args = fixture_arguments(__file__, __doc__, 'official', 'the official repository (clone, work tree or bare mirror)', 'official-ait')
    files = OfficialFiles(args.official)
    variants = run_variants(VARIANTS, args.seed, args.out, partial(run_variant, files))
    info = dict(
        **source_info('official', OFFICIAL_REPO, OFFICIAL_COMMIT, files.origin, files.blobs),
        cuda_calls_removed=CUDA_CALLS_REMOVED,
        hflayers='not installed; StaticHopfield reproduces the static configuration ait.py builds '
                 f'(read from ml-jku/hopfield-layers {HFLAYERS_COMMIT_READ}); see the script',
        einops='not installed; the script computes the official patterns itself',
        torch_version=torch.__version__,
        python_version=sys.version.split()[0],
        mode='eval, torch.no_grad(), two forward passes in a row (the memory updates on each)',
        image_layout='pass*.images are NCHW, as the official models take them',
        script=os.path.relpath(here, here.parents[4]),
        variants=variants,
    )
    write_fixture_json(args.out, info)
    for name, v in variants.items():
        gaps = [m['min_gap'] for m in v['top_k_min_gaps']]
        print(f'  {name}: {v["state_dict_entries"]} state_dict entries; smallest top-k gap {min(gaps) if gaps else "n/a"}')


if __name__ == '__main__':
    main()
