#!/usr/bin/env python3
"""Equivalence fixtures for @ait/hopfield's weight maps to ml-jku's hopfield-layers (hflayers).

Runs hflayers' ``Hopfield``, ``HopfieldPooling`` and ``HopfieldLayer`` (github.com/ml-jku/hopfield-layers,
commit f56f929c95b77a070ae675ea4f56b6d54d36e730) at tiny sizes with fixed seeds and writes, per
configuration, the module's ``state_dict`` (``<name>.weights.safetensors``, with the module and its
keyword arguments in the metadata, as AiT.js's ``toHflayersSafetensors`` writes them) and its inputs and
outputs (``<name>.io.safetensors``), plus ``fixture.json`` with the hflayers commit, the git blob ids of
the hflayers files that ran, the torch version and every configuration. The vitest tests in
``packages/hopfield/test/interop/`` read only these committed files; CI needs no Python.

The round trip AiT.js -> safetensors -> PyTorch -> safetensors -> AiT.js: the test
``hflayers-round-trip.test.ts`` writes ``aitjs-<name>.weights.safetensors`` (an AiT.js layer exported
with ``toHflayersSafetensors``) and ``aitjs-<name>.io.safetensors`` (inputs and AiT.js's outputs) when
run with ``HFLAYERS_WRITE_AITJS_EXPORTS=1``. This script then builds each module by evaluating the
file's ``hflayers_call`` metadata (the Python constructor call AiT.js wrote), loads the tensors with the
strict ``load_state_dict``, runs it on the same inputs (``aitjs-<name>.torch-output.safetensors``) and
saves its ``state_dict`` back (``aitjs-<name>.roundtrip.safetensors``), which the test loads into AiT.js
again and compares bit for bit.

Usage (Debian's python3-torch is enough; hflayers needs nothing else)::

    # 1. (only when the AiT.js exports change) write them from the test
    cd packages/hopfield && HFLAYERS_WRITE_AITJS_EXPORTS=1 pnpm exec vitest run test/interop/hflayers-round-trip.test.ts
    # 2. run hflayers
    /usr/bin/python3 packages/hopfield/scripts/reference/make-hflayers-fixtures.py \\
        --hflayers /path/to/hopfield-layers      # a clone, a work tree or a bare mirror
        [--out packages/hopfield/test/fixtures/hflayers]

With a git repository, the files are taken from the pinned commit (``git archive``) into a temporary
directory and ``hflayers`` is imported from there; with a plain directory, from the directory (the
commit is then not checked; fixture.json says so). Nothing of hflayers is copied into this repository.

Parameters are drawn at random after construction (hflayers starts biases at 0 and LayerNorm scales
at 1, which would not test their mapping): normal with standard deviation 0.5, LayerNorm scales
1 + 0.3 N(0, 1). Forward passes run in evaluation mode under ``torch.no_grad()``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import torch

# The helpers shared with @ait/vision's fixture scripts (this script runs from a checkout of the monorepo).
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / 'vision' / 'scripts' / 'reference'))
from reference_fixture import blob_sha1, fixture_arguments, pinned_files, run_variants, source_info  # noqa: E402
from safetensors_file import load_safetensors, save_safetensors  # noqa: E402

HFLAYERS_REPO = 'ml-jku/hopfield-layers'
HFLAYERS_COMMIT = 'f56f929c95b77a070ae675ea4f56b6d54d36e730'
HFLAYERS_FILES = ['hflayers/__init__.py', 'hflayers/activation.py', 'hflayers/functional.py']
FLOAT_ARGUMENTS = {'scaling', 'update_steps_eps', 'dropout', 'normalize_stored_pattern_eps', 'normalize_state_pattern_eps',
                   'normalize_pattern_projection_eps', 'normalize_hopfield_space_eps'}

# --------------------------------------------------------------------------------------------
# Configurations: (module, keyword arguments as JSON, inputs, masks). Input shapes are batch-first
# unless batch_first is False. Masks are hflayers' booleans (True = blocked), stored as float 0/1.
# --------------------------------------------------------------------------------------------

CONFIGS: dict[str, dict] = {
    # Defaults, one input (hflayers' self-attention branch of the packed in_proj_weight), two heads.
    'hopfield-default': dict(module='Hopfield', kwargs=dict(input_size=6, num_heads=2), inputs=dict(input=[2, 5, 6])),
    # Every size different (separate q/k/v_proj_weight), three updates, Hopfield-space LayerNorm,
    # zero association, tanh, other eps, a stored-pattern padding mask.
    'hopfield-three-inputs': dict(module='Hopfield', kwargs=dict(
        input_size=6, hidden_size=4, output_size=5, pattern_size=3, num_heads=2, stored_pattern_size=7,
        pattern_projection_size=5, scaling=0.7, update_steps_max=3, update_steps_eps=1e-9,
        normalize_stored_pattern_eps=1e-3, normalize_hopfield_space=True, normalize_hopfield_space_affine=True,
        normalize_hopfield_space_eps=1e-4, add_zero_association=True, association_activation='tanh'),
        inputs=dict(stored=[2, 6, 7], state=[2, 4, 6], projection=[2, 6, 5]),
        masks=dict(stored_pattern_padding_mask=[[0, 0, 0, 1, 0, 1], [0, 0, 0, 0, 0, 0]])),
    # Packed weights with three distinct inputs (general branch), updates until converged, no biases,
    # state LayerNorm without affine, dropout (off in evaluation), an association mask.
    'hopfield-converge': dict(module='Hopfield', kwargs=dict(
        input_size=4, scaling=2.0, update_steps_max=None, update_steps_eps=1e-4, input_bias=False,
        normalize_state_pattern_affine=False, dropout=0.1),
        inputs=dict(stored=[2, 5, 4], state=[2, 3, 4], projection=[2, 5, 4]),
        masks=dict(association_mask=[[0, 1, 0, 0, 0], [0, 0, 0, 0, 1], [1, 1, 0, 0, 0]])),
    # Connected pattern projection (values through the stored-pattern projection), no output
    # projection: the value rows of in_proj_bias are allocated and never read.
    'hopfield-connected': dict(module='Hopfield', kwargs=dict(
        input_size=5, hidden_size=5, stored_pattern_size=5, pattern_projection_size=5,
        pattern_projection_as_connected=True, pattern_projection_as_static=True, disable_out_projection=True,
        normalize_pattern_projection=False, normalize_pattern_projection_affine=False),
        inputs=dict(stored=[2, 6, 5], state=[2, 3, 5], projection=[2, 6, 5])),
    # Static state patterns (one head), projected stored patterns of another width.
    'hopfield-static-state': dict(module='Hopfield', kwargs=dict(
        input_size=4, hidden_size=4, state_pattern_as_static=True, stored_pattern_size=6, output_size=3),
        inputs=dict(stored=[2, 5, 6], state=[2, 3, 4], projection=[2, 5, 4])),
    # Everything static (static-only execution: default scaling 1.0), sigmoid.
    'hopfield-all-static': dict(module='Hopfield', kwargs=dict(
        input_size=4, pattern_projection_size=3, stored_pattern_as_static=True, state_pattern_as_static=True,
        pattern_projection_as_static=True, disable_out_projection=True, normalize_pattern_projection=False,
        normalize_pattern_projection_affine=False, association_activation='sigmoid'),
        inputs=dict(stored=[2, 5, 4], state=[2, 3, 4], projection=[2, 5, 3])),
    # concat_bias_pattern: bias_k and bias_v are created but never appended (AiT.js ignores them).
    'hopfield-bias-pattern-ignored': dict(module='Hopfield', kwargs=dict(input_size=4, num_heads=2, concat_bias_pattern=True),
                                          inputs=dict(input=[2, 5, 4])),
    'pooling-default': dict(module='HopfieldPooling', kwargs=dict(input_size=6, quantity=3, num_heads=2),
                            inputs=dict(input=[2, 7, 6])),
    # Static learned state patterns, stored patterns and projection of other widths, two updates, zero
    # association, relu.
    'pooling-options': dict(module='HopfieldPooling', kwargs=dict(
        input_size=5, hidden_size=5, state_pattern_as_static=True, quantity=2, stored_pattern_size=6,
        pattern_projection_size=4, output_size=3, update_steps_max=2, update_steps_eps=1e-9,
        add_zero_association=True, association_activation='relu'),
        inputs=dict(stored=[2, 6, 6], projection=[2, 6, 4])),
    # Sequence-first data: pooling_weights is [quantity, 1, width].
    'pooling-sequence-first': dict(module='HopfieldPooling', kwargs=dict(input_size=4, quantity=2, batch_first=False),
                                   inputs=dict(input=[5, 2, 4])),
    'layer-default': dict(module='HopfieldLayer', kwargs=dict(input_size=6, quantity=4), inputs=dict(input=[2, 3, 6])),
    # Separate targets, two heads, pattern_size != hidden_size, Hopfield-space LayerNorm, one update, no biases.
    'layer-separated': dict(module='HopfieldLayer', kwargs=dict(
        input_size=6, quantity=5, num_heads=2, hidden_size=3, pattern_size=2, output_size=4,
        lookup_weights_as_separated=True, normalize_hopfield_space=True, normalize_hopfield_space_affine=True,
        update_steps_max=1, input_bias=False, association_activation='relu'),
        inputs=dict(input=[2, 3, 6])),
    # Static targets (not projected) of width pattern_size, frozen lookup weights.
    'layer-static-targets': dict(module='HopfieldLayer', kwargs=dict(
        input_size=5, quantity=4, lookup_weights_as_separated=True, pattern_projection_as_static=True,
        pattern_size=3, pattern_projection_size=3, trainable=False),
        inputs=dict(input=[2, 3, 5])),
}


# --------------------------------------------------------------------------------------------
# hflayers from a checkout
# --------------------------------------------------------------------------------------------

def import_hflayers(source: Path, origin: str) -> dict:
    """Imports hflayers from `source` (see pinned_files) and returns where it came from (`origin`)
    and the blob ids of the files that run."""
    sys.path.insert(0, str(source))
    import hflayers  # noqa: F401  (the module under test)
    loaded = Path(hflayers.__file__).resolve().parent.parent
    if loaded != source.resolve():
        raise SystemExit(f'hflayers was imported from {loaded}, not from {source}: uninstall the other copy')
    blobs = {name: blob_sha1((source / name).read_bytes()) for name in HFLAYERS_FILES}
    return dict(origin=origin, blobs=blobs)


def python_kwargs(kwargs: dict) -> dict:
    """JSON keyword arguments as hflayers takes them: floats as floats, lists as tensors."""
    out = {}
    for k, v in kwargs.items():
        if isinstance(v, list):
            v = torch.tensor(v)
        elif k in FLOAT_ARGUMENTS and isinstance(v, (int, float)) and not isinstance(v, bool):
            v = float(v)
        out[k] = v
    return out


# --------------------------------------------------------------------------------------------
# Running the modules
# --------------------------------------------------------------------------------------------

def module_class(name: str):
    import hflayers
    return {'Hopfield': hflayers.Hopfield, 'HopfieldPooling': hflayers.HopfieldPooling, 'HopfieldLayer': hflayers.HopfieldLayer}[name]


def randomise(module: torch.nn.Module, gen: torch.Generator) -> None:
    """Every parameter N(0, 0.5^2); LayerNorm scales 1 + 0.3 N(0, 1)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            noise = torch.randn(p.shape, generator=gen)
            is_norm_scale = (name.endswith('norm_stored_pattern.weight') or name.endswith('norm_state_pattern.weight')
                             or name.endswith('norm_pattern_projection.weight') or name.endswith('p_norm_weight'))
            p.copy_(1 + 0.3 * noise if is_norm_scale else 0.5 * noise)


