/**
 * Syslog forwarding through winston-syslog.
 *
 * Where: NUWA_SYSLOG = `/dev/log` or `unix:/path` (a datagram socket, as rsyslog's imuxsock offers),
 * `udp://host[:514]`, `tcp://host[:514]`. Facility: NUWA_SYSLOG_FACILITY (a name: daemon, cron, local0…).
 *
 * winston-syslog's unix datagram mode needs the native `unix-dgram` module, which cannot load inside the single
 * executable; so for unix sockets the transport gets a socket object that sends through nuwa's own addon. The
 * message text is produced here too (RFC 3164, the format syslog(3) writes): winston-syslog's default producer has
 * no `cron` or `authpriv` facility and drops the priority of facility 0.
 */
import * as os from 'node:os';
import type TransportStream from 'winston-transport';
import { native } from './native';
import { writeStderr } from './logger';
import { after, sleep, type Timer } from './timer';

export interface SyslogTarget {
  protocol: 'unix' | 'udp4' | 'udp6' | 'tcp4' | 'tcp6';
  path?: string;
  host?: string;
  port?: number;
}

export const FACILITIES: Record<string, number> = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};

export const SEVERITIES: Record<string, number> = {
  emerg: 0,
  alert: 1,
  crit: 2,
  error: 3,
  err: 3,
  warning: 4,
  warn: 4,
  notice: 5,
  info: 6,
  debug: 7,
};

