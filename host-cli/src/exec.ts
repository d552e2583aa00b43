/** Running host programs (podman, debootstrap, tar, bash) through the one spawner, capturing or streaming output. */
import { spawn } from '../../supervisor/src/sys/spawner';
import { shellExitCode } from '../../supervisor/src/sys/wait-status';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** 'capture' (default): collect stdout and stderr. 'inherit': the user's terminal. 'prefix': copy every line to
   * our stderr behind `prefix` (progress the user sees) and collect it too. */
  output?: 'capture' | 'inherit' | 'prefix';
  prefix?: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Copies whole lines to `sink` behind `prefix`; flush() writes a last line that had no newline. */
function lineCopier(prefix: string, sink: (s: string) => void): { push(chunk: Buffer): void; flush(): void } {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) sink(`${prefix}${line}\n`);
    },
    flush() {
      if (pending) sink(`${prefix}${pending}\n`);
      pending = '';
    },
  };
}

export async function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const mode = options.output ?? 'capture';
  const stdio = mode === 'inherit' ? (['inherit', 'inherit', 'inherit'] as const) : (['pipe', 'pipe', 'pipe'] as const);
  const { child, exited } = await spawn(file, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: [...stdio] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  if (mode !== 'inherit') {
    const copier = () => (mode === 'prefix' ? lineCopier(options.prefix ?? '', (s) => process.stderr.write(s)) : undefined);
    const [showOut, showErr] = [copier(), copier()];
    child.stdout?.on('data', (b: Buffer) => (out.push(b), showOut?.push(b)));
    child.stderr?.on('data', (b: Buffer) => (err.push(b), showErr?.push(b)));
    child.stdout?.on('end', () => showOut?.flush());
    child.stderr?.on('end', () => showErr?.flush());
    child.stdin?.on('error', () => undefined); // a program that exits without reading its input
    child.stdin?.end(options.input ?? '');
  }
  const status = await exited;
  return { code: shellExitCode(status), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** Runs and returns stdout; throws an Error carrying the program's own message when it fails. */
export async function check(file: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  const result = await run(file, args, options);
  if (result.code !== 0) {
    const detail = result.stderr.trim().split('\n').slice(-3).join(' / ') || `exit ${result.code}`;
    throw new Error(`${file} ${args.slice(0, 2).join(' ')} failed: ${detail}`);
  }
  return result.stdout;
}
