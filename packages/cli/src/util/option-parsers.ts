import { z } from '@ait/core';
import { InvalidArgumentError } from 'commander';

/** What kind of value an option takes; tests and docs read it to know what a value looks like. */
export type OptionValueKind = 'integer' | 'number' | 'choice' | 'text' | 'list' | 'mapping' | 'switch';

/** Bounds of a numeric option: `min`/`max` inclusive, `above`/`below` exclusive. */
export interface NumberBounds {
  readonly min?: number;
  readonly above?: number;
  readonly max?: number;
  readonly below?: number;
}

/**
 * The value of a command-line option or config-file key: the zod schema that validates it (the one
 * check for the flag and the key, its messages saying what the value must be), and how a flag's
 * text becomes the value the schema checks.
 */
export interface OptionValue<S extends z.ZodType = z.ZodType> {
  readonly kind: OptionValueKind;
  /** Validates the value; its issue messages complete `key "x": ...` of a config file error. */
  readonly schema: S;
  /** What the value is, for people: `an integer >= 1`, `one of preset, paper`. */
  readonly expects: string;
  /** Turns a flag's text into what {@link OptionValue.schema} checks; absent for a switch (no value). */
  readonly fromText?: (text: string) => unknown;
  /** The names a `choice` value takes, shown by `--help`. */
  readonly choices?: readonly string[];
  /** The bounds of an `integer` or `number` value. */
  readonly bounds?: NumberBounds;
}

const INTEGER_TEXT = /^-?\d+$/;

/** `>= 1`, `from 1 to 8`, `in [0, 1)`: the bounds in words, or '' without bounds. */
function boundsPhrase(bounds: NumberBounds, integer: boolean): string {
  const low = bounds.min ?? bounds.above;
  const high = bounds.max ?? bounds.below;
  if (low !== undefined && high !== undefined) {
    if (integer && bounds.min !== undefined && bounds.max !== undefined) return `from ${low} to ${high}`;
    return `in ${bounds.min !== undefined ? '[' : '('}${low}, ${high}${bounds.max !== undefined ? ']' : ')'}`;
  }
  if (bounds.min !== undefined) return `>= ${bounds.min}`;
  if (bounds.above !== undefined) return `> ${bounds.above}`;
  if (bounds.max !== undefined) return `<= ${bounds.max}`;
  if (bounds.below !== undefined) return `< ${bounds.below}`;
  return '';
}

function numeric(kind: 'integer' | 'number', bounds: NumberBounds): OptionValue<z.ZodNumber> {
  const integer = kind === 'integer';
  const phrase = boundsPhrase(bounds, integer);
  const twoSided = (bounds.min ?? bounds.above) !== undefined && (bounds.max ?? bounds.below) !== undefined;
  // a two-sided range is said whole whichever end is crossed: "must be from 1 to 8"
  const message = (oneSided: string): string => `must be ${twoSided ? phrase : oneSided}`;
  let schema = z.number('must be a number');
  if (integer) schema = schema.int('must be an integer');
  if (bounds.min !== undefined) schema = schema.min(bounds.min, message(`>= ${bounds.min}`));
  if (bounds.above !== undefined) schema = schema.gt(bounds.above, message(`> ${bounds.above}`));
  if (bounds.max !== undefined) schema = schema.max(bounds.max, message(`<= ${bounds.max}`));
  if (bounds.below !== undefined) schema = schema.lt(bounds.below, message(`< ${bounds.below}`));
  return {
    kind,
    schema,
    expects: `${integer ? 'an integer' : 'a number'}${phrase === '' ? '' : ` ${phrase}`}`,
    // decimal digits only for an integer (no 1e3, no 0x10); a number as JavaScript reads it
    fromText: (text) => (text.trim() === '' || (integer && !INTEGER_TEXT.test(text.trim())) ? Number.NaN : Number(text)),
    bounds,
  };
}

/** An integer option (a safe integer), optionally bounded: `integerValue({ min: 1 })`. */
export function integerValue(bounds: NumberBounds = {}): OptionValue<z.ZodNumber> {
  return numeric('integer', bounds);
}

/** A finite number option, optionally bounded: `numberValue({ above: 0 })`. */
export function numberValue(bounds: NumberBounds = {}): OptionValue<z.ZodNumber> {
  return numeric('number', bounds);
}

/** One of a fixed list of names (`--backend`), listed by `--help`. */
export function choiceValue<const T extends readonly [string, ...string[]]>(names: T) {
  const list = names.join(', ');
  const schema = z.enum(names, `must be one of ${list}`);
  const value: OptionValue<typeof schema> = { kind: 'choice', schema, expects: `one of ${list}`, fromText: (text) => text, choices: names };
  return value;
}

/** Any text, e.g. a path or a name checked later; `what` says what it is: `a folder path`. */
export function textValue(what: string): OptionValue<z.ZodString> {
  return { kind: 'text', schema: z.string(`must be ${what}`), expects: what, fromText: (text) => text };
}

/** A comma-separated list of `names` (flag, config file) or a list of them (config file); the names are checked by the command. */
export function listValue<const T extends readonly [string, ...string[]]>(names: T) {
  const expects = `a comma-separated string or a list of ${names.join(', ')}`;
  const schema = z.union([z.string(), z.array(z.enum(names))], `must be ${expects}`);
  const value: OptionValue<typeof schema> = { kind: 'list', schema, expects, fromText: (text) => text };
  return value;
}

/** A mapping of names to values (config files only), e.g. `modelConfig`; `what` says what it maps. */
export function mappingValue(what: string): OptionValue<z.ZodRecord<z.ZodString, z.ZodUnknown>> {
  return { kind: 'mapping', schema: z.record(z.string(), z.unknown(), `must be ${what}`), expects: what };
}

/** A switch: a flag without a value (`--quiet`), `true` or `false` in a config file. */
export function switchValue(): OptionValue<z.ZodBoolean> {
  return { kind: 'switch', schema: z.boolean('must be true or false'), expects: 'true or false' };
}

/**
 * The commander parser of a flag's text: {@link OptionValue.fromText}, then the value's schema. A
 * bad value throws commander's `InvalidArgumentError` (usage error, exit 2) saying what the flag
 * expects: `expected an integer >= 1, got "two".`, or for a choice `Allowed choices are a, b.`
 */
export function flagParser<S extends z.ZodType>(value: OptionValue<S>): (text: string) => z.output<S> {
  return (text) => {
    const parsed = value.schema.safeParse(value.fromText === undefined ? text : value.fromText(text));
    if (parsed.success) return parsed.data;
    throw new InvalidArgumentError(
      value.choices !== undefined ? `Allowed choices are ${value.choices.join(', ')}.` : `expected ${value.expects}, got "${text}".`,
    );
  };
}

/** Commander parser for an integer >= `min`. */
export function intAtLeast(min: number): (value: string) => number {
  return flagParser(integerValue({ min }));
}

/** Commander parser for an integer in [min, max]. */
export function intInRange(min: number, max: number): (value: string) => number {
  return flagParser(integerValue({ min, max }));
}

/** Commander parser for a finite number > 0. */
export const positiveNumber: (value: string) => number = flagParser(numberValue({ above: 0 }));

/** Commander parser for an integer seed. */
export const seedValue: (value: string) => number = flagParser(integerValue());

/** Commander parser for a finite number >= 0. */
export const nonNegativeNumber: (value: string) => number = flagParser(numberValue({ min: 0 }));
