/**
 * s6-log's processors: on rotation, `previous` is fed to the processor's stdin, its stdout becomes `processed`, it
 * reads the last `state` on fd 4 and writes the next one on fd 5, with the logdir as working directory.
 * `!cmd` runs `execlineb -Pc cmd` as s6-log does: the image's execlineb when it has one on PATH (Debian's, or nuwa's
 * own under /command), else nuwa's applet, so that no image needs an execline package for it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findExecutable } from '../sys/files';
import { spawn, SpawnError } from '../sys/spawner';
import { shellExitCode } from '../sys/wait-status';
import { reason } from '../cli/errors';
import { logger } from '../sys/logger';
import { appletCommand } from '../sys/self';
import { sleep } from '../sys/timer';
import { archiveFile, FINALIZED, renameQuiet, rmQuiet } from './archives';
import type { Processor } from './script';

const log = logger('log');

/** Looked up once: the image's execlineb, or null when it has none. */
let execlineb: string | null | undefined;

export function processorCommand(processor: Processor): { file: string; args: string[]; argv0?: string } {
  if (processor.interpreter === 'sh') return { file: '/bin/sh', args: ['-c', processor.command] };
  execlineb ??= findExecutable('execlineb') ?? null;
  const args = ['-Pc', processor.command];
  return execlineb ? { file: execlineb, args } : appletCommand('execlineb', args);
}

/** One run of the processor: undefined when it exited 0, else why it failed. */
export async function runProcessor(dir: string, processor: Processor): Promise<string | undefined> {
  const file = (name: string) => path.join(dir, name);
  const fds: number[] = [];
  const open = (name: string, flags: string) => {
    const fd = fs.openSync(file(name), flags, 0o644);
    fds.push(fd);
    return fd;
  };
  try {
    if (!fs.existsSync(file('state'))) fs.writeFileSync(file('state'), '');
    const stdio = [
      open('previous', 'r'),
      open('processed', 'w'),
      'inherit' as const,
      'ignore' as const,
      open('state', 'r'),
      open('newstate', 'w'),
    ];
    const { file: program, args, argv0 } = processorCommand(processor);
    const child = await spawn(program, args, { cwd: dir, stdio, argv0 });
    for (const fd of fds.splice(0)) fs.closeSync(fd);
    const termination = await child.exited;
    const code = shellExitCode(termination);
    return code === 0 ? undefined : `processor '${processor.command}' in ${dir} exited ${code}`;
  } catch (err) {
    return `cannot run processor '${processor.command}' in ${dir}: ${err instanceof SpawnError ? err.message : (err as Error).message}`;
  } finally {
    for (const fd of fds) fs.closeSync(fd);
  }
}

/**
 * Runs the processor on `dir/previous` until it succeeds (retrying every `cooldownMs`; not once `closed()`: the next
 * start archives `previous` as a .u file), then makes its output the newest archive. True when it was archived.
 */
export async function processPrevious(dir: string, processor: Processor, cooldownMs: number, closed: () => boolean): Promise<boolean> {
  const file = (name: string) => path.join(dir, name);
  for (let failures = 0; ; failures++) {
    const failed = await runProcessor(dir, processor);
    if (failed === undefined) {
      if (failures > 0) log.info(`processor in ${dir} succeeded after ${failures} failed runs`);
      try {
        fs.chmodSync(file('processed'), FINALIZED);
        renameQuiet(file('newstate'), file('state'));
        archiveFile(dir, 'processed', 's');
        rmQuiet(file('previous'));
        return true;
      } catch (error) {
        log.warn(`${dir}: cannot archive the processor's output: ${reason(error)}`);
        return false;
      }
    }
    if (failures === 0) log.warn(`${failed}; retrying every ${cooldownMs} ms (further failures are counted)`);
    if (closed()) return false;
    await sleep(cooldownMs);
  }
}
