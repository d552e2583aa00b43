/**
 * `s6-rc` at run time: the applet inside the container asks nuwa init (PID 1, which holds the live state) to list or
 * change services, and gets an answer back.
 *
 * The channel (only when nuwa init booted an s6-overlay tree):
 *  - request: nuwa init reads the FIFO RC_REQUESTS (/run/s6/nuwa-rc-requests, mode 0600, opened read+write so it
 *    never sees EOF, as the halt FIFO). A client writes ONE line in ONE write() of at most PIPE_BUF bytes, so that
 *    requests of concurrent clients never interleave: `nuwa-rc1 ` + a JSON object (non-ASCII escaped) + `\n`:
 *      {"op":"change"|"list"|"listall","down":bool,"active":bool,"names":[...],"timeoutMs":N,"reply":"/run/s6/nuwa-rc-reply.PID"}
 *    The marker lets a request that follows stray bytes (a writer that left no newline) still be read.
 *  - reply: the client makes its own FIFO in /run/s6 named nuwa-rc-reply.<pid> and holds it open read+write (so it
 *    exists as a reader before asking, and its read never sees EOF); nuwa init opens it write-only, non-blocking
 *    (ENXIO/ENOENT: the client is gone, the answer is dropped) and writes lines: `o TEXT` (client's stdout),
 *    `e TEXT` (client's stderr), then `x CODE`, which ends the answer.
 *  - Changes run one at a time, in arrival order, after the boot's own `s6-rc change top`; lists are answered when
 *    the boot's change is over. Once the container stops, the FIFO goes away and what is queued gets 111.
 *  - Anything unreadable on the request FIFO is reported once and otherwise ignored: it never reaches the engine.
 *
 * Exit codes are s6-rc's: 0 done, 1 some transition failed, 2 timed out, 3 unknown service name, 100 usage,
 * 111 system error (here also: the container is stopping).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { logger } from '../sys/logger';
import { native } from '../sys/native';
import { after } from '../sys/timer';
import { closure, dependents, selection } from '../rc/graph';
import type { ServiceManager } from '../rc/engine';
import { RC_REPLY_PREFIX, RC_REQUESTS, S6_RUN } from './paths';

const log = logger('s6-rc');

export const REQUEST_MARK = 'nuwa-rc1 ';
/** Writes of at most PIPE_BUF bytes to a FIFO are atomic. */
export const MAX_REQUEST = 4096;

export interface RcRequest {
  op: 'change' | 'list' | 'listall';
  down: boolean;
  active: boolean;
  names: string[];
  timeoutMs: number;
  reply: string;
}

export interface RcReply {
  out: string[];
  err: string[];
  code: number;
}

/** The request line a client writes: pure ASCII, newline-terminated. */
export function encodeRequest(request: RcRequest): string {
  const json = JSON.stringify(request).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `${REQUEST_MARK}${json}\n`;
}

/** A valid service name as s6-rc-compile accepts them: no slash, no newline, not empty. */
export function validName(name: string): boolean {
  return name.length > 0 && !name.includes('/') && !name.includes('\n') && name !== '.' && name !== '..';
}

/** Reads one request out of `json`; a string says why it is not one. */
export function parseRequest(json: string): RcRequest | string {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return 'a request that is not JSON';
  }
  if (typeof value !== 'object' || value === null) return 'a request that is not an object';
  const r = value as Record<string, unknown>;
  if (r.op !== 'change' && r.op !== 'list' && r.op !== 'listall') return 'a request with an unknown op';
  if (typeof r.down !== 'boolean' || typeof r.active !== 'boolean') return 'a request without its down/active flags';
  if (!Array.isArray(r.names) || !r.names.every((n) => typeof n === 'string' && validName(n)))
    return 'a request with invalid service names';
  if (typeof r.timeoutMs !== 'number' || !Number.isSafeInteger(r.timeoutMs) || r.timeoutMs < 0) return 'a request with an invalid timeout';
  if (
    typeof r.reply !== 'string' ||
    path.dirname(r.reply) !== S6_RUN ||
    !/^[A-Za-z0-9._-]+$/.test(path.basename(r.reply)) ||
    !path.basename(r.reply).startsWith(RC_REPLY_PREFIX)
  ) {
    return 'a request with an invalid reply FIFO';
  }
  return { op: r.op, down: r.down, active: r.active, names: r.names as string[], timeoutMs: r.timeoutMs, reply: r.reply };
}

function upAtoms(manager: ServiceManager): string[] {
  return [...manager.state].filter(([, s]) => s === 'up').map(([n]) => n);
}

