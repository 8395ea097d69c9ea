import type { Command } from 'commander';
import { Option } from 'commander';
import { dataGenerateCommand } from './commands/data-generate';
import { dataInfoCommand } from './commands/data-info';
import { dataPreviewCommand, type DataPreviewOptions } from './commands/data-preview';
import type { CliIo } from './util/cli-io';
import { CLI_DATASETS } from './util/dataset-choice';
import { intAtLeast, intInRange, seedValue } from './util/option-parsers';
import { examples } from './util/help-examples';

/**
 * Adds `ait data` and its subcommands (`generate`, `info`, `preview`) to the `ait` programme;
 * `withJson` adds the `--json` flag as on every other command. Each action stores its exit code in
 * `exit.code`.
 */
export function addDataCommands(program: Command, io: CliIo, exit: { code: number }, withJson: (c: Command) => Command): void {
  const data = program
    .command('data')
    .description('generate synthetic data sets and describe data sets')
    .exitOverride()
    .addHelpText('after', examples(['ait data generate triangle --n 5000 --out data/triangle', 'ait data info mnist']));
  withJson(
    data
      .command('generate')
      .description('write a synthetic data set (train/ and test/ folders) for `ait train --dataset <out>`')
      .argument('<task>', 'triangle or sort-of-clevr')
      .option('-n, --n <count>', 'training examples (sort-of-clevr: images)', intAtLeast(1))
      .option('--test-n <count>', 'test examples (default n / 5)', intAtLeast(1))
      .option('--seed <n>', 'seed of the generator (default 0)', seedValue)
      .option('-o, --out <dir>', 'output folder (default data/<task>)')
      .addHelpText(
        'after',
        examples(['ait data generate triangle --n 5000 --seed 1 --out data/triangle', 'ait data generate sort-of-clevr --n 500 --json']),
      ),
  ).action(async (task: string, opts: { n?: number; testN?: number; seed?: number; out?: string; json?: boolean }) => {
    exit.code = await dataGenerateCommand(task, opts, io);
  });
  withJson(
    data
      .command('info')
      .description('size, image shape, classes and normalisation of a data set')
      .argument('<dataset>', `${CLI_DATASETS.join(', ')}, or a folder from \`ait data generate\``)
      .addHelpText('after', examples(['ait data info triangle', 'ait data info data/triangle --json'])),
  ).action(async (dataset: string, opts: { json?: boolean }) => {
    exit.code = await dataInfoCommand(dataset, opts, io);
  });
  withJson(
    data
      .command('preview')
      .description('a PNG grid of examples with an SVG of the same grid labelled (Sort-of-CLEVR: with question and answer)')
      .argument('<dataset>', `${CLI_DATASETS.join(', ')}, or a folder from \`ait data generate\``)
      .option('-n, --n <count>', 'examples to show (default 16)', intInRange(1, 256))
      .addOption(new Option('--split <split>', 'train or test (default train)').choices(['train', 'test']))
      .option('--seed <n>', 'seed of the choice of examples (default 0)', seedValue)
      .option('-o, --out <file.png>', 'PNG file; the SVG goes next to it (default <dataset>-<split>-preview.png)')
      .addHelpText(
        'after',
        examples([
          'ait data preview triangle',
          'ait data preview sort-of-clevr --n 8 --out soc.png',
          'ait data preview mnist --split test --seed 3 --json',
        ]),
      ),
  ).action(async (dataset: string, opts: DataPreviewOptions) => {
    exit.code = await dataPreviewCommand(dataset, opts, io);
  });
}
