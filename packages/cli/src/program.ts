import type { BackendChoice } from '@ait/core';
import { Command, CommanderError, Option } from 'commander';
import { version } from '../package.json';
import { BENCH_SUITES, benchCommand, type BenchCommandOptions } from './commands/bench';
import { evalCommand, type EvalCommandOptions } from './commands/eval';
import { EXPORT_FORMATS, exportCommand, type ExportCommandOptions } from './commands/export';
import { importCommand, type ImportCommandOptions } from './commands/import';
import { inspectCommand } from './commands/inspect';
import { modelsCommand, type ModelsCommandOptions } from './commands/models';
import { predictCommand, type PredictCommandOptions } from './commands/predict';
import { reproCommand, type ReproCommandOptions } from './commands/repro';
import { visualizeCommand, type VisualizeOptions } from './commands/visualize';
import { BACKENDS, DEFAULT_DATASET, DEFAULT_MODEL, trainCommand, type TrainCommandOptions } from './commands/train';
import { CliError, oneLine } from './util/cli-error';
import type { CliIo } from './util/cli-io';
import { CLI_DATASETS } from './util/dataset-choice';
import { describeFsError, isFsError } from './util/fs-error';
import { intAtLeast, intInRange } from './util/option-parsers';
import { WEIGHT_LAYOUTS } from './util/safetensors-export-info';
import { addDataCommands } from './program-data-commands';
import { examples } from './util/help-examples';
import { addTrainOptions, trainCommanderOption } from './util/train-options';

/** Version printed by `ait --version`: this package's version (tsup inlines it from package.json). */
export const CLI_VERSION: string = version;

/**
 * Builds the `ait` programme (commander) writing to `io`. Each action stores its exit code in
 * `exit.code`; errors propagate to {@link runCli}.
 */