/** Carries out one request on the live state. */
export async function answer(manager: ServiceManager, request: RcRequest, stopping?: AbortSignal): Promise<RcReply> {
  const graph = manager.graph;
  const unknown = request.names.filter((n) => !graph.atoms.has(n) && !graph.bundles.has(n));
  if (unknown.length > 0) return { out: [], err: unknown.map((n) => `s6-rc: fatal: unknown service name: ${n}`), code: 3 };
  const names = request.active ? [...request.names, ...upAtoms(manager)] : request.names;
  const sorted = (set: Iterable<string>) => [...set].sort();
  if (request.op === 'list') {
    const selected = selection(graph, names);
    const printed = request.down ? [...graph.atoms.keys()].filter((n) => !selected.has(n)) : selected;
    return { out: sorted(printed), err: [], code: 0 };
  }
  if (request.op === 'listall') {
    const selected = [...selection(graph, names)];
    return { out: sorted(request.down ? dependents(graph, selected) : closure(graph, selected)), err: [], code: 0 };
  }
  const timeoutMs = request.timeoutMs;
  const code = request.down
    ? await manager.down(names, { timeoutMs })
    : await manager.up(names, { timeoutMs, abort: stopping, timeoutName: 's6-rc -t' });
  if (code === 0) return { out: [], err: [], code };
  const concerned = request.down ? dependents(graph, names) : closure(graph, names);
  const left = sorted([...concerned].filter((n) => manager.state.get(n) !== (request.down ? 'down' : 'up')));
  if (code === 2)
    return {
      out: [],
      err: [`s6-rc: fatal: timed out after ${timeoutMs} ms; not ${request.down ? 'down' : 'up'} yet: ${left.join(' ')}`],
      code,
    };
  if (stopping?.aborted) return { out: [], err: ['s6-rc: fatal: the container is stopping'], code: 111 };
  return {
    out: [],
    err: [`s6-rc: warning: unable to bring ${request.down ? 'down' : 'up'}: ${left.join(' ')} (the container's log says why)`],
    code,
  };
}

/** Writes `reply` to the client's FIFO; a client that is gone (or a path that is not its FIFO) gets nothing. */
function sendReply(file: string, reply: RcReply): void {
  let fd: number;
  try {
    if (!fs.lstatSync(file).isFIFO()) return;
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch {
    return; // ENOENT, ENXIO: nobody is waiting for this answer any more
  }
  const text = [...reply.out.map((l) => `o ${l}`), ...reply.err.map((l) => `e ${l}`), `x ${reply.code}`].join('\n') + '\n';
  const socket = new net.Socket({ fd, readable: false, writable: true });
  socket.on('error', () => undefined); // EPIPE: the client left mid-answer
  const timer = after(30_000, () => socket.destroy()); // a client that stopped reading must not hold the fd
  timer.unref();
  socket.end(text, () => timer.cancel());
}

/** nuwa init's side: listens on RC_REQUESTS and answers each request through the engine. */
export class RcRequestServer {
  private tail: Promise<void>;
  private closed = false;
  private warned = false;
  private readonly socket: net.Socket;

  /** `ready` resolves once the boot's own change is over, with the manager (undefined: stage 2 never made one). */
  constructor(
    private readonly ready: Promise<ServiceManager | undefined>,
    private readonly stopping: AbortSignal,
    private readonly fifo = RC_REQUESTS,
  ) {
    this.tail = ready.then(() => undefined);
    fs.rmSync(fifo, { force: true });
    native().mkfifo(fifo, 0o600);
    const fd = fs.openSync(fifo, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
    this.socket = new net.Socket({ fd, readable: true, writable: false });
    let pending = '';
    this.socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        this.onLine(line);
      }
      if (pending.length > 2 * MAX_REQUEST) {
        this.garbage('an over-long line');
        pending = '';
      }
    });
    this.socket.on('error', () => undefined);
    this.socket.unref(); // waiting for requests must not by itself keep a finished init alive
  }

  private garbage(what: string): void {
    if (this.warned) return;
    this.warned = true;
    log.warn(`${this.fifo}: ignoring ${what} (said once: anything else unreadable there is ignored silently)`);
  }

  private onLine(line: string): void {
    const at = line.lastIndexOf(REQUEST_MARK);
    if (at === -1) {
      if (line.trim() !== '') this.garbage('a line that is not a request');
      return;
    }
    if (at > 0) this.garbage('stray bytes before a request');
    const request = parseRequest(line.slice(at + REQUEST_MARK.length));
    if (typeof request === 'string') return this.garbage(request);
    if (request.op !== 'change') {
      // Lists read the state once the boot's change is over, without waiting for queued changes.
      this.ready
        .then((manager) => this.run(manager, request))
        .catch((err: unknown) => log.error(`s6-rc request: ${(err as Error).message}`));
      return;
    }
    this.tail = this.tail
      .then(() => this.ready)
      .then((manager) => this.run(manager, request))
      .catch((err: unknown) => log.error(`s6-rc request: ${(err as Error).message}`));
  }

  private async run(manager: ServiceManager | undefined, request: RcRequest): Promise<void> {
    let reply: RcReply;
    if (this.closed && request.op === 'change') reply = { out: [], err: ['s6-rc: fatal: the container is stopping'], code: 111 };
    else if (!manager)
      reply = { out: [], err: ['s6-rc: fatal: nuwa init has no service database (stage 2 did not get that far)'], code: 111 };
    else {
      try {
        reply = await answer(manager, request, this.stopping);
      } catch (err) {
        log.error(`s6-rc request: ${(err as Error).message}`);
        reply = { out: [], err: [`s6-rc: fatal: ${(err as Error).message}`], code: 111 };
      }
    }
    sendReply(request.reply, reply);
  }

  /** Stops listening (the FIFO goes away); queued changes are answered 111; resolves when none is running. */
  async close(): Promise<void> {
    this.closed = true;
    this.socket.destroy();
    fs.rmSync(this.fifo, { force: true });
    await this.tail;
  }
}
