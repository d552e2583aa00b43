/**
 * CMD under s6-overlay: run after every service is up, in the image's WORKDIR, with the minimal environment (PATH
 * only, unless S6_KEEP_ENV: prefix it with `with-contenv` for the container's), after S6_CMD_ARG0's words.
 * Its exit status (128+n when signal n killed it) becomes the container's exit code.
 *
 * On a terminal CMD stays in init's process group, so ^C and job control work as at a shell; otherwise it gets its
 * own session so that signals meant for init do not reach it twice.
 */
import * as fs from 'node:fs';
import type { StdioOptions } from 'node:child_process';
import { logger } from '../sys/logger';
import { spawn, SpawnError, type Spawned } from '../sys/spawner';
import { shellExitCode } from '../sys/wait-status';

const log = logger('init');

export interface CmdOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  arg0: string[];
  /** S6_CMD_USE_TERMINAL with S6_LOGGING=2: stdout and stderr go to the terminal rather than the logger. */
  stdio?: StdioOptions;
}

export interface RunningCmd {
  pid: number;
  /** The shell-style exit code. */
  code: Promise<number>;
}

/** The terminal on our stdin, if any (what `tty` prints), for S6_CMD_USE_TERMINAL. */
export function stdinTerminal(): string | undefined {
  if (!process.stdin.isTTY) return undefined;
  try {
    return fs.readlinkSync('/proc/self/fd/0');
  } catch {
    return undefined;
  }
}

/** Starts CMD. A CMD that cannot be started reports like a shell: one line, code 127 (not found) or 126. */
export async function startCmd(command: readonly string[], options: CmdOptions): Promise<RunningCmd | { failed: number }> {
  const argv = [...options.arg0, ...command];
  const [file, ...args] = argv as [string, ...string[]];
  let child: Spawned;
  try {
    child = await spawn(file, args, {
      env: options.env,
      cwd: options.cwd,
      stdio: options.stdio ?? 'inherit',
      detached: process.stdin.isTTY !== true,
    });
  } catch (err) {
    if (!(err instanceof SpawnError)) throw err;
    log.error(err.message);
    return { failed: err.exitCode };
  }
  return { pid: child.pid, code: child.exited.then(shellExitCode) };
}