def forward(module, module_name: str, inputs: dict[str, torch.Tensor], masks: dict[str, torch.Tensor]):
    """The module's output and association matrix for named inputs."""
    if 'input' in inputs:
        data = inputs['input']
    elif module_name == 'HopfieldPooling':
        data = (inputs['stored'], inputs['projection'])
    else:
        data = (inputs['stored'], inputs['state'], inputs['projection'])
    kw = {}
    if 'stored_pattern_padding_mask' in masks:
        kw['stored_pattern_padding_mask'] = masks['stored_pattern_padding_mask'].bool()
    if 'association_mask' in masks:
        kw['association_mask'] = masks['association_mask'].bool()
    with torch.no_grad():
        return module(data, **kw), module.get_association_matrix(data, **kw)


def metadata_for(module_name: str, kwargs: dict, extra: dict[str, str]) -> dict[str, str]:
    return dict(format='pt', hflayers_repository=HFLAYERS_REPO, hflayers_commit=HFLAYERS_COMMIT,
                hflayers_module=module_name, hflayers_kwargs=json.dumps(kwargs), **extra)


def run_config(name: str, spec: dict, seed: int, out: Path) -> dict:
    torch.manual_seed(seed)
    module = module_class(spec['module'])(**python_kwargs(spec['kwargs']))
    gen = torch.Generator().manual_seed(seed + 1)
    randomise(module, gen)
    module.eval()
    inputs = {k: torch.randn(shape, generator=gen) for k, shape in spec['inputs'].items()}
    masks = {k: torch.tensor(v, dtype=torch.float32) for k, v in spec.get('masks', {}).items()}
    output, associations = forward(module, spec['module'], inputs, masks)
    state = {k: v.detach().clone() for k, v in module.state_dict().items()}
    save_safetensors(state, out / f'{name}.weights.safetensors', metadata_for(spec['module'], spec['kwargs'], {'fixture': name}))
    io = {**{f'input.{k}': v for k, v in inputs.items()}, **{f'mask.{k}': v for k, v in masks.items()},
          'output': output, 'associations': associations}
    save_safetensors(io, out / f'{name}.io.safetensors', {'fixture': name})
    return dict(module=spec['module'], kwargs=spec['kwargs'], seed=seed,
                inputs={k: list(v.shape) for k, v in inputs.items()}, masks=spec.get('masks', {}),
                output_shape=list(output.shape), associations_shape=list(associations.shape),
                state_dict={k: list(v.shape) for k, v in state.items()})


