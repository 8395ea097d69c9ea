/** The 'Examples:' block of a command's help: one `$ command` line each. */
export const examples = (lines: string[]): string => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
