// The options of `ait train` are written once, in TRAIN_OPTIONS (issue 20): the flags, the config
// file schema and the --resume rules are made from it. These tests run over the table, so an entry
// added there is checked without a new test.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '@ait/core/testing';
import { buildProgram, captureIo, CliError, trainConfigFileSchema } from '../src/index';
import { flagParser, type OptionValue } from '../src/util/option-parsers';
import { RESUME_CHANGEABLE } from '../src/util/resume-settings';
import type { RunConfig } from '../src/util/run-config';
import { flagName, TRAIN_OPTIONS, trainOptionEntries, trainOptionsWithRole } from '../src/util/train-option-table';
import { trainOptionFlags, type TrainCommandOptions } from '../src/util/train-options';
import { resolveRun } from '../src/util/train-plan';
import { cli } from './helpers';

const entries = trainOptionEntries();

/** A valid value of each kind, as a config file holds it (a flag gets `String(value)`), chosen unlike the stored run below. */
function validValue(value: OptionValue): unknown {
  const b = value.bounds ?? {};
  switch (value.kind) {
    case 'integer':
      return b.min ?? (b.above !== undefined ? b.above + 1 : 3);
    case 'number':
      return (b.min ?? b.above ?? 0) + 0.5;
    case 'choice':
      return value.choices?.[value.choices.length - 1];
    case 'text':
      return 'some-name';
    case 'list':
      return 'flip';
    case 'mapping':
      return { depth: 5 };
    case 'switch':
      return true;
  }
}

/** A value the schema refuses: for a flag (text) where one exists, and for a config file. */
function badValues(value: OptionValue): { flag?: string; file: unknown } {
  const b = value.bounds ?? {};
  const low = b.min !== undefined ? b.min - 1 : b.above;
  switch (value.kind) {
    case 'integer':
      return low !== undefined ? { flag: String(low), file: low } : { flag: '1.5', file: 1.5 };
    case 'number':
      return { flag: String(low ?? 'x'), file: low ?? 'x' };
    case 'choice':
      return { flag: 'no-such-choice', file: 'no-such-choice' };
    default:
      return { file: 3 };
  }
}

/** The `ait train` programme with an action that only records the parsed options. */
async function parseTrainFlags(argv: string[]): Promise<TrainCommandOptions> {
  const program = buildProgram(captureIo(), { code: 0 });
  let parsed: TrainCommandOptions | undefined;
  program.commands
    .find((c) => c.name() === 'train')!
    .action((opts: TrainCommandOptions) => {
      parsed = opts;
    });
  await program.parseAsync(['train', ...argv], { from: 'user' });
  return parsed!;
}

const dir = useTempDir('ait-train-options-');
let fileCount = 0;

async function configFile(settings: Record<string, unknown>): Promise<string> {
  const path = join(dir(), `config-${fileCount++}.json`);
  await writeFile(path, JSON.stringify(settings), 'utf8');
  return path;
}

describe('ait train: options from TRAIN_OPTIONS', () => {
  it('--help shows every flag of the table (and no other but --json and --help) and --config names the keys without a flag', async () => {
    const help = await cli('train', '--help');
    expect(help.code).toBe(0);
    const flags = entries.filter((e) => e.spec.flag);
    for (const { key } of flags) expect(help.out, key).toContain(`  ${trainOptionFlags(key)}  `);
    const configLine = help.out.slice(help.out.indexOf('--config <file>'), help.out.indexOf('--resume <dir|ckpt>')).replace(/\s+/g, ' ');
    for (const e of entries.filter((x) => !x.spec.flag)) expect(configLine, e.key).toContain(e.key);
    for (const e of entries.filter((x) => x.spec.flag && !x.spec.configFile)) expect(configLine, e.key).toContain(flagName(e.key));
    const program = buildProgram(captureIo(), { code: 0 });
    const train = program.commands.find((c) => c.name() === 'train')!;
    expect(train.options.map((o) => o.long)).toEqual([...flags.map((e) => flagName(e.key)), '--json']);
  });

  it('the config file schema has exactly the keys the table lets a file set', () => {
    expect(Object.keys(trainConfigFileSchema.shape)).toEqual(entries.filter((e) => e.spec.configFile).map((e) => e.key));
  });

  const flagEntries = entries.filter((e) => e.spec.flag);
  const fileEntries = entries.filter((e) => e.spec.configFile);

  it.each(flagEntries)('--$key: a valid value parses to what the schema gives', async ({ key, spec }) => {
    const valid = validValue(spec.value);
    const opts = await parseTrainFlags(spec.value.kind === 'switch' ? [flagName(key)] : [flagName(key), String(valid)]);
    expect(opts[key]).toEqual(spec.value.schema.parse(valid));
  });

  it.each(fileEntries)('config key $key: a valid value is accepted and reads back', async ({ key, spec }) => {
    const valid = validValue(spec.value);
    const r = await cli('train', '--config', await configFile({ [key]: valid }), '--model', 'no-such-model');
    // the file was accepted: the run stops at the unknown model (a flag, checked after the file), not at the file
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: Unknown model "no-such-model"/);
    expect(trainConfigFileSchema.parse({ [key]: valid })).toEqual({ [key]: spec.value.schema.parse(valid) });
  });

  it.each(flagEntries.filter((e) => badValues(e.spec.value).flag !== undefined))(
    '--$key: a bad value is refused (exit 2) saying what the flag expects',
    async ({ key, spec }) => {
      const bad = badValues(spec.value).flag!;
      const r = await cli('train', flagName(key), bad);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`option '${trainOptionFlags(key)}' argument '${bad}' is invalid.`);
      expect(r.err).toContain(spec.value.choices !== undefined ? 'Allowed choices are' : `expected ${spec.value.expects}, got "${bad}"`);
    },
  );

  it.each(fileEntries)(
    "config key $key: a bad value is refused (exit 2) with the schema's message, like its flag",
    async ({ key, spec }) => {
      const bad = badValues(spec.value);
      const r = await cli('train', '--config', await configFile({ [key]: bad.file }));
      expect(r.code).toBe(2);
      const issue = spec.value.schema.safeParse(bad.file).error?.issues[0]?.message;
      expect(issue).toMatch(/^must be /);
      expect(r.err).toContain(`key "${key}": ${issue}`);
      // the flag's bad text, where a flag can be wrong, fails the same schema
      if (spec.flag && bad.flag !== undefined) expect(() => flagParser(spec.value)(bad.flag!)).toThrow(InvalidArgumentError);
    },
  );
});

