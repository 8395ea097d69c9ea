#!/usr/bin/env python3
"""Equivalence fixtures for AiT.js's ParallelMlpMixer against the authors' paramixer code.

Runs the authors' PyTorch model of "Hierarchical Associative Memory, Parallelized MLP-Mixer, and
Symmetry Breaking" (Karakida, Ota, Taki 2024; github.com/Toshihiro-Ota/paramixer, commit
cddc611107bb2b187597f04d88050a03ecfa300a: ``models/mixers.py`` ``MlpMixer`` with
``models/layers.py`` ``pMixerBlock`` and ``sMlp`` / ``aMlp`` / ``vMlp``) at a tiny size with fixed
seeds and writes, per variant, the ``state_dict`` (the authors' names), the inputs, the logits and
the gradients of a fixed scalar loss for every parameter and for the images, as safetensors files,
plus ``fixture.json`` with the torch version, the commit, the blob ids of the files that ran, the
configs, and the symmetry-breaking penalty of ``util/utils.py``'s ``reg_weight2``.
``packages/vision/test/interop/paramixer.test.ts`` reads only the committed files: CI needs no Python.

Usage (Debian's python3-torch is enough)::

    /usr/bin/python3 packages/vision/scripts/reference/make-paramixer-fixture.py \\
        --reference /path/to/paramixer   # a clone, a work tree or a bare mirror
        [--out packages/vision/test/fixtures/paramixer]

What runs
---------
``MlpMixer`` built as the authors' registered models build it (``block_layer=pMixerBlock``,
``hidden_ratio=1``; ``mlp_layer`` ``sMlp`` for ``symmixer_*``, ``aMlp`` for ``asymmixer_*``,
``vMlp`` for ``paramixer_*``), with a tiny image, patch, width, depth and ``mlp_ratio`` passed as
the keyword arguments ``MlpMixer`` takes (the registered functions fix the S/16 sizes). The
package ``models`` is imported unchanged from the authors' files (taken from git at the pinned
commit when ``--reference`` is a git repository), and ``reg_weight2`` from ``util/utils.py``.

Stand-ins (the only changes to what the authors' code does)
-----------------------------------------------------------
timm (0.9.2 in the authors' requirements) is not installed. ``models`` imports twelve names from
it; the script puts a small module ``timm`` in ``sys.modules`` that provides them, written here:

* ``PatchEmbed``: ``proj = nn.Conv2d(in_chans, embed_dim, patch_size, stride=patch_size)``, no
  norm (``stem_norm`` is False), output ``proj(x).flatten(2).transpose(1, 2)`` ``[B, N, D]`` with
  the patches in row-major order, and ``num_patches`` (what timm's does with its defaults);
* ``to_2tuple`` (a pair from a number), ``DropPath`` (refused: the fixtures use ``drop_path`` 0, so
  ``pMixerBlock`` builds ``nn.Identity``), ``lecun_normal_`` (a normal initialiser; every weight is
  drawn again below anyway), ``named_apply`` (depth-first ``fn(module=..., name=...)`` over the
  submodules, as timm's), and the registry helpers (``register_model`` returns the function,
  ``generate_default_cfgs`` the dict, ``build_model_with_cfg`` calls the class, refusing
  ``pretrained``); ``checkpoint_seq`` is refused (gradient checkpointing is off);
* ``IMAGENET_DEFAULT_MEAN`` / ``STD`` (imported, unused).

Every parameter is then drawn at random with a fixed generator (the authors' init zeroes the head
and sets the layer norms to ones / zeros, which would hide a wrong mapping): weights
``N(0, 1 / fan_in)``, biases ``0.2 N``, layer-norm gains ``1 + 0.2 N`` (per entry, ``[N, C]``) and
shifts ``0.2 N``; the symmetry-breaking ``fc2`` of ``aMlp`` as ``0.5 N(0, 1 / fan_in)`` (it starts at
0 in AiT.js). Dropout and drop path are 0, training mode. The model runs in float64 (the float32
weights and inputs converted exactly), so the stored outputs and gradients are the exact answers
rounded to float32 and the test measures AiT.js's float32 error alone.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import os
import sys
import types
from functools import partial
from pathlib import Path

import torch

import torch.nn as nn

from reference_fixture import (  # this folder
    blob_sha1, fixture_arguments, float64_passes, pinned_files, run_variants, source_info, write_fixture_json)
from safetensors_file import save_safetensors  # this folder

REFERENCE_REPO = 'Toshihiro-Ota/paramixer'
REFERENCE_COMMIT = 'cddc611107bb2b187597f04d88050a03ecfa300a'
REFERENCE_FILES = ['models/__init__.py', 'models/mixers.py', 'models/layers.py', 'util/utils.py']


# --------------------------------------------------------------------------------------------
# The timm stand-in (see the module docstring)
# --------------------------------------------------------------------------------------------

class StandInPatchEmbed(nn.Module):
    """Image -> [B, N, D] patch tokens by a strided convolution (timm's PatchEmbed with its defaults, no norm)."""

    def __init__(self, img_size=224, patch_size=16, in_chans=3, embed_dim=768, norm_layer=None):
        super().__init__()
        if norm_layer is not None:
            raise NotImplementedError('timm stand-in: PatchEmbed with a norm (stem_norm) is not provided')
        self.num_patches = (img_size // patch_size) ** 2
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)
        self.norm = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.proj(x).flatten(2).transpose(1, 2))


