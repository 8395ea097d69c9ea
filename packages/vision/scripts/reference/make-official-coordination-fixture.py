#!/usr/bin/env python3
"""Equivalence fixtures for AiT.js's Coordination against the official shared_workspace code.

Runs the official PyTorch model of "Coordination Among Neural Modules Through a Shared Global
Workspace" (Goyal et al., ICLR 2022; github.com/anirudh9119/shared_workspace, commit
caf179872d5a3134d12e1f3e8ed2ae3a06221ddd, folder ``Triangle/``) at a tiny size with fixed seeds and
writes, per variant, the official ``state_dict`` (official names), the inputs, the logits, the
memory after the last layer and the gradients of a fixed scalar loss for every parameter and for
the images, as safetensors files, plus ``fixture.json`` with the torch version, the official commit,
the blob ids of the official files that ran, and the official parameter counts of the zoo's
Coordination presets. ``packages/vision/test/interop/official-coordination.test.ts`` reads only the
committed files: CI needs no Python.

Usage (Debian's python3-torch is enough)::

    /usr/bin/python3 packages/vision/scripts/reference/make-official-coordination-fixture.py \\
        --official /path/to/shared_workspace   # a clone, a work tree or a bare mirror
        [--out packages/vision/test/fixtures/official-coordination]

What runs
---------
The official model is what ``Triangle/run.py`` builds with ``--model default``: its ``model`` class
(patch embedding ``patch_to_embedding``, ``cls_token``, ``mlp_head`` on the CLS token) around
``transformers.TransformerEncoder``, whose layers are ``TransformerEncoderLayerVanilla``
(pre-norm, ``encoder_normalize_before = True``) with ``MultiheadAttention(shared_memory_attention
= True)``, i.e. ``relational_memory_volatile.RelationalMemory`` (gate style ``unit``, one MLP
layer, ``key_size = 32``). The package ``transformer_utilities`` and ``transformers.py`` are
imported unchanged from the official folder (taken from git at the pinned commit when
``--official`` is a git repository). ``run.py`` itself parses arguments and loads data sets when
imported, so only two of its top-level statements are executed, picked with ``ast`` and unchanged:
the assignment ``MIN_NUM_PATCHES = 16`` and the ``class model`` definition, in a namespace holding
the globals ``run.py`` would have set (``args.h_dim``, ``channels``). ``TransformerEncoder`` is
constructed with exactly the keyword arguments ``run.py`` passes.

Stand-ins (the only changes to what the official code does)
-----------------------------------------------------------
* ``torch.Tensor.cuda`` returns the tensor itself (there is no GPU here; the official code calls
  ``.cuda()`` on the position table in ``PositionEncoder.forward`` and on the gate scale in
  ``RepeatLinear.__init__``); the calls that went through it are counted in fixture.json;
* einops (not installed) is replaced by the two patterns ``run.py``'s ``model`` uses, computed
  below; any other pattern is refused;
* the official modules print as they are built; that output is discarded.

Nothing else is changed. Dropout is set to 0 (``--dropout 0``) so that the training-mode forward and
backward pass is deterministic. LayerNorm weights, the two gate biases and the CLS token are drawn
at random (not their initial ones/zeros/constants) so that a wrong mapping cannot pass.

Facts of the official code the run records (see fixture.json):
* ``PositionEncoder`` adds ``pe * sigmoid(pos_emb_weight)`` wrapped in ``Variable(...,
  requires_grad=False)``, which detaches it: ``pos_emb_weight`` (ones) never gets a gradient, so
  the table is always ``sigmoid(1) * pe``; and ``pe[t, j]`` uses the exponent ``2 j / D`` for every
  column ``j`` (the usual table uses ``2 floor(j / 2) / D``). ``no_gradient`` lists those tensors;
* ``memory_gate_projector`` is a ``GroupLinearLayer`` with a bias per slot ``[M, 2 D]``;
* with ``share_parameters`` off, every layer has its own memory, reset to the initial state at
  the start of each forward pass: the memory is not carried from layer to layer (only the
  shared-parameter model carries it, as its one attention module keeps it).
  ``non_shared_layers`` records the check: the official output against the official layers run one
  by one, each from the initial memory (equal), and each from the memory the previous layer left
  (different).
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import os
import sys
import types
from functools import partial
from pathlib import Path

import torch

import torch.nn as nn

from reference_fixture import (  # this folder
    blob_sha1, fixture_arguments, parameter_gradients, pinned_files, run_variants, source_info, write_fixture_json)
from safetensors_file import save_safetensors  # this folder

OFFICIAL_REPO = 'anirudh9119/shared_workspace'
OFFICIAL_COMMIT = 'caf179872d5a3134d12e1f3e8ed2ae3a06221ddd'
FOLDER = 'Triangle'
# The official files the model runs (their blob ids are recorded).
OFFICIAL_FILES = [
    'run.py',
    'transformers.py',
    'transformer_utilities/transformer_layer.py',
    'transformer_utilities/multihead_attention.py',
    'transformer_utilities/relational_memory_volatile.py',
    'transformer_utilities/pos_enc.py',
    'transformer_utilities/GroupLinearLayer.py',
    'transformer_utilities/layer_norm.py',
    'transformer_utilities/fairseq_utils.py',
]


# --------------------------------------------------------------------------------------------
# The official modules and their stand-ins
# --------------------------------------------------------------------------------------------

CUDA_CALLS = {'count': 0}


def no_cuda(self: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    """Stand-in for `torch.Tensor.cuda` (no GPU here): the tensor itself, counted."""
    CUDA_CALLS['count'] += 1
    return self


def rearrange(t: torch.Tensor, pattern: str, **sizes) -> torch.Tensor:
    """einops.rearrange for the patch pattern of run.py's `model` (and nothing else)."""
    if pattern != 'b c (h p1) (w p2) -> b (h w) (p1 p2 c)':
        raise NotImplementedError(f'einops stand-in: pattern {pattern!r}')
    p1, p2 = sizes['p1'], sizes['p2']
    b, c, hh, ww = t.shape
    h, w = hh // p1, ww // p2
    return t.reshape(b, c, h, p1, w, p2).permute(0, 2, 4, 3, 5, 1).reshape(b, h * w, p1 * p2 * c)