describe('ait train --resume: the options it may change are the may-change entries of the table', () => {
  const stored: RunConfig = {
    format: 'ait-cli/run',
    version: 1,
    model: 'ait-tiny',
    modelConfig: {},
    dataset: {
      choice: 'triangle',
      train: { name: 'triangle', split: 'train', size: 32 },
      test: { name: 'triangle', split: 'test', size: 16 },
    },
    recipe: { epochs: 2, batchSize: 16, lr: 1e-3, weightDecay: 0.05, warmupEpochs: 0.25, labelSmoothing: 0, clipNorm: 0 },
    recipeName: 'preset',
    seed: 9,
    checkpointEvery: null,
    backend: 'cpu',
  };
  let runDir: string;
  beforeAll(async () => {
    runDir = join(dir(), 'run');
    await mkdir(runDir);
    await writeFile(join(runDir, 'run.json'), JSON.stringify(stored), 'utf8');
  });

  it('RESUME_CHANGEABLE, the --resume help and the clash message list exactly those options', async () => {
    const mayChange = trainOptionsWithRole('may-change');
    expect(RESUME_CHANGEABLE).toEqual(mayChange);
    expect(mayChange).toEqual(expect.arrayContaining(['epochs', 'lr', 'clipNorm', 'warmupEpochs', 'weightDecay', 'checkpointEvery']));
    const help = (await cli('train', '--help')).out.replace(/\s+/g, ' ');
    const listed = /checkpoints\/ folder; (.*?) may change/.exec(help)?.[1];
    expect(listed?.split(/, | and /).sort()).toEqual(mayChange.map(flagName).sort());
    const clash = await cli('train', '--resume', runDir, '--seed', '1');
    expect(clash.code).toBe(2);
    const sentence = /With --resume you may change (.*?), and choose/.exec(clash.err)?.[1];
    expect(sentence?.split(/, | and /).sort()).toEqual(mayChange.map(flagName).sort());
  });

  const settings = entries.filter((e) => e.spec.onResume !== 'not-a-setting');
  it.each(settings)('$key ($spec.onResume): given with --resume, as a flag or else a config key', async ({ key, spec }) => {
    const valid = key === 'dataset' ? 'mnist' : validValue(spec.value);
    const argv = spec.flag
      ? spec.value.kind === 'switch'
        ? [flagName(key)]
        : [flagName(key), String(valid)]
      : ['--config', await configFile({ [key]: valid })];
    const options = await parseTrainFlags(['--resume', runDir, ...argv]);
    const outcome = await resolveRun(options).then(
      (plan) => ({ changes: plan.resume?.changes ?? {} }),
      (err: unknown) => err,
    );
    if (spec.onResume === 'must-match') {
      expect(outcome).toBeInstanceOf(CliError);
      expect((outcome as CliError).exitCode).toBe(2);
      expect((outcome as CliError).message).toContain(spec.flag ? `${flagName(key)} is ` : `key "${key}`);
    } else if (spec.onResume === 'may-change') {
      const from = key === 'checkpointEvery' ? stored.checkpointEvery : stored.recipe[key as keyof RunConfig['recipe']];
      expect(outcome).toEqual({ changes: { [key]: { from, to: valid } } });
    } else {
      expect(outcome).toEqual({ changes: {} });
    }
  });

  it('a must-match option given with the run’s own value is accepted', async () => {
    const options = await parseTrainFlags(['--resume', runDir, '--seed', '9', '--batch-size', '16', '--model', 'ait-tiny']);
    await expect(resolveRun(options)).resolves.toMatchObject({ resume: { changes: {} } });
  });
});

describe('the value kinds of the table', () => {
  it('say the same thing to a flag and to a config key', () => {
    const threads = TRAIN_OPTIONS.threads.value;
    expect(threads.expects).toBe('an integer from 1 to 8');
    expect(threads.schema.safeParse(9).error?.issues[0]?.message).toBe('must be from 1 to 8');
    expect(TRAIN_OPTIONS.lr.value.expects).toBe('a number > 0');
    expect(TRAIN_OPTIONS.labelSmoothing.value.schema.safeParse(1).error?.issues[0]?.message).toBe('must be in [0, 1)');
    // an integer flag is decimal digits: no 1e3, no 0x10, no 2.0
    const epochs = flagParser(TRAIN_OPTIONS.epochs.value);
    for (const text of ['1e3', '0x10', '2.0', '', ' '])
      expect(() => epochs(text), text).toThrow(`expected an integer >= 1, got "${text}".`);
    expect(epochs(' 12 ')).toBe(12);
    expect(flagParser(TRAIN_OPTIONS.lr.value)('1e-4')).toBe(1e-4);
    expect(() => flagParser(TRAIN_OPTIONS.backend.value)('gpu')).toThrow(
      'Allowed choices are auto, tensorflow-gpu, tensorflow, webgpu, wasm, cpu.',
    );
  });
});