def round_trip(name: str, out: Path) -> dict:
    """Loads an AiT.js export into the hflayers module its metadata describes, runs it and saves
    its state_dict back."""
    import hflayers
    tensors, meta = load_safetensors(out / f'aitjs-{name}.weights.safetensors')
    module = eval(meta['hflayers_call'], {'torch': torch, 'Hopfield': hflayers.Hopfield,  # noqa: S307 - our own export's call
                                          'HopfieldPooling': hflayers.HopfieldPooling, 'HopfieldLayer': hflayers.HopfieldLayer})
    module.load_state_dict(tensors, strict=True)
    module.eval()
    io, _ = load_safetensors(out / f'aitjs-{name}.io.safetensors')
    inputs = {k[len('input.'):]: v for k, v in io.items() if k.startswith('input.')}
    output, associations = forward(module, meta['hflayers_module'], inputs, {})
    save_safetensors({'output': output, 'associations': associations}, out / f'aitjs-{name}.torch-output.safetensors', {'fixture': f'aitjs-{name}'})
    state = {k: v.detach().clone() for k, v in module.state_dict().items()}
    save_safetensors(state, out / f'aitjs-{name}.roundtrip.safetensors',
                     metadata_for(meta['hflayers_module'], json.loads(meta['hflayers_kwargs']), {'fixture': f'aitjs-{name}'}))
    same = all(torch.equal(state[k], tensors[k]) for k in tensors) and set(state) == set(tensors)
    return dict(module=meta['hflayers_module'], call=meta['hflayers_call'], state_dict_bit_exact_in_torch=same,
                output_shape=list(output.shape))


