"""Writes and reads float32 tensors as safetensors files, for the fixture scripts of this folder (run
them from anywhere: Python puts a script's own folder on its import path) and of
packages/hopfield/scripts/reference/."""
from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import torch


def save_safetensors(tensors: dict[str, torch.Tensor], path: Path, metadata: dict[str, str]) -> None:
    """float32 tensors as a safetensors file (the `safetensors` package when installed, else written
    here: 8-byte little-endian header length, JSON header padded to a multiple of 8, data in name order)."""
    tensors = {k: v.detach().to(torch.float32).contiguous() for k, v in tensors.items()}
    try:
        from safetensors.torch import save_file  # type: ignore
    except ImportError:
        save_file = None
    if save_file is not None:
        save_file(tensors, str(path), metadata=metadata)
        return
    header: dict = {'__metadata__': metadata} if metadata else {}
    chunks, offset = [], 0
    for name in sorted(tensors):
        data = tensors[name].numpy().astype('<f4').tobytes()
        header[name] = dict(dtype='F32', shape=list(tensors[name].shape), data_offsets=[offset, offset + len(data)])
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':'))
    text += ' ' * ((8 - (8 + len(text.encode())) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text.encode())))
        f.write(text.encode())
        for c in chunks:
            f.write(c)


def load_safetensors(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """The F32 tensors and the metadata of a safetensors file."""
    raw = path.read_bytes()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    metadata = header.pop('__metadata__', {})
    tensors = {}
    for name, e in header.items():
        if e['dtype'] != 'F32':
            raise SystemExit(f'{path}: tensor {name} is {e["dtype"]}; only F32 is expected here')
        a, b = e['data_offsets']
        values = np.frombuffer(raw[8 + n + a:8 + n + b], dtype='<f4').copy()
        tensors[name] = torch.from_numpy(values.reshape(e['shape']))
    return tensors, metadata
