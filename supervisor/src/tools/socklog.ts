/**
 * `s6-socklog [-d notif] [-r] [-l linelen] [-t lameducktimeout] [-x unixsocket]` (s6): a minimal syslogd. Binds a
 * unix datagram socket (/dev/log unless -x), and writes every datagram to stdout as one line: trailing NULs and
 * newlines dropped, embedded ones turned into `~`, a leading `<code>` turned into `facility.priority: ` (not with
 * -r), a datagram longer than linelen cut and ended with `...`.
 *
 * The process blocks in recv (native recvDgram) between datagrams and writes each line before the next receive, so
 * nothing is ever buffered: SIGTERM's default action ends it at any time without losing a line (it dies by the
 * signal, where the original exits 0), and -t, the original's grace period to flush its buffer, has nothing to do.
 * Not provided: -i (UDP) and -U/-u/-g/-G (dropping privileges): a usage error says so.
 */
import * as fs from 'node:fs';
import { SystemError, UsageError, reason } from '../cli/errors';
import { getopt, parseMilliseconds, scanUint } from '../cli/getopt';
import { native } from '../sys/native';

const USAGE = 's6-socklog [ -d notif ] [ -r ] [ -l linelen ] [ -t lameducktimeout ] [ -x unixsocket ]';

const FACILITIES = ['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp'];
const PRIORITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

/** s6-socklog's names: 0-11 as syslog(3), 16-23 local0-7, 24 mark, anything else unknown. */
export function facilityName(facility: number): string {
  if (facility < FACILITIES.length) return FACILITIES[facility] as string;
  if (facility >= 16 && facility <= 23) return `local${facility - 16}`;
  return facility === 24 ? 'mark' : 'unknown';
}

/** One datagram (its kept bytes, and whether it was cut) as the line s6-socklog prints, newline included. */
export function decode(datagram: Buffer, truncated: boolean, raw: boolean): Buffer {
  let end = datagram.length;
  while (end > 0 && (datagram[end - 1] === 0 || datagram[end - 1] === 0x0a)) end--;
  const body = Buffer.from(datagram.subarray(0, end));
  for (let i = 0; i < body.length; i++) if (body[i] === 0 || body[i] === 0x0a) body[i] = 0x7e;
  let prefix = '';
  let rest = body;
  const code = raw ? null : /^<(\d+)>/.exec(body.subarray(0, 12).toString('latin1'));
  if (code) {
    const n = Number(code[1]);
    prefix = `${facilityName(n >> 3)}.${PRIORITIES[n & 7]}: `;
    rest = body.subarray(code[0].length);
  }
  return Buffer.concat([Buffer.from(prefix), rest, Buffer.from(truncated ? '...\n' : '\n')]);
}

interface Options {
  socket: string;
  raw: boolean;
  lineLength: number;
  notify?: number;
}

function parseOptions(argv: string[]): Options {
  const parsed = getopt(argv, 'd:rUu:g:G:l:t:x:i:', USAGE, {});
  const options: Options = { socket: '/dev/log', raw: false, lineLength: 1024 };
  for (const [flag, value] of parsed.options) {
    const text = value as string;
    if (flag === 'r') options.raw = true;
    else if (flag === 'x') options.socket = text;
    else if (flag === 't') parseMilliseconds(text, '-t', USAGE);
    else if (flag === 'd') {
      const fd = scanUint(text);
      if (fd === undefined || fd < 3) throw new UsageError(`-d wants a descriptor number of 3 or more, not '${text}'`);
      options.notify = fd;
    } else if (flag === 'l') {
      const n = scanUint(text);
      if (n === undefined || n < 76 || n > 1048576) throw new UsageError(`-l wants a line length from 76 to 1048576, not '${text}'`);
      options.lineLength = n;
    } else throw new UsageError(`-${flag} is not provided by nuwa's s6-socklog (no UDP, no privilege dropping)`);
  }
  return options;
}

/** Binds the socket, replacing a socket file left by an earlier run (never another kind of file). */
function bind(socket: string): number {
  try {
    if (fs.lstatSync(socket).isSocket()) fs.unlinkSync(socket);
  } catch {
    // nothing there yet
  }
  try {
    return native().bindUnixDgram(socket);
  } catch (err) {
    throw new SystemError(`unable to bind to ${socket}: ${reason(err)}`);
  }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function writeLine(line: Buffer): void {
  let at = 0;
  while (at < line.length) at += fs.writeSync(1, line, at, line.length - at);
}

export async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  // main.ts gives the signals back their default actions on a later turn of the loop (sys/signals.ts releaseSignals);
  // the blocking loop below never lets the loop turn, so that must be done first, or a SIGTERM would be caught and
  // wait for a JS handler that never runs
  while (process.listenerCount('SIGTERM') > 0 || process.listenerCount('SIGINT') > 0) await nextTurn();
  const fd = bind(options.socket);
  if (options.notify !== undefined) {
    try {
      fs.writeSync(options.notify, '\n');
      fs.closeSync(options.notify);
    } catch (err) {
      throw new SystemError(`unable to write readiness to fd ${options.notify}: ${reason(err)}`);
    }
  }
  // one byte more than linelen, as the original: a datagram is cut only when longer than that
  const keep = options.lineLength + 1;
  for (;;) {
    const got = native().recvDgram(fd, keep);
    if (got === null) {
      await nextTurn(); // a caught signal interrupted the wait: let its handler run
      continue;
    }
    const [buffer, length] = got;
    writeLine(decode(buffer.subarray(0, Math.min(length, keep)), length > keep, options.raw));
  }
}
