/**
 * `logutil-service [-f fifo] dir`: s6-overlay's ready-made logger for a `log/run`. Runs the logging script
 * S6_LOGGING_SCRIPT (default `n20 s1000000 T`) in blocking mode into `dir`, as user nobody when started as root
 * (the logdir must be writable by nobody, as with s6-overlay), with an empty environment but PATH.
 * `-f fifo` reads a named pipe instead of stdin (the deprecated logutil-newfifo setup).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { Readable } from 'node:stream';
import * as path from 'node:path';
import { UsageError } from '../applet';
import { findUser } from '../rc/accounts';
import { getopt } from '../tools/getopt';
import { DEFAULT_OPTIONS, runLogger } from './applet';

const USAGE = 'logutil-service [-f fifo] logdir';
const DEFAULT_SCRIPT = 'n20 s1000000 T';
const CONTAINER_ENV = '/run/s6/container_environment';

/** The container's value wins, as s6-overlay reads it with printcontenv. */
function loggingScript(env: NodeJS.ProcessEnv): string[] {
  let text = env.S6_LOGGING_SCRIPT;
  if (text === undefined) {
    try {
      text = fs.readFileSync(path.join(CONTAINER_ENV, 'S6_LOGGING_SCRIPT'), 'utf8');
    } catch {
      text = DEFAULT_SCRIPT;
    }
  }
  const words = text.split(/\s+/).filter((w) => w !== '');
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
    process.stdout.write(`usage: ${USAGE}\n\nRuns nuwa log -b with S6_LOGGING_SCRIPT (default: ${DEFAULT_SCRIPT}) into logdir, as nobody when root.\n`);
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
  const PATH = process.env.PATH;
  for (const key of Object.keys(process.env)) delete process.env[key];
  if (PATH !== undefined) process.env.PATH = PATH;
  return runLogger({ ...DEFAULT_OPTIONS, blocking: true }, script, input);
}
