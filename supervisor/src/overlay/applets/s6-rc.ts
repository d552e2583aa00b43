/**
 * `s6-rc` inside a container booted by nuwa init: `s6-rc [-v N] [-t MS] [-u|-d] [-a] change NAME...`,
 * `s6-rc [-u|-d] [-a] list|listall NAME...`, `s6-rc help`. nuwa init holds the live state: the request goes to it
 * through /run/s6/nuwa-rc-requests and the answer comes back through a FIFO of this process (rc-requests.ts).
 * -v is accepted (the transitions are logged by nuwa init, in the container's log); -b (s6-overlay's rc.shutdown uses
 * it) is accepted and means nothing here: changes are queued anyway.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { UsageError } from '../../cli/errors';
import { native } from '../../sys/native';
import { LineSplitter } from '../../sys/lines';
import { getopt, parseMilliseconds } from '../../cli/getopt';
import { NotSupervisedError, sendControl } from '../../wire/control';
import { RC_REPLY_PREFIX, RC_REQUESTS, S6_RUN } from '../paths';
import { encodeRequest, MAX_REQUEST, validName, type RcRequest } from '../rc-requests';

const USAGE = 's6-rc [ -v verbosity ] [ -t timeout ] [ -u | -d ] [ -a ] [ -b ] help|list|listall|change [ servicenames... ]';
const HELP = `usage: ${USAGE}
  s6-rc -u change NAME...   bring NAME (services or bundles) up, with what they need
  s6-rc -d change NAME...   bring NAME down, with every service that needs them
  s6-rc -a list             the services that are up (-da list: those that are down)
  s6-rc [-d] listall NAME...  NAME with what they need (-d: with what needs them)
`;

const NOT_BOOTED =
  `s6-rc: fatal: nuwa init is not serving s6-rc here (no ${RC_REQUESTS}: ` +
  'the container was not booted by nuwa init with an s6-overlay tree, or it is stopping)\n';

type Parsed = { help: true } | { help: false; request: Omit<RcRequest, 'reply'> };

function parse(argv: string[]): Parsed {
  const { options, operands } = getopt(argv, 'v:t:udab', USAGE);
  let down = false;
  let active = false;
  let timeoutMs = 0;
  for (const [letter, arg] of options) {
    if (letter === 'u') down = false;
    else if (letter === 'd') down = true;
    else if (letter === 'a') active = true;
    else if (letter === 't') timeoutMs = parseMilliseconds(arg as string, '-t', USAGE);
    // -v is checked, not used: the log level is nuwa init's
    else if (letter === 'v' && !/^\d+$/.test(arg as string)) throw new UsageError(`-v wants a number, not '${arg}'; usage: ${USAGE}`);
  }
  const [command, ...names] = operands;
  if (command === 'help') return { help: true };
  if (command !== 'change' && command !== 'list' && command !== 'listall') {
    throw new UsageError(
      command === undefined
        ? `missing subcommand; usage: ${USAGE}`
        : `unknown subcommand '${command}' (nuwa's s6-rc has help, list, listall, change); usage: ${USAGE}`,
    );
  }
  const bad = names.find((n) => !validName(n));
  if (bad !== undefined) throw new UsageError(`invalid service name '${bad}'`);
  return { help: false, request: { op: command, down, active, names, timeoutMs } };
}

function isServed(): boolean {
  try {
    return fs.statSync(RC_REQUESTS).isFIFO();
  } catch {
    return false; // absent: not booted by nuwa with an s6-overlay tree
  }
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parse(argv);
  if (parsed.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!isServed()) {
    process.stderr.write(NOT_BOOTED);
    return 111;
  }
  const reply = path.join(S6_RUN, `${RC_REPLY_PREFIX}${process.pid}`);
  const line = encodeRequest({ ...parsed.request, reply });
  if (line.length > MAX_REQUEST)
    throw new UsageError(`too many service names for one request (${line.length} bytes; at most ${MAX_REQUEST})`);

  try {
    fs.rmSync(reply, { force: true });
    native().mkfifo(reply, 0o600);
  } catch (err) {
    process.stderr.write(`s6-rc: fatal: cannot make the reply FIFO ${reply}: ${(err as Error).message}\n`);
    return 111;
  }
  const cleanup = () => fs.rmSync(reply, { force: true });
  const onSignal = (signal: NodeJS.Signals) => {
    cleanup();
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, onSignal);
  try {
    return await ask(line, reply);
  } finally {
    cleanup();
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(signal, onSignal);
  }
}

/** Sends the request and relays the answer read from the reply FIFO (`o`/`e` lines, then `x CODE`). */
async function ask(line: string, reply: string): Promise<number> {
  // Read+write: the FIFO has a reader before the request leaves, and our read never sees EOF; `x CODE` ends it.
  const fd = fs.openSync(reply, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  const socket = new net.Socket({ fd, readable: true, writable: false });
  const code = new Promise<number>((resolve) => {
    const lines = new LineSplitter(0); // the answer comes from nuwa init: no limit needed
    socket.on('data', (chunk: Buffer) => {
      for (const raw of lines.push(chunk)) {
        const l = raw.toString('utf8');
        if (l.startsWith('o ')) process.stdout.write(`${l.slice(2)}\n`);
        else if (l.startsWith('e ')) process.stderr.write(`${l.slice(2)}\n`);
        else if (l.startsWith('x ')) return resolve(/^\d+$/.test(l.slice(2)) ? Number(l.slice(2)) : 111);
      }
    });
    socket.on('error', (err) => {
      process.stderr.write(`s6-rc: fatal: reading ${reply}: ${err.message}\n`);
      resolve(111);
    });
  });
  try {
    sendControl(S6_RUN, line, RC_REQUESTS);
  } catch (err) {
    socket.destroy();
    if (err instanceof NotSupervisedError) {
      process.stderr.write(NOT_BOOTED);
      return 111;
    }
    process.stderr.write(`s6-rc: fatal: writing to ${RC_REQUESTS}: ${(err as Error).message}\n`);
    return 111;
  }
  const result = await code;
  socket.destroy();
  return result;
}