export function buildProgram(io: CliIo, exit: { code: number }): Command {
  const program = new Command('ait')
    .description('AiT.js: train, evaluate, inspect and generate data for Associative Transformer models.')
    .version(CLI_VERSION)
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s), outputError: (s, write) => write(s) })
    .exitOverride();
  program.addHelpText(
    'after',
    examples(['ait train', 'ait train --dataset mnist --epochs 3', 'ait models --scale cpu', 'ait eval runs/my-run']),
  );

  const withJson = (c: Command): Command => c.option('--json', 'machine-readable JSON output on stdout').exitOverride();
  const backendOption = (): Option => trainCommanderOption('backend');

  withJson(
    addTrainOptions(
      program
        .command('train')
        .description(
          `train a model (default ${DEFAULT_MODEL} on generated ${DEFAULT_DATASET} data), evaluating and checkpointing every epoch`,
        ),
      // the flags come from TRAIN_OPTIONS (util/train-option-table.ts); --dataset's help text from here
      { dataset: `data set: ${CLI_DATASETS.join(', ')}, or a folder from \`ait data generate\` (default ${DEFAULT_DATASET})` },
    ).addHelpText(
      'after',
      examples([
        'ait train',
        'ait train --model ait-tiny --dataset mnist --epochs 3 --out runs/mnist',
        'ait train --config train.yaml',
        'ait train --resume runs/mnist',
        'ait train --resume runs/mnist/checkpoints/ckpt-s000001876-e00002.ckpt --lr 0.0002 --clip-norm 1',
        'ait train --dataset triangle --train-size 2000 --epochs 2 --json',
        'ait train --dataset cifar10 --model ait-tiny --recipe paper --epochs 10',
        'ait train --dataset fashion-mnist --augment crop,flip --crop-padding 2 --weight-decay 0.01',
      ]),
    ),
  ).action(async (opts: TrainCommandOptions) => {
    exit.code = await trainCommand(opts, io);
  });

  withJson(
    program
      .command('eval')
      .description('loss, accuracy and confusion matrix of a checkpoint on its test data (Sort-of-CLEVR: also per question type)')
      .argument('<target>', 'run directory (newest checkpoint) or .ckpt file')
      .option('--best', "the run directory's best checkpoint (checkpoints/best.ckpt, highest test accuracy) instead of its newest")
      .option(
        '--pretrained',
        'the target names a pretrained model shipped with @ait/vision (see listPretrained): its test split, beside the accuracy its manifest records',
      )
      .option('-d, --dataset <name|dir>', "another data set's test split instead of the run's")
      .option('--limit <n>', 'evaluate only the first n examples', intAtLeast(1))
      .option('-b, --batch-size <n>', 'examples per batch (default 128)', intAtLeast(1))
      .addOption(backendOption())
      .addHelpText(
        'after',
        examples([
          'ait eval runs/my-run',
          'ait eval runs/my-run --best',
          'ait eval runs/my-run/checkpoints/ckpt-s000000300-e00002.ckpt --json',
          'ait eval --pretrained ait-tiny-conv-triangle --limit 300',
        ]),
      ),
  ).action(async (target: string, opts: EvalCommandOptions) => {
    exit.code = await evalCommand(target, opts, io);
  });

  withJson(
    program
      .command('models')
      .description("the model registry with parameter counts (counted from each preset's config, nothing is built)")
      .option('--family <family>', 'only this family (e.g. ait, vit)')
      .option('--scale <scale>', 'only cpu-size or paper-size presets')
      .option('--wide', 'whole descriptions, however long the lines get (by default they are shortened to fit 100 columns)')
      .addOption(
        new Option(
          '--backend <name>',
          'backend for building a preset whose parameters cannot be counted from its config (default auto)',
        ).choices(BACKENDS as string[]),
      )
      .addHelpText('after', examples(['ait models', 'ait models --scale cpu --wide', 'ait models --family ait --json'])),
  ).action(async (opts: ModelsCommandOptions) => {
    exit.code = await modelsCommand(opts, io);
  });

  withJson(
    program
      .command('inspect')
      .description("a checkpoint's file facts, position, run config, model summary and metrics")
      .argument('<target>', 'run directory (newest checkpoint) or .ckpt file')
      .addOption(backendOption())
      .addHelpText(
        'after',
        examples(['ait inspect runs/my-run', 'ait inspect runs/my-run/checkpoints/ckpt-s000000300-e00002.ckpt --json']),
      ),
  ).action(async (target: string, opts: { backend?: BackendChoice; json?: boolean }) => {
    exit.code = await inspectCommand(target, opts, io);
  });

  withJson(
    program
      .command('visualize')
      .description(
        "a model's internal maps on one image as SVG and PNG heat maps with colour bars and overlays on the image (AiT: attention, bottleneck gates, priors, Hopfield associations)",
      )
      .argument('<target>', 'run directory (newest checkpoint) or .ckpt file')
      .requiredOption('-i, --image <index|file>', "index into the run's test split, or a PNG/JPEG file")
      .option('-o, --out <dir>', 'output folder (default <run>/visualize/<image>)')
      .addOption(
        new Option(
          '--competition <mode>',
          "AiT: how tokens compete for the memory slots in the figures: sample (default; the image's tokens compete alone) or batch (the image among --batch-size test images, as batch-competition training does)",
        ).choices(['sample', 'batch']),
      )
      .option('-b, --batch-size <n>', 'test images in the batch of --competition batch (default 64)', intAtLeast(1))
      .addOption(backendOption())
      .addHelpText(
        'after',
        examples([
          'ait visualize runs/my-run --image 0',
          'ait visualize runs/my-run --image 0 --competition batch --batch-size 32',
          'ait visualize runs/my-run --image digit.png --out figures',
        ]),
      ),
  ).action(async (target: string, opts: VisualizeOptions) => {
    exit.code = await visualizeCommand(target, opts, io);
  });

  withJson(
    program
      .command('predict')
      .description("a trained model's class probabilities for PNG/JPEG images, normalised as its training data was")
      .argument('<target>', 'run directory (newest checkpoint) or .ckpt file')
      .argument('<images...>', 'PNG/JPEG files, or folders searched for them (sub-folders too)')
      .option('--best', "the run directory's best checkpoint (checkpoints/best.ckpt) instead of its newest")
      .option('--pretrained', 'the target names a pretrained model shipped with @ait/vision (see listPretrained), not a run')
      .option('-k, --top <k>', 'classes listed per image, most probable first (default 3)', intAtLeast(1))
      .addOption(backendOption())
      .addHelpText(
        'after',
        examples([
          'ait predict runs/my-run digit.png',
          'ait predict runs/my-run photos/ --best --top 1',
          'ait predict runs/my-run a.png b.jpg --json',
          'ait predict --pretrained ait-tiny-conv-mnist digit.png',
        ]),
      ),
  ).action(async (target: string, images: string[], opts: PredictCommandOptions) => {
    exit.code = await predictCommand(target, images, opts, io);
  });

  withJson(
    program
      .command('export')
      .description(
        'a checkpoint as a TF.js Layers model (model.json + weights.bin + ait-model.json) for loadLayersModel (@tensorflow/tfjs-layers) in Node or a browser, or its weights as safetensors (model.safetensors + ait-model.json) for ait import and PyTorch',
      )
      .argument('<target>', 'run directory (newest checkpoint) or .ckpt file')
      .requiredOption('-o, --out <dir>', 'output folder (created if missing; must not already hold a model)')
      .option('--best', "the run directory's best checkpoint (checkpoints/best.ckpt) instead of its newest")
      .addOption(
        new Option(
          '--format <format>',
          'layers: a TF.js Layers model (default); safetensors: the weights, with the preset, model config, data set and recipe in ait-model.json',
        ).choices([...EXPORT_FORMATS]),
      )
      .addOption(
        new Option(
          '--layout <layout>',
          "tensor names of --format safetensors: aitjs (AiT.js weight names, default) or official (the official PyTorch AiT's or ViT's state_dict, for load_state_dict; AiT and ViT configs the official code has only)",
        ).choices([...WEIGHT_LAYOUTS]),
      )
      .addOption(backendOption())
      .addHelpText(
        'after',
        examples([
          'ait export runs/my-run --out models/my-model',
          'ait export runs/my-run --best --out web/model --json',
          'ait export runs/my-run --format safetensors --out weights/my-run',
          'ait export runs/my-run --format safetensors --layout official --out weights/for-pytorch',
        ]),
      ),
  ).action(async (target: string, opts: ExportCommandOptions) => {
    exit.code = await exportCommand(target, opts, io);
  });

  withJson(
    program
      .command('import')
      .description(
        'safetensors weights (of ait export --format safetensors, or the official PyTorch AiT/ViT state_dict) as a run directory for ait eval, predict, visualize, export and train --resume (fine-tuning)',
      )
      .argument('<file>', 'a .safetensors file')
      .requiredOption('-o, --out <dir>', 'run directory to write (new or empty)')
      .option('-m, --model <preset>', 'registered model preset of the weights (default: the ait-model.json beside the file)')
      .option(
        '-c, --config <file>',
        'JSON or YAML file as for ait train --config: model, modelConfig (the settings that shape the weights), dataset and the recipe for fine-tuning',
      )
      .option(
        '-d, --dataset <name|dir>',
        `data set the model is for: ${CLI_DATASETS.join(', ')}, or a folder from \`ait data generate\` (default: the config file's, or the ait-model.json beside the file)`,
      )
      .addOption(
        new Option(
          '--layout <layout>',
          "tensor names in the file: aitjs (AiT.js weight names) or official (the official PyTorch code's state_dict); default the ait-model.json beside the file, else guessed from the names",
        ).choices([...WEIGHT_LAYOUTS]),
      )
      .addOption(backendOption())
      .addHelpText(
        'after',
        examples([
          'ait import weights/my-run/model.safetensors --out runs/imported',
          'ait import ait_cifar10.safetensors --layout official --config ait-small.yaml --dataset cifar10 --out runs/from-pytorch',
          'ait import weights.safetensors --model ait-tiny --dataset triangle --out runs/imported --json',
        ]),
      ),
  ).action(async (file: string, opts: ImportCommandOptions) => {
    exit.code = await importCommand(file, opts, io);
  });

  withJson(
    program
      .command('bench')
      .description('the benchmark suites on this machine (model presets, @ait/core kernels), as one table')
      .addOption(new Option('--suite <name>', 'models, kernels or all (default all)').choices([...BENCH_SUITES]))
      .option('--models <names>', 'comma-separated presets (default: the CPU-size AiT and ViT presets)')
      .option('-b, --batch-size <n>', 'images per batch (default 32)', intAtLeast(1))
      .option('--steps <n>', 'timed steps per model (default 5) and of the reference ViT (default 3) after a warm-up step', intAtLeast(1))
      .addOption(backendOption())
      .option('-o, --out <dir>', 'also write the results as JSON into this folder')
      .addHelpText(
        'after',
        examples(['ait bench', 'ait bench --suite kernels', 'ait bench --models ait-tiny,vit-tiny --backend wasm --json']),
      ),
  ).action(async (opts: BenchCommandOptions) => {
    exit.code = await benchCommand(opts, io);
  });

  const list = (v: string): string[] =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  withJson(
    program
      .command('repro')
      .description(
        'the reproduction suite: AiT, its ablations, ViT and Coordination on four data sets, several seeds; results.csv and results.md',
      )
      .option('--quick', 'a check in minutes (small sizes, one seed) instead of the full suite (hours)')
      .option(
        '-o, --out <dir>',
        'output folder; run the same command again to continue an interrupted suite (default repro/full or repro/quick)',
      )
      .option('--datasets <names>', 'only these data sets (comma-separated: triangle, sort-of-clevr, mnist, fashion-mnist)', list)
      .option(
        '--models <labels>',
        'only these models (comma-separated labels, e.g. ait-conv,vit,ait-conv/noMemory; ait-conv/* for all ablations of ait-conv)',
        list,
      )
      .option('--seeds <n>', "at most this many seeds per model (default: the plan's, 3 and 2 for ablations)", intAtLeast(1))
      .option('--dry-run', 'list the runs, their folders and state, and how long those still to train take; train nothing')
      .option(
        '--timings <csv>',
        "with --dry-run: estimate from this results.csv's run times too (e.g. the repository's results/repro/results.csv)",
      )
      .addOption(backendOption())
      .option('--threads <n>', 'wasm threads per run, 1-8 (default: every core, at most 8)', intInRange(1, 8))
      .addHelpText(
        'after',
        examples([
          'ait repro --quick',
          'ait repro --datasets triangle --seeds 1',
          'ait repro --dry-run --timings results/repro/results.csv',
        ]),
      ),
  ).action(async (opts: Omit<ReproCommandOptions, 'launch'>) => {
    exit.code = await reproCommand(opts, io);
  });

  addDataCommands(program, io, exit, withJson);

  return program;
}

/**
 * Runs the `ait` command line with `argv` (without the node and script paths) and returns the
 * exit code: 0 on success, 1 on failure, 2 on usage errors, 130 when training was stopped by
 * Ctrl-C. Failures print one line `error: <reason>` to stderr (a file-system error names the path,
 * the problem in words and what to do) and, with `--json`, a JSON object `{ "error": ... }` to
 * stdout. `io` defaults to the process streams.
 */
export async function runProgram(argv: readonly string[], io: CliIo): Promise<number> {
  const exit = { code: 0 };
  const program = buildProgram(io, exit);
  const json = argv.includes('--json');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      if (json) io.stdout(`${JSON.stringify({ error: oneLine(err.message.replace(/^error: /, '')), exitCode: 2 })}\n`);
      return 2;
    }
    const code = err instanceof CliError ? err.exitCode : 1;
    // a raw file-system error (a full disk while writing metrics, ...): the path, the problem in words, the fix
    const message = !(err instanceof CliError) && isFsError(err) ? oneLine(describeFsError(err)) : oneLine(err);
    io.stderr(`error: ${message}\n`);
    if (json) io.stdout(`${JSON.stringify({ error: message, exitCode: code })}\n`);
    return code;
  }
}
