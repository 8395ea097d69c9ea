#!/usr/bin/env python3
"""Equivalence fixtures for AiT.js's weight maps to timm's VisionTransformer and MlpMixer.

Runs timm's own modules (huggingface/pytorch-image-models, Apache-2.0) at a tiny size with fixed
seeds and writes, per variant, the model's ``state_dict`` (timm names), the input images and the
logits in evaluation mode as safetensors files, plus ``fixture.json`` with the timm commit and
version, the torch version, the keyword arguments each timm model was built with and the AiT.js
config that must compute the same function. The vitest tests
``packages/vision/test/interop/timm-*.test.ts`` read only the committed files (CI has no Python).

It also runs the PyTorch half of the round trip AiT.js -> safetensors -> PyTorch -> safetensors ->
AiT.js: for every ``<variant>.aitjs.safetensors`` in the output folder (written by AiT.js's
``toTimmSafetensors``; see step 2 below) it builds the timm model from nothing but that file's
metadata (``timm_model``, ``timm_args``, ``layer_norm_eps``, ``embed_norm``), loads the file with
``load_state_dict(strict=True)``, runs the fixture's images through it and writes the model's
``state_dict()`` back as ``<variant>.roundtrip.safetensors`` and its logits as
``<variant>.roundtrip-logits.safetensors``.

Usage (Debian's python3-torch and python3-torchvision; timm imports torchvision at module level)::

    # 1. timm's models -> weights, inputs, logits, fixture.json
    /usr/bin/python3 packages/vision/scripts/reference/make-timm-fixtures.py \\
        --timm /path/to/pytorch-image-models      # a source tree, or a (bare) git repository
    # 2. AiT.js exports its models (deterministic weights) -> <variant>.aitjs.safetensors
    (cd packages/vision && AIT_WRITE_TIMM_ROUNDTRIP=1 pnpm exec vitest run test/interop/timm-roundtrip.test.ts)
    # 3. the PyTorch half of the round trip
    /usr/bin/python3 packages/vision/scripts/reference/make-timm-fixtures.py --timm ... --roundtrip

``--timm`` given a git repository exports ``--commit`` (default: the pinned commit below) with
``git archive`` into a temporary folder and imports timm from there; given a source tree, it
imports that tree and records ``--commit`` as the commit it was taken from.

The fixtures were made with timm 1.0.29.dev0 at commit aa4b5850c1543fa488abf260f18390eda46cf85d,
torch 1.13.1 and torchvision 0.14.1 (Debian 12), which it imports unchanged. Every parameter is
drawn again from a seeded generator before the forward pass (timm starts LayerNorms at 1 / 0,
biases and the Mixer's head at 0, which would let a wrong map of those pass).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

import torch
from torch import nn

from safetensors_file import load_safetensors, save_safetensors  # this folder

PINNED_COMMIT = 'aa4b5850c1543fa488abf260f18390eda46cf85d'
BATCH = 2

# Each variant: timm's class, its keyword arguments (without the norm layers), the LayerNorm
# epsilon, whether the ViT's patch embedding has a norm, and the AiT.js config that must match.
VARIANTS: dict[str, dict] = {
    # timm's defaults at a tiny size: QKV biases, LayerNorm eps 1e-6, CLS token, learned positions.
    'vit-cls': {
        'model': 'VisionTransformer',
        'args': dict(img_size=16, patch_size=4, in_chans=3, num_classes=5, embed_dim=24, depth=2, num_heads=3,
                     mlp_ratio=40 / 24, qkv_bias=True, class_token=True, global_pool='token', pos_embed='learn'),
        'eps': 1e-6,
        'embed_norm': False,
        'aitjs': dict(imageSize=16, patchSize=4, channels=3, classes=5, dim=24, depth=2, numHeads=3, headDim=8, mlpDim=40,
                      head='cls', positionEmbedding='learned', patchPreNorm=False, patchPostNorm=False, qkvBias=True,
                      layerNormEpsilon=1e-6),
    },
    # The other pooling: no CLS token, average pooling with timm's fc_norm; no position table, a
    # norm after the patch projection, no QKV bias, PyTorch's eps 1e-5 (AiT.js's ViT defaults).
    'vit-mean': {
        'model': 'VisionTransformer',
        'args': dict(img_size=16, patch_size=4, in_chans=3, num_classes=5, embed_dim=24, depth=2, num_heads=2,
                     mlp_ratio=2.0, qkv_bias=False, class_token=False, global_pool='avg', pos_embed='none'),
        'eps': 1e-5,
        'embed_norm': True,
        'aitjs': dict(imageSize=16, patchSize=4, channels=3, classes=5, dim=24, depth=2, numHeads=2, headDim=12, mlpDim=48,
                      head='mean', positionEmbedding='none', patchPreNorm=False, patchPostNorm=True),
    },
    # timm's MlpMixer with its defaults (eps 1e-6, GELU) at a tiny size.
    'mixer': {
        'model': 'MlpMixer',
        'args': dict(img_size=16, in_chans=3, num_classes=5, patch_size=4, num_blocks=2, embed_dim=24,
                     mlp_ratio=[20 / 24, 48 / 24]),
        'eps': 1e-6,
        'embed_norm': False,
        'aitjs': dict(imageSize=16, patchSize=4, channels=3, classes=5, dim=24, depth=2, tokenMlpDim=20, channelMlpDim=48),
    },
}


# ------------------------------------------------------------------------------------------
# timm
# ------------------------------------------------------------------------------------------

def timm_source(path: Path, commit: str, scratch: Path) -> Path:
    """The folder to import timm from: `path` itself, or `commit` exported from the git repository `path`."""
    if (path / 'timm' / '__init__.py').is_file():
        return path
    archive = subprocess.run(['git', '--git-dir', str(path), 'archive', commit, 'timm'], check=True, capture_output=True).stdout
    subprocess.run(['tar', '-x', '-C', str(scratch)], input=archive, check=True)
    return scratch


def build(timm_models, model: str, args: dict, eps: float, embed_norm: bool) -> nn.Module:
    norm = partial(nn.LayerNorm, eps=eps)
    if model == 'VisionTransformer':
        extra = {'embed_norm_layer': norm} if embed_norm else {}
        return timm_models.vision_transformer.VisionTransformer(**args, norm_layer=norm, **extra)
    if model == 'MlpMixer':
        if embed_norm:
            raise ValueError('the MlpMixer map has no stem norm')
        kwargs = dict(args)
        kwargs['mlp_ratio'] = tuple(kwargs['mlp_ratio'])
        return timm_models.mlp_mixer.MlpMixer(**kwargs, norm_layer=norm)
    raise ValueError(f'unknown timm model {model}')


def redraw_parameters(net: nn.Module, gen: torch.Generator) -> None:
    """Every parameter drawn again: matrices ~ N(0, 1/fan_in), LayerNorm scales 1 + N(0, 0.2^2), the rest N(0, 0.1^2 or 0.5^2)."""
    with torch.no_grad():
        for name, p in net.named_parameters():
            noise = torch.randn(p.shape, generator=gen)
            if p.dim() >= 2 and name not in ('cls_token', 'pos_embed'):
                fan_in = p[0].numel()
                p.copy_(noise / fan_in ** 0.5)
            elif name in ('cls_token', 'pos_embed'):
                p.copy_(0.5 * noise)
            elif name.endswith('weight'):  # LayerNorm scales (every 1-d weight here)
                p.copy_(1 + 0.2 * noise)
            else:
                p.copy_(0.1 * noise)


# ------------------------------------------------------------------------------------------
# the two stages
# ------------------------------------------------------------------------------------------

def make_variant(timm_models, name: str, v: dict, seed: int, out: Path, meta: dict[str, str]) -> dict:
    torch.manual_seed(seed)
    net = build(timm_models, v['model'], v['args'], v['eps'], v['embed_norm'])
    gen = torch.Generator().manual_seed(seed)
    redraw_parameters(net, gen)
    net.eval()
    size, chans = v['args']['img_size'], v['args']['in_chans']
    images = torch.randn((BATCH, chans, size, size), generator=gen)
    with torch.no_grad():
        logits = net(images)
    file_meta = {**meta, 'timm_model': v['model'], 'timm_args': json.dumps(v['args']), 'layer_norm_eps': repr(v['eps']),
                 'embed_norm': 'true' if v['embed_norm'] else 'false'}
    save_safetensors(dict(net.state_dict()), out / f'{name}.weights.safetensors', file_meta)
    save_safetensors({'images': images, 'logits': logits}, out / f'{name}.io.safetensors', meta)
    return {'timm_model': v['model'], 'timm_args': v['args'], 'layer_norm_eps': v['eps'], 'embed_norm': v['embed_norm'],
            'aitjs_config': v['aitjs'], 'seed': seed, 'images': 'NCHW [batch, channels, height, width]',
            'logits_max_abs': float(logits.abs().max())}


def round_trip(timm_models, name: str, out: Path, meta: dict[str, str]) -> dict:
    exported, file_meta = load_safetensors(out / f'{name}.aitjs.safetensors')
    args = json.loads(file_meta['timm_args'])
    net = build(timm_models, file_meta['timm_model'], args, float(file_meta['layer_norm_eps']), file_meta['embed_norm'] == 'true')
    net.load_state_dict(exported, strict=True)
    net.eval()
    io, _ = load_safetensors(out / f'{name}.io.safetensors')
    with torch.no_grad():
        logits = net(io['images'])
    back = {**meta, **{k: file_meta[k] for k in ('timm_model', 'timm_args', 'layer_norm_eps', 'embed_norm')}}
    save_safetensors(dict(net.state_dict()), out / f'{name}.roundtrip.safetensors', back)
    save_safetensors({'logits': logits}, out / f'{name}.roundtrip-logits.safetensors', meta)
    return {'aitjs_export_metadata': {k: file_meta[k] for k in sorted(file_meta)}}


def main() -> None:
    here = Path(__file__).resolve()
    default_out = here.parents[2] / 'test' / 'fixtures' / 'timm'
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--timm', type=Path, required=True, help='timm source tree or git repository')
    parser.add_argument('--commit', default=PINNED_COMMIT, help='the timm commit to export or to record')
    parser.add_argument('--out', type=Path, default=default_out)
    parser.add_argument('--roundtrip', action='store_true', help='run the PyTorch half of the round trip only')
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        sys.path.insert(0, str(timm_source(args.timm, args.commit, Path(scratch))))
        import timm  # noqa: E402  (imported from the folder chosen above)
        import timm.models as timm_models  # noqa: E402

        meta = {'timm_commit': args.commit, 'timm_version': timm.__version__, 'torch_version': torch.__version__}
        info_path = args.out / 'fixture.json'
        if args.roundtrip:
            info = json.loads(info_path.read_text())
            info['roundtrip'] = {name: round_trip(timm_models, name, args.out, meta) for name in VARIANTS}
        else:
            info = {
                'timm_repository': 'huggingface/pytorch-image-models',
                'timm_commit': args.commit,
                'timm_version': timm.__version__,
                'torch_version': torch.__version__,
                'script': 'packages/vision/scripts/reference/make-timm-fixtures.py',
                'variants': {name: make_variant(timm_models, name, v, 100 + i, args.out, meta) for i, (name, v) in enumerate(VARIANTS.items())},
            }
        info_path.write_text(json.dumps(info, indent=2) + '\n')
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
