/**
 * `logutil-service [-f fifo] dir`: s6-overlay's ready-made logger for a `log/run`. Runs the logging script
 * S6_LOGGING_SCRIPT (default `n20 s1000000 T`) in blocking mode into `dir`, as user nobody when started as root
 * (the logdir must be writable by nobody, as with s6-overlay), with an empty environment but PATH and NUWA_SYSLOG*.
 * `-f fifo` reads a named pipe instead of stdin (the deprecated logutil-newfifo setup).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { Readable } from 'node:stream';
import { UsageError } from '../../cli/errors';
import { findUser } from '../../sys/accounts';
import { printContEnv } from '../container-env';
import { CONTAINER_ENV } from '../paths';
import { getopt } from '../../cli/getopt';
import { DEFAULT_OPTIONS, runLogger } from '../../log/applet';

const USAGE = 'logutil-service [-f fifo] logdir';
const DEFAULT_SCRIPT = 'n20 s1000000 T';
const SYSLOG_SETTINGS = ['NUWA_SYSLOG', 'NUWA_SYSLOG_FACILITY'];

/** Our own value, else the container's (s6-overlay reads these with printcontenv: a log/run has no container env). */
function setting(name: string, env: NodeJS.ProcessEnv): string | undefined {
  return env[name] ?? printContEnv(name, env, CONTAINER_ENV)?.replace(/\n$/, '');
}

function loggingScript(env: NodeJS.ProcessEnv): string[] {
  const words = (setting('S6_LOGGING_SCRIPT', env) ?? DEFAULT_SCRIPT).split(/\s+/).filter((w) => w !== '');
  return words.length > 0 ? words : DEFAULT_SCRIPT.split(' ');
}

/** s6-overlay drops to nobody with 65534:65534 as the fallback when the image has no such user. */
function dropToNobody(): void {
  if (process.getuid?.() !== 0) return;
  const nobody = findUser('nobody') ?? { uid: 65534, gid: 65534 };
  process.setgroups?.([nobody.gid]);
  process.setgid?.(nobody.gid);
  process.setuid?.(nobody.uid);
}

function openFifo(fifo: string): Readable {
  // Read-write so that the fifo never reports end of file when a writer goes away: the next writer just goes on.
  const fd = fs.openSync(fifo, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  return new net.Socket({ fd, readable: true, writable: false });
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(
      `usage: ${USAGE}\n\nRuns nuwa log -b with S6_LOGGING_SCRIPT (default: ${DEFAULT_SCRIPT}) into logdir, as nobody when root.\n`,
    );
    return 0;
  }
  const parsed = getopt(argv, 'f:', USAGE);
  const fifo = parsed.options.find(([letter]) => letter === 'f')?.[1];
  if (parsed.operands.length !== 1) throw new UsageError(`exactly one logdir expected; usage: ${USAGE}`);
  const dir = parsed.operands[0] as string;
  if (!dir.startsWith('/') && !dir.startsWith('.')) throw new UsageError(`logdir '${dir}' must be an absolute path or start with '.'`);
  const script = [...loggingScript(process.env), dir];
  const input = fifo === undefined ? process.stdin : openFifo(fifo);
  dropToNobody();
  // s6-overlay runs s6-log with an empty environment; PATH (for processors) and nuwa's syslog settings (for `@`) stay.
  const kept: Record<string, string | undefined> = { PATH: process.env.PATH };
  for (const name of SYSLOG_SETTINGS) kept[name] = setting(name, process.env);
  for (const key of Object.keys(process.env)) delete process.env[key];
  for (const [key, value] of Object.entries(kept)) if (value !== undefined) process.env[key] = value;
  return runLogger({ ...DEFAULT_OPTIONS, blocking: true }, script, input);
}
