import { spawn } from 'node:child_process';

/** Options for {@link runCommand}. */
export interface RunCommandOptions {
  /** Working directory of the command. */
  cwd: string;
  /** Environment; defaults to the current process environment. */
  env?: NodeJS.ProcessEnv;
  /** Kill the command after this many milliseconds (default 5 minutes). */
  timeoutMs?: number;
}

/** What a finished command printed. */
export interface CommandOutput {
  stdout: string;
  stderr: string;
}

/**
 * Runs `command args...` without a shell and resolves with its output once it exits with status 0.
 * Rejects with an Error that names the command, its folder, its exit status and the tail of its
 * output otherwise (or when it runs past `timeoutMs`).
 */
export function runCommand(command: string, args: readonly string[], options: RunCommandOptions): Promise<CommandOutput> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`Could not start \`${command}\` in ${options.cwd}: ${error.message}. Is it installed and on PATH?`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve({ stdout, stderr });
        return;
      }
      const tail = `${stdout}\n${stderr}`.trim().slice(-6000);
      const why = signal ? `was killed by ${signal} (time limit ${timeoutMs} ms)` : `exited with status ${code}`;
      reject(new Error(`\`${command} ${args.join(' ')}\` in ${options.cwd} ${why}. Output:\n${tail}`));
    });
  });
}