def stand_in_to_2tuple(x):
    """A pair from a number (a tuple stays as it is)."""
    return tuple(x) if isinstance(x, (tuple, list)) else (x, x)


class StandInDropPath(nn.Module):
    """Refused: the fixtures use drop_path 0 (pMixerBlock then builds nn.Identity)."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError('timm stand-in: DropPath is not provided (use drop_path_rate 0)')


def stand_in_lecun_normal_(t: torch.Tensor) -> torch.Tensor:
    """A normal initialiser with variance 1 / fan_in."""
    fan_in = t[0].numel()
    with torch.no_grad():
        return t.normal_(0.0, 1.0 / math.sqrt(fan_in))


def stand_in_named_apply(fn, module: nn.Module, name: str = '', depth_first: bool = True, include_root: bool = False) -> nn.Module:
    """Calls fn(module=m, name=n) on every submodule, children before their parent."""
    if not depth_first and include_root:
        fn(module=module, name=name)
    for child_name, child in module.named_children():
        full = '.'.join((name, child_name)) if name else child_name
        stand_in_named_apply(fn, child, full, depth_first, include_root=True)
    if depth_first and include_root:
        fn(module=module, name=name)
    return module


def stand_in_build_model_with_cfg(cls, variant, pretrained=False, **kwargs):
    """The class called with the keyword arguments (no pretrained weights here)."""
    if pretrained:
        raise NotImplementedError('timm stand-in: no pretrained weights')
    kwargs.pop('pretrained_filter_fn', None)
    return cls(**kwargs)


def stand_in_refused(*args, **kwargs):
    raise NotImplementedError('timm stand-in: not provided (gradient checkpointing is off)')


def install_timm_stand_in() -> None:
    """The module `timm` with the names the authors' models import, in sys.modules."""
    parts = {
        'timm': {},
        'timm.data': dict(IMAGENET_DEFAULT_MEAN=(0.485, 0.456, 0.406), IMAGENET_DEFAULT_STD=(0.229, 0.224, 0.225)),
        'timm.layers': dict(PatchEmbed=StandInPatchEmbed, lecun_normal_=stand_in_lecun_normal_, DropPath=StandInDropPath,
                            to_2tuple=stand_in_to_2tuple),
        'timm.models': {},
        'timm.models._builder': dict(build_model_with_cfg=stand_in_build_model_with_cfg),
        'timm.models._manipulate': dict(named_apply=stand_in_named_apply, checkpoint_seq=stand_in_refused),
        'timm.models._registry': dict(generate_default_cfgs=lambda cfgs: cfgs, register_model=lambda fn: fn,
                                      register_model_deprecations=lambda *a, **k: None),
    }
    for name, attrs in parts.items():
        module = types.ModuleType(name)
        module.__dict__.update(attrs)
        sys.modules[name] = module


class Reference:
    """The authors' `models` package (`models.mixers`, `models.layers`) and `reg_weight2`."""

    def __init__(self, folder: Path):
        self.blobs = {name: blob_sha1((folder / name).read_bytes()) for name in REFERENCE_FILES}
        install_timm_stand_in()
        sys.path.insert(0, str(folder))
        self.mixers = importlib.import_module('models.mixers')
        self.layers = importlib.import_module('models.layers')
        spec = importlib.util.spec_from_file_location('reference_paramixer_utils', folder / 'util' / 'utils.py')
        utils = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(utils)
        self.reg_weight2 = utils.reg_weight2


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------

TINY = dict(img_size=8, patch_size=2, in_chans=3, num_classes=5, embed_dim=12, num_blocks=2, mlp_ratio=(0.5, 4.0),
            hidden_ratio=1, drop_rate=0.0, proj_drop_rate=0.0, drop_path_rate=0.0)

