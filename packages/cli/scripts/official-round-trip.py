#!/usr/bin/env python3
"""AiT.js -> safetensors -> PyTorch (the official AiT modules) -> safetensors -> AiT.js, bit for bit.

A check by hand, not part of CI (CI has no Python). For an `ait train` run of an AiT (or ViT)
config the official code has:

1. ``ait export <run> --format safetensors --layout official --out <work>/a``;
2. builds the official PyTorch model from the ``official.arguments`` of ``<work>/a/ait-model.json``
   (the official classes of yuweisunn/associative-transformer, executed as
   ``packages/vision/scripts/reference/make-official-ait-fixture.py`` executes them: this script
   imports that script's helpers), loads the file with ``load_state_dict(strict=True)``, writes its
   ``state_dict()`` to ``<work>/b/model.safetensors`` (with the ``ait-model.json`` beside it), and
   runs one forward pass on random images to show that the loaded model computes;
3. ``ait import <work>/b/model.safetensors --out <work>/run-b`` and
   ``ait export <work>/run-b --format safetensors --layout official --out <work>/c``;
4. compares every tensor of a, b and c: they must be identical bit for bit.

Usage (Debian's python3-torch is enough)::

    /usr/bin/python3 packages/cli/scripts/official-round-trip.py \\
        --official /path/to/associative-transformer --run runs/my-run [--work /tmp/round-trip]

``--ait`` gives the command that runs the CLI (default: the sources through tsx, from the
repository root).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[3]
FIXTURE_SCRIPT = ROOT / 'packages' / 'vision' / 'scripts' / 'reference' / 'make-official-ait-fixture.py'
DEFAULT_AIT = 'node --conditions=@ait/source --import tsx packages/cli/src/cli.ts'


def fixture_helpers():
    """The official-code loader and dependency stand-ins of the fixture script."""
    spec = importlib.util.spec_from_file_location('make_official_ait_fixture', FIXTURE_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_safetensors(path: Path) -> dict[str, torch.Tensor]:
    """The F32 tensors of a safetensors file (the only dtype `ait export` writes)."""
    data = path.read_bytes()
    (length,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + length])
    start = 8 + length
    out = {}
    for name, entry in header.items():
        if name == '__metadata__':
            continue
        if entry['dtype'] != 'F32':
            raise SystemExit(f'{path}: tensor {name} is {entry["dtype"]}; only F32 is expected')
        a, b = entry['data_offsets']
        values = torch.frombuffer(bytearray(data[start + a:start + b]), dtype=torch.float32)
        out[name] = values.reshape(entry['shape']).clone()
    return out


def build_official(h, official: Path, args: dict) -> torch.nn.Module:
    """The official model of `args` (ait-model.json's official.arguments), assembled as ait.py does."""
    files = h.OfficialFiles(official)
    nn, F = torch.nn, torch.nn.functional
    vit_ns = h.load_definitions(files, args['file'], ['pair', 'PreNorm', 'FeedForward', 'Attention', 'Transformer', 'ViT'],
                                dict(torch=torch, nn=nn, F=F, rearrange=h.rearrange, repeat=h.repeat, Rearrange=h.Rearrange))
    sparse = args['file'] != 'vit_org.py'
    net = vit_ns['ViT'](image_size=args['image_size'], patch_size=args['patch_size'], num_classes=args['num_classes'],
                        dim=args['dim'], depth=args['depth'], heads=args['heads'], mlp_dim=args['mlp_dim'],
                        channels=args['channels'], dim_head=args['dim_head'], dropout=0., emb_dropout=0., mode='eval',
                        sparse=sparse)
    if sparse:
        mha_ns = h.load_definitions(files, 'MHA.py', ['ScaledDotProductAttention', 'MultiHeadAttention'], dict(torch=torch, nn=nn, F=F))
        ait_ns = h.load_definitions(files, 'ait.py', ['MemoryUpdate', 'ModularNN'], dict(
            torch=torch, nn=nn, F=F, Hopfield=h.StaticHopfield, MultiHeadAttention=mha_ns['MultiHeadAttention'],
            hidden_dim=args['dim'], mlp_dim=args['mlp_dim'], memory_dim=args['memory_dim'], memory_head=args['memory_head'],
            pattern_size=args['pattern_size'], bottleneck=args['bottleneck'], dim=args['tokens'], HN=True, static=True))
        identity = None
        if not args['SA']:
            identity = h.load_definitions(files, 'hn_task.py', ['IdentityLayer'], dict(torch=torch, nn=nn))['IdentityLayer']
        for i in range(args['depth']):
            net.transformer.layers[i][1].fn = ait_ns['ModularNN'](float(args['beta']), i)
            if identity is not None:
                net.transformer.layers[i][0].fn = identity()
    return net


def ait(command: str, *argv: str) -> None:
    cmd = [*shlex.split(command), *argv]
    print('$ ait', ' '.join(argv), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--official', required=True, type=Path, help='the official repository (clone, work tree or bare mirror)')
    parser.add_argument('--run', required=True, type=Path, help='an `ait train` run directory of an AiT or ViT the official code has')
    parser.add_argument('--work', type=Path, help='working folder (default: a new temporary folder)')
    parser.add_argument('--ait', default=DEFAULT_AIT, help=f'command that runs the CLI (default: {DEFAULT_AIT})')
    opts = parser.parse_args()
    work = (opts.work or Path(tempfile.mkdtemp(prefix='ait-official-round-trip-'))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    torch.use_deterministic_algorithms(True)

    a, b, c = work / 'a', work / 'b', work / 'c'
    ait(opts.ait, 'export', str(opts.run.resolve()), '--format', 'safetensors', '--layout', 'official', '--out', str(a), '--backend', 'cpu')
    info = json.loads((a / 'ait-model.json').read_text())
    arguments = info['official']['arguments']
    print('official arguments:', json.dumps(arguments))

    h = fixture_helpers()
    net = build_official(h, opts.official.resolve(), arguments)
    exported = read_safetensors(a / 'model.safetensors')
    net.load_state_dict(exported, strict=True)  # every official tensor, no more, no less
    net.eval()
    b.mkdir(exist_ok=True)
    h.save_safetensors(net.state_dict(), b / 'model.safetensors', {'format': 'pt', 'saved_by': 'official-round-trip.py'})
    shutil.copyfile(a / 'ait-model.json', b / 'ait-model.json')
    # the loaded official model computes (after saving: its forward pass updates the memory in place)
    images = torch.randn(4, arguments['channels'], arguments['image_size'], arguments['image_size'], generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        inputs = [images, torch.randn(4, 18)] if arguments['file'] == 'vit_hn_clevr.py' else [images]
        output = net(*inputs)
    logits = output[0] if isinstance(output, tuple) else output
    print(f'official forward pass: logits {tuple(logits.shape)}, finite: {bool(torch.isfinite(logits).all())}')

    ait(opts.ait, 'import', str(b / 'model.safetensors'), '--out', str(work / 'run-b'), '--backend', 'cpu')
    ait(opts.ait, 'export', str(work / 'run-b'), '--format', 'safetensors', '--layout', 'official', '--out', str(c), '--backend', 'cpu')

    saved, again = read_safetensors(b / 'model.safetensors'), read_safetensors(c / 'model.safetensors')
    problems = []
    for name in sorted(set(exported) | set(saved) | set(again)):
        tensors = [t.get(name) for t in (exported, saved, again)]
        if any(t is None for t in tensors):
            problems.append(f'{name}: missing from {[s for s, t in zip("abc", tensors) if t is None]}')
        elif not all(t.shape == tensors[0].shape and torch.equal(t.view(torch.int32), tensors[0].view(torch.int32)) for t in tensors):
            problems.append(f'{name}: values differ')
    if problems:
        print('NOT bit-exact:\n  ' + '\n  '.join(problems))
        sys.exit(1)
    print(f'bit-exact: {len(exported)} tensors identical in AiT.js export, PyTorch state_dict and re-export ({work})')


if __name__ == '__main__':
    main()
