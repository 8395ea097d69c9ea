// The benchmark tables of packages/vision/README.md, rendered from the newest file of
// results/bench/vision/ (see scripts/bench-tables/readme-block.mjs at the repository root);
// `--write` puts them into the README, test/readme-bench-tables.test.ts checks they agree.
import { main, num, table } from '../../../scripts/bench-tables/readme-block.mjs';

function render(json, name) {
  const { presets, blocks } = json;
  const lines = [
    `Measured ${json.date.slice(0, 10)} by \`pnpm bench\` (file \`results/bench/vision/${name}\`) on ${json.cpus} logical cores ` +
      `(${json.cpuModel}), Node ${json.node.replace(/^v/, '')}, backend ${json.backend} as \`initBackend\` sets it up by default; ` +
      `batch ${presets.batch}, ${presets.steps} timed AdamW steps after 2 warm-up steps.`,
    '',
    table(
      ['preset', 'image', 'trainable params', 'ms / step', 'images / s', 'peak tensor MB', 'step adds MB'],
      presets.results.map((r) => [
        `\`${r.model}\``,
        String(r.imageSize),
        num(r.trainableParams),
        num(r.msPerStep, 1),
        num(r.imagesPerSecond, 1),
        num(r.peakTensorMB, 1),
        num(r.stepExtraMB, 1),
      ]),
    ),
    '',
    `One block on \`[${blocks.batch}, N, ${blocks.dim}]\`, median ms:`,
    '',
    table(
      ['block', 'N', 'forward ms', 'forward + backward ms'],
      blocks.results.map((r) => [r.block, num(r.tokens), num(r.forwardMs, 2), num(r.forwardBackwardMs, 2)]),
    ),
  ];
  if (Array.isArray(blocks.growth) && blocks.growth.length > 0) {
    const keys = Object.keys(blocks.growth[0]).filter((k) => k !== 'block');
    lines.push(
      '',
      'Growth exponent of the forward + backward time between token counts, `d log(time) / d log(N)` (1 is linear, 2 quadratic):',
      '',
      table(
        ['block', ...keys.map((k) => k.replace('->', '->'))],
        blocks.growth.map((g) => [g.block, ...keys.map((k) => num(g[k], 2))]),
      ),
    );
  }
  return lines.join('\n');
}

main('vision', 'vision-', render);