VARIANTS = {
    # symmixer_*: sMlp (tied weights), two update steps per block (as symmixer_s16_224_ni2).
    'symmetric': dict(mlp_layer='sMlp', registered='symmixer_*', n_iter=2, lcoeff=0.0, batch=3),
    # asymmixer_*: aMlp (W^T gelu(W x) + W2 gelu(W x)), penalty lambda = lcoeff.
    'breaking': dict(mlp_layer='aMlp', registered='asymmixer_s16_224_l01', n_iter=1, lcoeff=0.1, batch=2),
    # paramixer_*: vMlp (free maps), no biases (vMlp's default bias=False).
    'free': dict(mlp_layer='vMlp', registered='paramixer_*', n_iter=1, lcoeff=0.0, batch=2),
}


def build(ref: Reference, v: dict) -> nn.Module:
    """The authors' MlpMixer for variant `v` at the TINY sizes."""
    return ref.mixers.MlpMixer(**TINY, block_layer=ref.layers.pMixerBlock, mlp_layer=getattr(ref.layers, v['mlp_layer']),
                               n_iter=v['n_iter'], lcoeff=v['lcoeff'])


def randomise(net: nn.Module, gen: torch.Generator) -> None:
    """Every parameter drawn again (see the module docstring)."""
    with torch.no_grad():
        for mname, module in net.named_modules():
            for pname, p in module.named_parameters(recurse=False):
                if isinstance(module, nn.LayerNorm):
                    p.copy_((1 if pname == 'weight' else 0) + 0.2 * torch.randn(p.shape, generator=gen))
                elif pname == 'bias':
                    p.copy_(0.2 * torch.randn(p.shape, generator=gen))
                else:
                    scale = 0.5 if (mname.endswith('.fc2') and type(net.blocks[0].mlp_tokens).__name__ == 'aMlp') else 1.0
                    p.copy_(scale * torch.randn(p.shape, generator=gen) / math.sqrt(p[0].numel()))




def run_variant(ref: Reference, name: str, v: dict, seed: int, out: Path) -> dict:
    """Builds, runs and saves one fixture; returns what fixture.json records of it."""
    torch.manual_seed(seed)
    net = build(ref, v)
    gen = torch.Generator().manual_seed(seed + 1)
    randomise(net, gen)
    net.train()  # dropout and drop path are 0: training and evaluation compute the same
    weights = {k: v_.detach().clone() for k, v_ in net.state_dict().items()}
    io_, no_gradient = float64_passes(net, gen, v['batch'], TINY['in_chans'], TINY['img_size'], TINY['num_classes'])
    with torch.no_grad():
        penalty = float(ref.reg_weight2(net, _lambda=net.lcoeff)) if v['mlp_layer'] == 'aMlp' else None
    blocks = net.blocks
    meta = {'reference_repo': REFERENCE_REPO, 'reference_commit': REFERENCE_COMMIT, 'variant': name}
    save_safetensors(weights, out / f'{name}.weights.safetensors', meta)
    save_safetensors(io_, out / f'{name}.io.safetensors', meta)
    return dict(
        config=dict(**TINY, **v),
        tokens=net.stem.num_patches,
        token_hidden=blocks[0].mlp_tokens.fc2.weight.shape[0] if v['mlp_layer'] == 'sMlp' else blocks[0].mlp_tokens.fc1.weight.shape[0],
        channel_hidden=blocks[0].mlp_channels.fc2.weight.shape[0] if v['mlp_layer'] == 'sMlp' else blocks[0].mlp_channels.fc1.weight.shape[0],
        block_norm_eps=blocks[0].norm.eps,
        final_norm_eps=net.norm.eps,
        seed=seed,
        loss='sum(logits * pass1.loss_weights), training mode with dropout and drop path 0, reference in float64',
        state_dict_entries=len(weights),
        no_gradient=no_gradient,
        reg_weight2=penalty,
    )


def main() -> None:
    here = Path(__file__).resolve()
    args = fixture_arguments(__file__, __doc__, 'reference', "the authors' repository (clone, work tree or bare mirror)", 'paramixer')
    with pinned_files(args.reference, REFERENCE_COMMIT, REFERENCE_FILES, 'paramixer-') as (folder, origin):
        ref = Reference(folder)
        variants = run_variants(VARIANTS, args.seed, args.out, partial(run_variant, ref))
    info = dict(
        **source_info('reference', REFERENCE_REPO, REFERENCE_COMMIT, origin, ref.blobs),
        timm='not installed; the script provides the names models/ imports (see its docstring)',
        torch_version=torch.__version__,
        python_version=sys.version.split()[0],
        precision='reference run in float64 from float32 weights and inputs; everything stored as float32',
        image_layout='pass*.images and pass1.grad.images are NCHW, as the authors\' model takes them',
        script=os.path.relpath(here, here.parents[4]),
        variants=variants,
    )
    write_fixture_json(args.out, info)
    for name, v in variants.items():
        print(f'  {name}: {v["state_dict_entries"]} state_dict entries; no gradient: {v["no_gradient"]}; reg_weight2 {v["reg_weight2"]}')


if __name__ == '__main__':
    main()
