#!/usr/bin/env python3
"""Equivalence fixtures for AiT.js's SetTransformer against the reference set_transformer code.

Runs the reference PyTorch modules of "Set Transformer: A Framework for Attention-based
Permutation-Invariant Neural Networks" (Lee et al., ICML 2019; github.com/juho-lee/set_transformer,
commit 73432c640ac78140496d6738416c54d32c686d65: ``modules.py`` with ``MAB``, ``SAB``, ``ISAB``,
``PMA`` and the point-cloud classifier ``SetTransformer`` of ``main_pointcloud.py``) at a tiny size
with fixed seeds, and writes, per variant, the ``state_dict`` (reference names), the inputs, the
logits and the gradients of a fixed scalar loss for every parameter and for the images, as
safetensors files, plus ``fixture.json`` with the torch version, the reference commit, the blob
ids of the reference files read (``modules.py`` and ``main_pointcloud.py`` run; ``models.py`` gives
the place of the decoder SABs) and the configs. ``packages/vision/test/interop/set-transformer.test.ts``
reads only the committed files: CI needs no Python.

Usage (Debian's python3-torch is enough)::

    /usr/bin/python3 packages/vision/scripts/reference/make-set-transformer-fixture.py \\
        --reference /path/to/set_transformer   # a clone, a work tree or a bare mirror
        [--out packages/vision/test/fixtures/set-transformer]

What runs
---------
AiT.js's SetTransformer classifies the set of an image's patches: patches (``(p1 p2 c)``
flattened, channel innermost, as AiT.js's ``patchify``) -> ``Linear(P*P*C, dim)`` -> encoder ->
dropout -> ``PMA_k`` -> decoder SABs -> dropout -> ``Linear(dim, classes)``. The reference has no
patch embedding (its sets are points); the script adds one ``nn.Linear``, named ``embed``, in front
of the reference network (the only module of the script's own in the network besides the
``nn.Sequential`` / ``nn.Dropout`` containers of the second variant):

* ``pointcloud``: the reference ``SetTransformer`` class of ``main_pointcloud.py``, unchanged
  (``enc``: two ``ISAB``; ``dec``: ``Dropout``, ``PMA`` with one seed, ``Dropout``, ``Linear``;
  ``ln=False``), with ``dim_input = dim``. ``main_pointcloud.py`` loads data and trains when
  imported, so only its ``class SetTransformer`` statement is executed, picked with ``ast`` and
  unchanged, in a namespace holding what it imports (``nn`` and ``modules``' ``ISAB``, ``PMA``,
  ``SAB``).
* ``sab-ln``: the reference ``SAB`` / ``PMA`` modules with ``ln=True`` composed as AiT.js's
  ``inducingPoints: null, decoderLayers: 1, layerNorm: true``, in the layout of the point-cloud
  classifier with the decoder SAB of ``models.py`` after the PMA: ``enc`` = two ``SAB``; ``dec`` =
  ``Dropout``, ``PMA``, ``SAB``, ``Dropout``, ``Linear``.

No reference file is changed and no shim is needed (the reference modules need only torch).
Dropout makes no difference: the fixtures run in evaluation mode (``net.eval()``; autograd works
the same). LayerNorm weights and biases are drawn at random (not their initial ones / zeros) so
that a wrong mapping cannot pass. The reference runs in float64 (the float32 weights and inputs
converted exactly), so the stored outputs and gradients are the exact answers rounded to float32
and the test measures AiT.js's float32 error alone.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import sys
from functools import partial
from pathlib import Path

import torch

import torch.nn as nn

from reference_fixture import (  # this folder
    blob_sha1, fixture_arguments, float64_passes, pinned_files, run_variants, source_info, write_fixture_json)
from safetensors_file import save_safetensors  # this folder

REFERENCE_REPO = 'juho-lee/set_transformer'
REFERENCE_COMMIT = '73432c640ac78140496d6738416c54d32c686d65'
REFERENCE_FILES = ['modules.py', 'main_pointcloud.py', 'models.py']


class Reference:
    """The reference modules (modules.py) and the point-cloud classifier class (main_pointcloud.py)."""

    def __init__(self, folder: Path):
        self.blobs = {name: blob_sha1((folder / name).read_bytes()) for name in REFERENCE_FILES}
        spec = importlib.util.spec_from_file_location('reference_set_transformer_modules', folder / 'modules.py')
        modules = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(modules)
        self.modules = modules
        tree = ast.parse((folder / 'main_pointcloud.py').read_text(), filename='main_pointcloud.py')
        nodes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == 'SetTransformer']
        if len(nodes) != 1:
            raise SystemExit('main_pointcloud.py: expected one class SetTransformer; is this the reference code?')
        namespace = dict(nn=nn, torch=torch, ISAB=modules.ISAB, PMA=modules.PMA, SAB=modules.SAB)
        exec(compile(ast.Module(body=nodes, type_ignores=[]), '<reference main_pointcloud.py>', 'exec'), namespace)  # noqa: S102
        self.pointcloud_class = namespace['SetTransformer']


def patches(images: torch.Tensor, p: int) -> torch.Tensor:
    """NCHW images -> [batch, (H/p)(W/p), p*p*C], patches row-major, features (p1 p2 c) (AiT.js's patchify)."""
    b, c, hh, ww = images.shape
    h, w = hh // p, ww // p
    return images.reshape(b, c, h, p, w, p).permute(0, 2, 4, 3, 5, 1).reshape(b, h * w, p * p * c)


class PatchSet(nn.Module):
    """`embed` (the script's patch embedding) in front of a reference network `net` whose `enc` and
    `dec` become this module's, so that the state_dict names are the reference's plus `embed.*`."""

    def __init__(self, net: nn.Module, patch_dim: int, dim: int, patch_size: int):
        super().__init__()
        self.embed = nn.Linear(patch_dim, dim)
        self.enc = net.enc
        self.dec = net.dec
        self.patch_size = patch_size
        self.reference_forward = type(net).forward  # the reference forward, called on self (uses self.enc / self.dec)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.reference_forward(self, self.embed(patches(images, self.patch_size)))


class Composed(nn.Module):
    """The sab-ln variant: reference SAB / PMA modules composed as AiT.js's decoder layout."""

    def __init__(self, ref: Reference, cfg: dict):
        super().__init__()
        m, d, h, ln = ref.modules, cfg['dim'], cfg['heads'], cfg['ln']
        self.enc = nn.Sequential(*[m.SAB(d, d, h, ln=ln) for _ in range(cfg['encoder_layers'])])
        self.dec = nn.Sequential(nn.Dropout(cfg['dropout']), m.PMA(d, h, cfg['seeds'], ln=ln),
                                 *[m.SAB(d, d, h, ln=ln) for _ in range(cfg['decoder_layers'])],
                                 nn.Dropout(cfg['dropout']), nn.Linear(d, cfg['classes']))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dec(self.enc(x)).squeeze(1)


VARIANTS = {
    'pointcloud': dict(kind='main_pointcloud.SetTransformer', image_size=8, patch_size=2, channels=3, classes=5, dim=16,
                       heads=2, inducing_points=4, encoder_layers=2, seeds=1, decoder_layers=0, ln=False, dropout=0.5,
                       batch=3),
    'sab-ln': dict(kind='modules.SAB / modules.PMA composed', image_size=8, patch_size=2, channels=3, classes=4, dim=12,
                   heads=3, inducing_points=None, encoder_layers=2, seeds=1, decoder_layers=1, ln=True, dropout=0.1,
                   batch=2),
}


def build(ref: Reference, cfg: dict) -> nn.Module:
    """The reference network of `cfg` behind the script's patch embedding."""
    p, c, d = cfg['patch_size'], cfg['channels'], cfg['dim']
    if cfg['kind'].startswith('main_pointcloud'):
        net = ref.pointcloud_class(dim_input=d, num_outputs=cfg['seeds'], dim_output=cfg['classes'],
                                   num_inds=cfg['inducing_points'], dim_hidden=d, num_heads=cfg['heads'], ln=cfg['ln'])
    else:
        net = Composed(ref, cfg)
    return PatchSet(net, p * p * c, d, p)


def randomise(net: nn.Module, gen: torch.Generator) -> None:
    """LayerNorms 1 + 0.2 N / 0.2 N, so that their mapping is tested (the rest keeps the reference init)."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.copy_(1 + 0.2 * torch.randn(m.weight.shape, generator=gen))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=gen))




def run_variant(ref: Reference, name: str, cfg: dict, seed: int, out: Path) -> dict:
    """Builds, runs and saves one fixture; returns what fixture.json records of it."""
    torch.manual_seed(seed)
    net = build(ref, cfg)
    gen = torch.Generator().manual_seed(seed + 1)
    randomise(net, gen)
    net.eval()  # dropout off; autograd is unaffected
    weights = {k: v.detach().clone() for k, v in net.state_dict().items()}
    s = cfg['image_size']
    io_, no_gradient = float64_passes(net, gen, cfg['batch'], cfg['channels'], s, cfg['classes'])
    with torch.no_grad():
        # The same set in another order: the same logits (no positions).
        perm = torch.randperm((s // cfg['patch_size']) ** 2, generator=gen)
        shuffled = patches(io_['pass2.images'].double(), cfg['patch_size'])[:, perm]
        io_['pass2.permutation'] = perm.to(torch.float32)
        permuted = net.reference_forward(net, net.embed(shuffled))
        invariance = float((permuted - io_['pass2.logits']).abs().max())
    meta = {'reference_repo': REFERENCE_REPO, 'reference_commit': REFERENCE_COMMIT, 'variant': name}
    save_safetensors(weights, out / f'{name}.weights.safetensors', meta)
    save_safetensors(io_, out / f'{name}.io.safetensors', meta)
    return dict(
        config=dict(cfg),
        seed=seed,
        loss='sum(logits * pass1.loss_weights), evaluation mode (dropout off), reference in float64',
        state_dict_entries=len(weights),
        no_gradient=no_gradient,
        max_logit_change_when_patches_are_permuted=invariance,
    )


def main() -> None:
    here = Path(__file__).resolve()
    args = fixture_arguments(__file__, __doc__, 'reference', 'the reference repository (clone, work tree or bare mirror)', 'set-transformer')
    with pinned_files(args.reference, REFERENCE_COMMIT, REFERENCE_FILES, 'set-transformer-') as (folder, origin):
        ref = Reference(folder)
        variants = run_variants(VARIANTS, args.seed, args.out, partial(run_variant, ref))
    info = dict(
        **source_info('reference', REFERENCE_REPO, REFERENCE_COMMIT, origin, ref.blobs),
        torch_version=torch.__version__,
        python_version=sys.version.split()[0],
        precision='reference run in float64 from float32 weights and inputs; everything stored as float32',
        image_layout='pass*.images and pass1.grad.images are NCHW; the patches are flattened (p1 p2 c), as AiT.js',
        patch_embedding='embed.* is the script\'s nn.Linear(P*P*C, dim) in front of the reference network (none in the reference)',
        script=os.path.relpath(here, here.parents[4]),
        variants=variants,
    )
    write_fixture_json(args.out, info)
    for name, v in variants.items():
        print(f'  {name}: {v["state_dict_entries"]} state_dict entries; no gradient: {v["no_gradient"]}; '
              f'permutation changes the logits by {v["max_logit_change_when_patches_are_permuted"]:.2e}')


if __name__ == '__main__':
    main()