/** Parses NUWA_SYSLOG's value; throws an Error naming the problem. */
export function parseSyslogTarget(text: string): SyslogTarget {
  if (text.startsWith('/')) return { protocol: 'unix', path: text };
  if (text.startsWith('unix:')) {
    const path = text.slice('unix:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path.startsWith('/')) throw new Error(`syslog target '${text}': unix:/absolute/path expected`);
    return { protocol: 'unix', path };
  }
  const match = /^(udp|tcp):\/\/(\[[0-9a-fA-F:.]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(text);
  if (!match) throw new Error(`syslog target '${text}': expected /dev/log, unix:/path, udp://host[:port] or tcp://host[:port]`);
  const bracketed = (match[2] as string).startsWith('[');
  const host = bracketed ? (match[2] as string).slice(1, -1) : (match[2] as string);
  const port = match[3] === undefined ? 514 : Number(match[3]);
  if (port < 1 || port > 65535) throw new Error(`syslog target '${text}': port ${port} out of range`);
  const v6 = bracketed || host.includes(':');
  return { protocol: `${match[1] as 'udp' | 'tcp'}${v6 ? '6' : '4'}`, host, port };
}

export function parseFacility(name: string): number {
  const facility = FACILITIES[name.toLowerCase()];
  if (facility === undefined) throw new Error(`unknown syslog facility '${name}' (one of ${Object.keys(FACILITIES).join(', ')})`);
  return facility;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 3164 text; `host` is left out for a local socket, as syslog(3) does (rsyslog's imuxsock expects that). */
export function rfc3164(p: {
  facility: number;
  severity: number;
  date: Date;
  host?: string;
  tag: string;
  pid?: number;
  message: string;
}): string {
  const d = p.date;
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp =
    `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  const tag = p.pid ? `${p.tag}[${p.pid}]` : p.tag;
  return `<${p.facility * 8 + p.severity}>${stamp} ${p.host ? `${p.host} ` : ''}${tag}: ${p.message}`;
}

/** winston-syslog's `customProducer` interface. */
function producerFor(target: SyslogTarget, facility: number) {
  return class {
    private readonly tag: string;
    private readonly pid: number | undefined;
    constructor(options: { appName: string; pid?: number }) {
      this.tag = options.appName.replace(/\s+/g, '') || 'nuwa';
      this.pid = options.pid;
    }
    produce(m: { severity: string; date: Date; message: string }): string {
      return rfc3164({
        facility,
        severity: SEVERITIES[m.severity] ?? 6,
        date: m.date,
        host: target.protocol === 'unix' ? undefined : os.hostname(),
        tag: this.tag,
        pid: this.pid,
        message: m.message,
      });
    }
  };
}

/** Datagrams that could not be sent wait here (a syslogd that starts after us, or restarts), up to this many. */
const BACKLOG_LIMIT = 1000;

/**
 * A unix datagram "socket" with the shape winston-syslog expects (`send(buf, offset, length, path, cb)`), sending
 * with sendto() through the native addon. A syslogd that is not there (yet) costs nothing but a bounded backlog:
 * the problem is said once on stderr, later messages are held or counted, and all is retried on the next message.
 */
export class NativeDgramSocket {
  private backlog: Buffer[] = [];
  private dropped = 0;
  private failing: string | undefined;
  private retryTimer: Timer | undefined;

  constructor(private readonly path: string) {}

  send(buffer: Buffer, offset: number, length: number, _path: string, callback: (err?: Error) => void): void {
    this.backlog.push(Buffer.from(buffer.subarray(offset, offset + length)));
    if (this.backlog.length > BACKLOG_LIMIT) {
      this.backlog.shift();
      this.dropped++;
    }
    this.drain();
    callback(); // never an error: winston-syslog would queue the message again, without bound
  }

  private drain(): void {
    const sendto = native().sendUnixDgram;
    while (this.backlog.length > 0) {
      try {
        sendto(this.path, this.backlog[0] as Buffer);
      } catch (err) {
        const why = (err as Error).message;
        if (this.failing === undefined) {
          writeStderr(`nuwa: syslog: cannot send to ${this.path}: ${why}; holding up to ${BACKLOG_LIMIT} messages and retrying\n`);
        }
        this.failing = why;
        this.retryTimer ??= after(
          1000,
          () => {
            this.retryTimer = undefined;
            this.drain();
          },
          { unref: true },
        );
        return;
      }
      this.backlog.shift();
    }
    if (this.failing !== undefined) {
      const lost = this.dropped > 0 ? `; ${this.dropped} older messages were dropped meanwhile` : '';
      writeStderr(`nuwa: syslog: ${this.path} reachable again${lost}\n`);
      this.failing = undefined;
      this.dropped = 0;
    }
  }

  close(): void {
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
  }
}

/** A transport that can be drained before exit. */
export interface Flushable {
  flush(timeoutMs: number): Promise<void>;
}

export interface SyslogTransportOptions {
  target: SyslogTarget;
  facility: number;
  /** The syslog tag (program name). */
  tag: string;
  format?: TransportStream.TransportStreamOptions['format'];
}

/** A winston transport to `target`. Loads winston-syslog (and winston) on first use only. */
export function syslogTransport(options: SyslogTransportOptions): TransportStream & Flushable {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Syslog } = require('winston-syslog') as typeof import('winston-syslog');
  const { target } = options;
  class NuwaSyslog extends Syslog implements Flushable {
    async flush(timeoutMs: number): Promise<void> {
      const state = this as unknown as { queue: unknown[]; socket: { writableLength?: number } | null };
      const deadline = Date.now() + timeoutMs;
      // A TCP connection may still be opening with messages queued: give it a moment before the process exits.
      while ((state.queue.length > 0 || (state.socket?.writableLength ?? 0) > 0) && Date.now() < deadline) {
        await sleep(20);
      }
      this.close?.();
    }

    override connectDgram(callback: (err: unknown) => void): void {
      if (target.protocol !== 'unix') {
        super.connectDgram(callback);
        return;
      }
      this.socket = new NativeDgramSocket(target.path as string);
      callback(null);
    }
  }
  return new NuwaSyslog({
    protocol: target.protocol === 'unix' ? 'unix' : target.protocol,
    path: target.path,
    host: target.host,
    port: target.port,
    appName: options.tag,
    pid: process.pid,
    type: 'BSD',
    // TCP needs framing between messages: one per line (rsyslog's imtcp default).
    eol: target.protocol.startsWith('tcp') ? '\n' : undefined,
    customProducer: producerFor(target, options.facility),
    format: options.format,
  });
}
