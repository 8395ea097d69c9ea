// Writes docs/models/zoo.md from @ait/vision's model registry: every preset, its parameter count
// (built once on the cpu backend and counted with @ait/core's countParameters), its purpose and source.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

const esc = (s) =>
  String(s ?? '')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\n/g, ' ');
const num = (n) => (n === null ? 'n/a' : n.toLocaleString('en-US'));

function inputShape(defaults) {
  const size = defaults.imageSize;
  const channels = defaults.channels ?? 3;
  if (Array.isArray(size)) return [null, size[0], size[1], channels];
  return [null, size, size, channels];
}

/** Generates the model zoo page; returns the number of presets listed. */
export async function generateModelZoo(file) {
  const core = await import('@ait/core');
  const vision = await import('@ait/vision');
  await core.initBackend({ backend: 'cpu' });
  const models = vision.listModels();
  const rows = [];
  for (const m of models) {
    let counts = null;
    let error = null;
    try {
      const model = vision.createModel(m.name);
      const shape = inputShape(m.defaults);
      model.build(m.defaults.questionDim ? [shape, [null, m.defaults.questionDim]] : shape);
      counts = core.countParameters(model);
      model.dispose();
    } catch (err) {
      error = err instanceof Error ? err.message.split('\n')[0] : String(err);
    }
    rows.push({ ...m, counts, error });
  }
  const families = [...new Set(rows.map((r) => r.family))];
  const md = [
    '---',
    'title: Model zoo',
    '---',
    '',
    '# Model zoo',
    '',
    `Every preset registered in \`@ait/vision\` (${rows.length} presets in ${families.length} families), generated at build`,
    'time from `listModels()`. Parameter counts are exact: each preset is built once with its own default image',
    'size and classes and counted with `countParameters` from `@ait/core`. Non-trainable parameters are state',
    "buffers such as AiT's memory of priors. Create any preset with `createModel(name, overrides)` or train it",
    'with `ait train --model <name>`; `cpu` presets train in seconds to minutes on a laptop, `paper` presets',
    'reproduce the sizes of the papers.',
    '',
    '| family | presets | scales |',
    '|---|---|---|',
    ...families.map((f) => {
      const fr = rows.filter((r) => r.family === f);
      return `| [\`${f}\`](#${f}) | ${fr.length} | ${[...new Set(fr.map((r) => r.scale))].sort().join(', ')} |`;
    }),
    '',
  ];
  for (const f of families) {
    md.push(
      `## ${f}`,
      '',
      '| preset | scale | image | trainable | non-trainable | total | what it is for | source |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const r of rows.filter((x) => x.family === f)) {
      const size = r.defaults.imageSize;
      const image = `${Array.isArray(size) ? size.join('x') : `${size}x${size}`}x${r.defaults.channels ?? 3}`;
      const c = r.counts;
      md.push(
        `| \`${r.name}\` | ${r.scale} | ${image} | ${c ? num(c.trainable) : 'n/a'} | ${c ? num(c.nonTrainable) : 'n/a'} | ${c ? num(c.total) : `not built: ${esc(r.error)}`} | ${esc(r.description)} | ${esc(r.source)} |`,
      );
    }
    md.push('');
  }
  md.push(
    '## Default configurations',
    '',
    'The full default config of every preset, as `listModels()` returns it (override any field in `createModel`).',
    '',
  );
  for (const r of rows) {
    md.push(
      `<details><summary><code>${r.name}</code></summary>`,
      '',
      '```json',
      JSON.stringify(r.defaults, null, 2),
      '```',
      '',
      '</details>',
      '',
    );
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, md.join('\n'));
  return rows.length;
}