def repeat(t: torch.Tensor, pattern: str, **sizes) -> torch.Tensor:
    """einops.repeat for the CLS-token pattern of run.py's `model` (and nothing else)."""
    if pattern != '() n d -> b n d':
        raise NotImplementedError(f'einops stand-in: pattern {pattern!r}')
    return t.expand(sizes['b'], t.shape[1], t.shape[2])


class Official:
    """The official modules, imported from the official folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.blobs = {f'{FOLDER}/{name}': blob_sha1((folder / name).read_bytes()) for name in OFFICIAL_FILES}
        sys.path.insert(0, str(folder))  # transformers.py imports the package transformer_utilities
        spec = importlib.util.spec_from_file_location('official_sw_transformers', folder / 'transformers.py')
        module = importlib.util.module_from_spec(spec)
        with contextlib.redirect_stdout(io.StringIO()):
            spec.loader.exec_module(module)
        self.transformers = module
        tree = ast.parse((folder / 'run.py').read_text(), filename='run.py')
        self.run_nodes = []
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == 'MIN_NUM_PATCHES' for t in node.targets):
                self.run_nodes.append(node)
            if isinstance(node, ast.ClassDef) and node.name == 'model':
                self.run_nodes.append(node)
        if len(self.run_nodes) != 2:
            raise SystemExit('run.py: expected MIN_NUM_PATCHES and class model; is this the official code?')

    def model_class(self, h_dim: int, channels: int):
        """run.py's `model` class, defined with the globals run.py sets for these arguments."""
        namespace = dict(torch=torch, nn=nn, rearrange=rearrange, repeat=repeat,
                         args=types.SimpleNamespace(h_dim=h_dim), channels=channels)
        module = ast.Module(body=self.run_nodes, type_ignores=[])
        exec(compile(module, '<official run.py>', 'exec'), namespace)  # noqa: S102 - the official code, by design
        return namespace['model']

    def build(self, cfg: dict) -> nn.Module:
        """The official network for `cfg`, as run.py builds it with `--model default`."""
        patches = (cfg['image_size'] // cfg['patch_size']) ** 2
        with contextlib.redirect_stdout(io.StringIO()):
            transformer = self.transformers.TransformerEncoder(
                cfg['h_dim'], cfg['ffn_dim'], num_layers=cfg['num_layers'], num_heads=cfg['num_heads'],
                dropout=cfg['dropout'], share_parameters=cfg['share_vanilla_parameters'],
                shared_memory_attention=True, use_topk=cfg['use_topk'], topk=cfg['topk'],
                mem_slots=cfg['mem_slots'], null_attention=False,
                num_steps=int((cfg['image_size'] * cfg['image_size']) / (cfg['patch_size'] * cfg['patch_size']) + 1))
            net = self.model_class(cfg['h_dim'], cfg['channels'])(transformer, cfg['image_size'], cfg['patch_size'], cfg['num_classes'])
        assert patches + 1 <= 300, 'the official PositionEncoder has 300 rows'
        return net


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------

TINY = dict(image_size=10, patch_size=2, channels=3, num_classes=5, h_dim=16, ffn_dim=24, num_heads=2,
            mem_slots=4, dropout=0.0, share_vanilla_parameters=True)

VARIANTS = {
    # TR + HSW (README): shared parameters, top-k write.
    'hard': dict(**TINY, num_layers=2, use_topk=True, topk=5, batch=3),
    # TR + SSW (README): shared parameters, soft write (no top-k).
    'soft': dict(**TINY, num_layers=3, use_topk=False, topk=5, batch=2),
}

def never_read(names: list[str]) -> list[str]:
    """Official tensors no forward pass reads (the second PositionEncoder and RepeatLinear's): left
    out of the weights files, listed with their shapes in fixture.json."""
    return [n for n in names if n.startswith('net.pe_state.') or '.input_gate_projector.pe.' in n]


def workspaces(net: nn.Module) -> list[nn.Module]:
    """The RelationalMemory module(s) of the official network."""
    enc = net.net
    layers = [enc.enc] if enc.share_parameters else list(enc.layers)
    return [layer.self_attn.relational_memory for layer in layers]


def final_memory(net: nn.Module) -> torch.Tensor:
    """The memory `[batch, slots, D]` the last layer's attention module holds after a forward pass."""
    enc = net.net
    attention = enc.enc.self_attn if enc.share_parameters else enc.layers[-1].self_attn
    return attention.memory.detach().clone()


def randomise(net: nn.Module, gen: torch.Generator) -> None:
    """LayerNorms 1 + 0.2 N / 0.2 N, gate biases and CLS token drawn, so that their mapping is tested."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.copy_(1 + 0.2 * torch.randn(m.weight.shape, generator=gen))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=gen))
        for rm in workspaces(net):
            rm.forget_bias.copy_(1 + 0.3 * torch.randn((), generator=gen))
            rm.input_bias.copy_(0.3 * torch.randn((), generator=gen))
        net.cls_token.copy_(torch.randn(net.cls_token.shape, generator=gen))


def top_k_margins(net: nn.Module, k: int, use_topk: bool) -> list:
    """Wraps each workspace's attention to record, per write, the smallest gap between the k-th and
    (k+1)-th logit of any slot and head (a near tie there could flip the selection in float32)."""
    margins: list = []
    if not use_topk:
        return margins
    for rm in workspaces(net):
        original = rm.multihead_attention

        def wrapped(inp, memory, use_topk_=True, store_log=True, rm=rm, original=original):
            if use_topk_:
                with torch.no_grad():
                    b, m, n, h = memory.shape[0], memory.shape[1], inp.shape[1], rm.num_heads
                    q = rm.query_proj(memory).reshape(b, m, h, -1).permute(0, 2, 1, 3)
                    key = rm.key_proj(inp).reshape(b, n, h, -1).permute(0, 2, 1, 3)
                    top = torch.matmul(q, key.transpose(2, 3)).topk(k + 1, dim=-1).values
                    margins.append(float((top[..., -2] - top[..., -1]).min()))
            return original(inp, memory, use_topk_, store_log)

        rm.multihead_attention = wrapped
    return margins




def run_variant(official: Official, name: str, cfg: dict, seed: int, out: Path) -> dict:
    """Builds, runs and saves one fixture; returns what fixture.json records of it."""
    torch.manual_seed(seed)
    net = official.build(cfg)
    gen = torch.Generator().manual_seed(seed + 1)
    randomise(net, gen)
    net.train()  # dropout is 0: training and evaluation compute the same
    margins = top_k_margins(net, cfg['topk'], cfg['use_topk'])
    state = {k: v.detach().clone() for k, v in net.state_dict().items()}
    excluded = {k: list(state[k].shape) for k in never_read(list(state))}
    weights = {k: v for k, v in state.items() if k not in excluded}

    b, c, s = cfg['batch'], cfg['channels'], cfg['image_size']
    tokens = (s // cfg['patch_size']) ** 2 + 1
    io_: dict[str, torch.Tensor] = {}
    # Pass 1: forward and backward of loss = sum(logits * loss_weights).
    images = torch.randn(b, c, s, s, generator=gen).requires_grad_(True)
    loss_weights = torch.randn(b, cfg['num_classes'], generator=gen)
    logits = net(images)
    (logits * loss_weights).sum().backward()
    io_['pass1.images'] = images.detach()
    io_['pass1.loss_weights'] = loss_weights
    io_['pass1.logits'] = logits.detach()
    io_['pass1.memory'] = final_memory(net)
    io_['pass1.grad.images'] = images.grad.detach()
    no_gradient = parameter_gradients(net, io_)
    # Pass 2: other images; the official model starts again from the initial memory.
    with torch.no_grad():
        images2 = torch.randn(b, c, s, s, generator=gen)
        io_['pass2.images'] = images2
        io_['pass2.logits'] = net(images2)
        io_['pass2.memory'] = final_memory(net)
        # The position table the forward pass adds (CLS row first): pe * sigmoid(pos_emb_weight).
        pe = net.net.pe
        io_['position_table'] = (pe.pe[0, :tokens] * torch.sigmoid(pe.pos_emb_weight[0, :tokens]))

    meta = {'official_repo': OFFICIAL_REPO, 'official_commit': OFFICIAL_COMMIT, 'variant': name}
    save_safetensors(weights, out / f'{name}.weights.safetensors', meta)
    save_safetensors(io_, out / f'{name}.io.safetensors', meta)
    return dict(
        config={k: v for k, v in cfg.items()},
        key_size=workspaces(net)[0].key_size,
        tokens=tokens,
        seed=seed,
        loss='sum(logits * pass1.loss_weights), training mode with dropout 0',
        excluded_from_weights_file=excluded,
        state_dict_entries=len(state),
        no_gradient=no_gradient,
        top_k_min_gaps=margins,
    )


# --------------------------------------------------------------------------------------------
# Parameter counts of the zoo's presets
# --------------------------------------------------------------------------------------------

# The zoo's Coordination presets as the official command line expresses them (run.py arguments).
PRESETS = {
    # README "TR + HSW": sh run.sh 4 256 512 True True 20 True 1 8 default (Triangle: 64x64x1, 4 classes).
    'coordination-triangle': dict(image_size=64, patch_size=4, channels=1, num_classes=4, h_dim=256, ffn_dim=512,
                                  num_layers=4, num_heads=4, share_vanilla_parameters=True, use_topk=True, topk=20,
                                  mem_slots=8, dropout=0.1),
    # 32x32x3, 10 classes, a layer's own weights per layer (share_vanilla_parameters False).
    'coordination-mini': dict(image_size=32, patch_size=4, channels=3, num_classes=10, h_dim=128, ffn_dim=256,
                              num_layers=4, num_heads=4, share_vanilla_parameters=False, use_topk=True, topk=10,
                              mem_slots=8, dropout=0.1),
}
NOT_EXPRESSIBLE = {
    'coordination-tiny': 'keyDim 16: the official RelationalMemory is built with key_size = 32 (multihead_attention.py)',
}

# Published counts of other zoo families, recorded for the Fidelity page and its test (not run here).
OTHER_REFERENCES = {
    'perceiver-imagenet': dict(
        reference_count=44_900_000, precision='0.1 M',
        source="Papers with Code's entry for Jaegle et al. 2021 (ImageNet, 'Perceiver (FF)': 44.9M parameters); "
               'the official code (deepmind-research/perceiver, JAX/Haiku) was not run; lucidrains/perceiver-pytorch is not official'),
    'aft-*': dict(reference_count=None, source='no official code of Zhai et al. 2021 was found (aft-pytorch and labml are unofficial); '
                                              'the paper\'s table was not re-read'),
}


def count_parameters(official: Official, cfg: dict) -> dict:
    """run.py's count (`sum(p.numel() for p in net.parameters() if p.requires_grad)`) and its parts."""
    torch.manual_seed(0)
    net = official.build(cfg)
    params = dict(net.named_parameters())
    total = sum(p.numel() for p in params.values() if p.requires_grad)
    position_weights = {n: p.numel() for n, p in params.items() if n.endswith('pos_emb_weight')}
    slot_bias = {n: p.numel() for n, p in params.items() if n.endswith('memory_gate_projector.bias')}
    return dict(run_py_count=total, position_weights=position_weights, slot_gate_biases=slot_bias,
                without_position_weights=total - sum(position_weights.values()),
                without_position_weights_and_slot_biases=total - sum(position_weights.values()) - sum(slot_bias.values()))


def non_shared_layers_check(official: Official) -> dict:
    """The official model with `share_parameters` off against its own layers run one by one, (a)
    each from the initial memory and (b) each from the memory the previous layer left: the largest
    differences of the encoder output (the second forward pass, after the official reset)."""
    torch.manual_seed(1)
    cfg = dict(VARIANTS['hard'], share_vanilla_parameters=False)
    net = official.build(cfg)
    enc = net.net
    x = torch.randn(2, (cfg['image_size'] // cfg['patch_size']) ** 2 + 1, cfg['h_dim'])
    with torch.no_grad(), contextlib.redirect_stdout(io.StringIO()):
        enc(x)
        out = enc(x)
        results = {}
        for mode in ('each_layer_from_initial_memory', 'memory_carried_from_layer_to_layer'):
            h, memory = enc.pe(x.permute(1, 0, 2)), None
            for layer in enc.layers:
                start = layer.self_attn.relational_memory.initial_state(x.shape[0])
                layer.self_attn.memory = start if memory is None or mode.startswith('each') else memory
                h, _ = layer(h, None)
                memory = layer.self_attn.memory
            results[f'max_difference_to_{mode}'] = float((out - h.permute(1, 0, 2)).abs().max())
    return dict(config=cfg, **results)


def main() -> None:
    here = Path(__file__).resolve()
    args = fixture_arguments(__file__, __doc__, 'official', 'the official repository (clone, work tree or bare mirror)',
                             'official-coordination')
    torch.Tensor.cuda = no_cuda
    with pinned_files(args.official, OFFICIAL_COMMIT, [FOLDER], 'official-coordination-') as (root, origin):
        official = Official(root / FOLDER)
        variants = run_variants(VARIANTS, args.seed, args.out, partial(run_variant, official))
        counts = {name: dict(run_py_arguments=cfg, **count_parameters(official, cfg)) for name, cfg in PRESETS.items()}
        non_shared = non_shared_layers_check(official)
    info = dict(
        **source_info('official', OFFICIAL_REPO, OFFICIAL_COMMIT, origin, official.blobs),
        cuda_calls_made_no_ops=CUDA_CALLS['count'],
        einops='not installed; the script computes the two patterns of run.py itself',
        torch_version=torch.__version__,
        python_version=sys.version.split()[0],
        image_layout='pass*.images and pass1.grad.images are NCHW, as the official model takes them',
        script=os.path.relpath(here, here.parents[4]),
        variants=variants,
        non_shared_layers=non_shared,
        parameter_counts=dict(
            official_coordination=counts,
            not_expressible=NOT_EXPRESSIBLE,
            other_references=OTHER_REFERENCES,
        ),
    )
    write_fixture_json(args.out, info)
    for name, v in variants.items():
        gaps = v['top_k_min_gaps']
        print(f'  {name}: {v["state_dict_entries"]} state_dict entries; smallest top-k gap {min(gaps) if gaps else "n/a"}; '
              f'no gradient: {v["no_gradient"]}')
    print(f'  share_parameters off: {non_shared}')
    for name, c in counts.items():
        print(f'  {name}: run.py count {c["run_py_count"]:,}; without position weights {c["without_position_weights"]:,}; '
              f'without those and slot biases {c["without_position_weights_and_slot_biases"]:,}')


if __name__ == '__main__':
    main()
