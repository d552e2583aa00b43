/**
 * s6-log's processors: on rotation, `previous` is fed to the processor's stdin, its stdout becomes `processed`, it
 * reads the last `state` on fd 4 and writes the next one on fd 5, with the logdir as working directory.
 * `!cmd` runs `execlineb -Pc cmd` as s6-log does; images without execline get `/bin/sh -c cmd` instead (said once).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findExecutable } from '../sys/files';
import { spawn, SpawnError } from '../sys/spawner';
import { shellExitCode } from '../sys/wait-status';
import { logger } from '../sys/logger';
import type { Processor } from './script';

const log = logger('log');
/** Looked up once: null when execline is not installed. */
let execlineb: string | null | undefined;

export function processorArgv(processor: Processor): string[] {
  if (processor.interpreter === 'sh') return ['/bin/sh', '-c', processor.command];
  if (execlineb === undefined) {
    execlineb = findExecutable('execlineb') ?? null;
    if (execlineb === null) log.warn(`execlineb is not in PATH: '!' processors run with /bin/sh -c instead`);
  }
  return execlineb ? [execlineb, '-Pc', processor.command] : ['/bin/sh', '-c', processor.command];
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
    const [program, ...args] = processorArgv(processor) as [string, ...string[]];
    const child = await spawn(program, args, { cwd: dir, stdio });
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
