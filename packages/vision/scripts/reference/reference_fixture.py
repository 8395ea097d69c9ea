"""What the fixture scripts of this folder (and packages/hopfield/scripts/reference/) share: the command
line, getting the reference code at its pinned commit, the float64 gradient pass, and writing
fixture.json. Python puts a script's own folder on its import path, so the scripts here import it
directly; the hopfield script adds this folder to ``sys.path`` first."""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
import torch.nn as nn

PLAIN_FILES = 'plain files (commit not checked)'


def fixture_arguments(script: str, doc: str, source: str, source_help: str, fixture: str) -> argparse.Namespace:
    """Parses a fixture script's command line: ``--<source>`` (the reference code, required), ``--out``
    (default: the package's ``test/fixtures/<fixture>``) and ``--seed`` (default 0). Then makes torch
    deterministic on one thread, as every fixture is made."""
    here = Path(script).resolve()
    parser = argparse.ArgumentParser(description=doc.split('\n')[0])
    parser.add_argument(f'--{source}', required=True, type=Path, help=source_help)
    parser.add_argument('--out', type=Path, default=here.parents[2] / 'test' / 'fixtures' / fixture)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    return args


def git_dir_of(path: Path) -> Path | None:
    """The git directory of `path` (a bare repository or a work tree), or None."""
    if (path / 'HEAD').is_file() and (path / 'objects').is_dir():
        return path
    if (path / '.git').exists():
        return path / '.git'
    return None


def blob_sha1(data: bytes) -> str:
    """Git's blob id of `data`."""
    return hashlib.sha1(b'blob %d\0' % len(data) + data).hexdigest()


@contextlib.contextmanager
def pinned_files(root: Path, commit: str, paths: list[str], prefix: str) -> Iterator[tuple[Path, str]]:
    """The files `paths` of the reference code: extracted from git at `commit` into a scratch folder
    (named `prefix`..., removed on exit) when `root` is a git repository, else `root` as it is.
    Yields the folder and where it came from."""
    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        git = git_dir_of(root)
        if git is None:
            yield root, PLAIN_FILES
            return
        data = subprocess.run(['git', f'--git-dir={git}', 'archive', '--format=tar', commit, *paths],
                              check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(scratch)  # noqa: S202 - the pinned reference commit, by design
        yield scratch, f'git {commit}'
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def float64_passes(net: nn.Module, gen: torch.Generator, batch: int, channels: int, size: int,
                   classes: int) -> tuple[dict[str, torch.Tensor], list[str]]:
    """The two passes of a fixture whose reference runs in float64. Draws from `gen`, in this order, the
    pass-1 images ``[batch, channels, size, size]``, the loss weights ``[batch, classes]`` and the
    pass-2 images, as float32; turns `net` into float64; pass 1 backpropagates
    ``sum(logits * loss_weights)`` from the images converted exactly, pass 2 runs forward only.
    Returns the io entries (``pass1.images``, ``pass1.loss_weights``, ``pass1.logits``,
    ``pass1.grad.*`` of the images and of every parameter, ``pass2.images``, ``pass2.logits``) and
    the names of the parameters that got no gradient."""
    images32 = torch.randn(batch, channels, size, size, generator=gen)
    loss_weights32 = torch.randn(batch, classes, generator=gen)
    images2_32 = torch.randn(batch, channels, size, size, generator=gen)
    net.double()
    images = images32.double().requires_grad_(True)
    logits = net(images)
    (logits * loss_weights32.double()).sum().backward()
    io_ = {
        'pass1.images': images32,
        'pass1.loss_weights': loss_weights32,
        'pass1.logits': logits.detach(),
        'pass1.grad.images': images.grad.detach(),
    }
    no_gradient = parameter_gradients(net, io_)
    with torch.no_grad():
        io_['pass2.images'] = images2_32
        io_['pass2.logits'] = net(images2_32.double())
    return io_, no_gradient


def parameter_gradients(net: nn.Module, io_: dict[str, torch.Tensor]) -> list[str]:
    """Adds the gradient of every parameter of `net` to `io_` as ``pass1.grad.<name>``; returns the
    names of the parameters that got none."""
    no_gradient = []
    for pname, p in net.named_parameters():
        if p.grad is None:
            no_gradient.append(pname)
        else:
            io_[f'pass1.grad.{pname}'] = p.grad.detach().clone()
    return no_gradient


def run_variants(variants: dict[str, dict], seed: int, out: Path, run: Callable[[str, dict, int, Path], dict]) -> dict[str, dict]:
    """Creates the folder `out` and runs ``run(name, variant, seed, out)`` for every variant, the
    seeds 10 apart from `seed`; returns what each run returned (what fixture.json records of it)."""
    out.mkdir(parents=True, exist_ok=True)
    return {name: run(name, v, seed + 10 * i, out) for i, (name, v) in enumerate(variants.items())}


def source_info(kind: str, repo: str, commit: str, origin: str, blobs: dict[str, str]) -> dict:
    """The first entries of fixture.json: which reference code ran (``<kind>_repo``, ``<kind>_commit``),
    where its files came from (``<kind>_files_from``) and their git blob ids (``<kind>_blobs``)."""
    return {f'{kind}_repo': repo, f'{kind}_commit': commit, f'{kind}_files_from': origin, f'{kind}_blobs': blobs}


def write_fixture_json(out: Path, info: dict) -> None:
    """Writes `info` as ``out/fixture.json`` and prints the folder's size and the torch version."""
    (out / 'fixture.json').write_text(json.dumps(info, indent=2) + '\n')
    total = sum(f.stat().st_size for f in out.iterdir())
    print(f'wrote {out} ({total} bytes); torch {torch.__version__}')