def main() -> None:
    here = Path(__file__).resolve()
    args = fixture_arguments(__file__, __doc__, 'hflayers', 'ml-jku/hopfield-layers (clone, work tree or bare mirror)', 'hflayers')
    with pinned_files(args.hflayers, HFLAYERS_COMMIT, ['hflayers'], 'hflayers-') as (folder, origin):
        source = import_hflayers(folder, origin)
        configs = run_variants(CONFIGS, args.seed, args.out, run_config)
        exports = sorted(p.name[len('aitjs-'):-len('.weights.safetensors')] for p in args.out.glob('aitjs-*.weights.safetensors'))
        trips = {name: round_trip(name, args.out) for name in exports}
    info = dict(
        **source_info('hflayers', HFLAYERS_REPO, HFLAYERS_COMMIT, source['origin'], source['blobs']),
        torch_version=torch.__version__,
        numpy_version=np.__version__,
        python_version=sys.version.split()[0],
        mode='eval, torch.no_grad(); parameters N(0, 0.5^2), LayerNorm scales 1 + 0.3 N(0, 1)',
        masks='hflayers booleans stored as float 0/1: 1 = blocked (the opposite of AiT.js masks)',
        script=os.path.relpath(here, here.parents[4]),
        configs=configs,
        round_trips=trips,
    )
    (args.out / 'fixture.json').write_text(json.dumps(info, indent=2) + '\n')
    sizes = {p.name: p.stat().st_size for p in args.out.iterdir()}
    print(f'wrote {args.out}: {len(sizes)} files, {sum(sizes.values())} bytes, largest {max(sizes.values())}; torch {torch.__version__}')
    for name, t in trips.items():
        print(f'  round trip {name}: {t["call"]}; state_dict unchanged in torch: {t["state_dict_bit_exact_in_torch"]}')


if __name__ == '__main__':
    main()
