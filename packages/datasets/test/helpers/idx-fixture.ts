// An IDX encoder written independently of the package's, for test fixtures: big-endian magic
// 0x0000TTRR, RR big-endian uint32 dimensions, then the values big-endian.

const CODES = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e } as const;
const SIZES = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 } as const;

export function idxBytes(type: keyof typeof CODES, dims: number[], values: ArrayLike<number>): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = CODES[type];
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  const body = Buffer.alloc(values.length * SIZES[type]);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (type === 'uint8') body.writeUInt8(v, i);
    else if (type === 'int8') body.writeInt8(v, i);
    else if (type === 'int16') body.writeInt16BE(v, 2 * i);
    else if (type === 'int32') body.writeInt32BE(v, 4 * i);
    else if (type === 'float32') body.writeFloatBE(v, 4 * i);
    else body.writeDoubleBE(v, 8 * i);
  }
  return Buffer.concat([head, body]);
}
