// The benchmark tables of packages/hopfield/README.md, rendered from the newest file of
// results/bench/hopfield/ (see scripts/bench-tables/readme-block.mjs at the repository root);
// `--write` puts them into the README, test/readme-bench-tables.test.ts checks they agree.
import { main, num, table } from '../../../scripts/bench-tables/readme-block.mjs';

function render(json, name) {
  const lines = [
    `Measured ${json.date.slice(0, 10)} by \`pnpm bench\` (file \`results/bench/hopfield/${name}\`), Node ${json.node.replace(/^v/, '')}, ` +
      `backend ${json.backend}, median of ${json.repeats} runs:`,
    '',
    table(
      ['retrieval (whole batch)', 'width', 'patterns', 'queries', 'steps', 'ms', 'queries / s'],
      json.throughput.map((r) => [r.memory, num(r.dim), num(r.patterns), num(r.queries), num(r.steps), num(r.ms, 2), num(r['queries/s'])]),
    ),
    '',
    `One modern Hopfield step grows with the number of stored patterns with exponent ${num(json.modernByPatterns.exponent, 2)} ` +
      `and with the width with exponent ${num(json.modernByWidth.exponent, 2)} (fitted over the rows below; fixed per-call costs flatten the small sizes):`,
    '',
    table(
      ['patterns', 'width', 'queries', 'ms'],
      [...json.modernByPatterns.rows, ...json.modernByWidth.rows].map((r) => [num(r.patterns), num(r.dim), num(r.queries), num(r.ms, 2)]),
    ),
    '',
    table(
      ['Hopfield layer, batch', 'tokens', 'width', 'heads', 'ms', 'tokens / s'],
      json.hopfieldLayer.map((r) => [num(r.batch), num(r.tokens), num(r.width), num(r.heads), num(r.ms, 2), num(r['tokens/s'])]),
    ),
  ];
  return lines.join('\n');
}

main('hopfield', 'hopfield-', render);
