/**
 * PID 1's readiness endpoint (NUWA_HEALTH_ADDRESS=HOST:PORT): `GET /readyz` and `GET /livez` answer what `nuwa health`
 * and `nuwa health --live` answer (tools/health-report.ts, the one definition), 200 or 503 with a small JSON body, so
 * a kubelet or a load balancer can probe over HTTP without spawning a process in the container every few seconds.
 *
 * A plain net.Server, not node:http, on purpose: http.Server arms a 30 s connection-checking interval for as long as
 * it listens, and PID 1 adds no idle timers. Here the only timer is each connection's read deadline, alive while that
 * connection is. One request per connection (Connection: close); the head is bounded (MAX_HEAD_BYTES) and must
 * arrive within READ_TIMEOUT_MS of the connect, so a client that sends nothing, or a byte a minute, costs one socket
 * for a few seconds and never the event loop. Every answer is computed synchronously from a few small files on /run.
 */
import * as net from 'node:net';
import { reason } from '../cli/errors';
import { logger } from '../sys/logger';
import { after } from '../sys/timer';
import { assessHealth, assessLive, healthJson, type Supervises } from '../tools/health-report';

const log = logger('health');

/** Request line and headers: a probe sends ~100 bytes; a head larger than this is not a probe (431). */
export const MAX_HEAD_BYTES = 8192;
/** From connect to a complete head. Probes time out on their side after 1 s by default; a laggard is cut off here. */
export const READ_TIMEOUT_MS = 5000;
/** Connections beyond this are closed as soon as they are accepted: slow clients cannot pile up descriptors. */
const MAX_CONNECTIONS = 32;

export interface HealthSource {
  scandir: string;
  /** Whether this process supervises a service dir (a record lock is invisible to its holder: see Supervises). */
  supervises: Supervises;
  /** Reasons of PID 1's own that count against readiness (it is stopping). */
  against(): string[];
}

interface Reply {
  status: 200 | 400 | 404 | 405 | 431 | 503;
  body: string;
}

const REASONS: Record<Reply['status'], string> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  431: 'Request Header Fields Too Large',
  503: 'Service Unavailable',
};

/** HOST:PORT or [IPV6]:PORT (an empty HOST is every interface); a message saying what is wrong otherwise. */
export function parseHealthAddress(text: string): { host: string; port: number } | string {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : 0;
  if (!match || port < 1 || port > 65535) return `not HOST:PORT with a port from 1 to 65535 (e.g. 0.0.0.0:9000)`;
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

function error(status: Reply['status'], message: string): Reply {
  return { status, body: JSON.stringify({ error: message }) };
}

/** The answer to one request line. */
export function answer(requestLine: string, source: HealthSource): Reply {
  const request = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(requestLine);
  if (!request) return error(400, 'not an HTTP/1.x request line');
  const method = request[1];
  const route = request[2]?.split('?', 1)[0];
  if (route !== '/readyz' && route !== '/livez') return error(404, 'no such path: ask /readyz or /livez');
  if (method !== 'GET') return error(405, 'GET only');
  if (route === '/livez') {
    const live = assessLive(source.scandir);
    return { status: live.live ? 200 : 503, body: JSON.stringify(live) };
  }
  try {
    const report = assessHealth(source.scandir, source.supervises, source.against());
    return { status: report.healthy ? 200 : 503, body: healthJson(report) };
  } catch (err) {
    return { status: 503, body: JSON.stringify({ healthy: false, why: `unable to read scan dir ${source.scandir}: ${reason(err)}` }) };
  }
}

function send(socket: net.Socket, reply: Reply): void {
  const body = `${reply.body}\n`;
  const allow = reply.status === 405 ? 'Allow: GET\r\n' : '';
  const head = `HTTP/1.1 ${reply.status} ${REASONS[reply.status]}\r\nContent-Type: application/json\r\n${allow}`;
  socket.end(`${head}Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`);
}

/** Reads one head, answers it, closes. What the client sends after its head is read and dropped until it closes. */
function serveConnection(socket: net.Socket, source: HealthSource): void {
  const deadline = after(READ_TIMEOUT_MS, () => socket.destroy());
  socket.once('close', () => deadline.cancel());
  socket.on('error', () => undefined); // a client's reset or timeout is its own business; 'close' follows
  let head = '';
  const onData = (chunk: Buffer): void => {
    head += chunk.toString('latin1');
    const end = head.search(/\r?\n\r?\n/);
    if (end < 0 && head.length <= MAX_HEAD_BYTES) return;
    socket.off('data', onData);
    if (end < 0 || end > MAX_HEAD_BYTES) return send(socket, error(431, `request head over ${MAX_HEAD_BYTES} bytes`));
    send(socket, answer(head.slice(0, end).split(/\r?\n/, 1)[0] ?? '', source));
  };
  socket.on('data', onData);
}

/** 'listen EADDRINUSE: address already in use 127.0.0.1:9000' → 'address already in use'. */
function listenError(err: Error): string {
  return /^\w+ [A-Z0-9]+: (.*?)(?: \S*:\d+)?$/.exec(err.message)?.[1] ?? err.message;
}

/**
 * Listens on `text` (NUWA_HEALTH_ADDRESS). An address that is malformed or cannot be bound costs one warning and the
 * endpoint, never the boot. The server does not keep PID 1 alive (unref): PID 1 ends when its work does.
 */
export function startHealthEndpoint(text: string, source: HealthSource): net.Server | undefined {
  const address = parseHealthAddress(text);
  if (typeof address === 'string') {
    log.warn(`NUWA_HEALTH_ADDRESS=${text}: ${address}; no health endpoint`);
    return undefined;
  }
  const server = net.createServer((socket) => serveConnection(socket, source));
  server.maxConnections = MAX_CONNECTIONS;
  let listening = false;
  server.on('error', (err) => {
    if (listening) return log.warn(`health endpoint: ${listenError(err)}`);
    log.warn(`NUWA_HEALTH_ADDRESS=${text}: cannot listen (${listenError(err)}); no health endpoint`);
    server.close();
  });
  server.listen({ host: address.host, port: address.port, exclusive: true }, () => {
    listening = true;
    log.info(`health endpoint: http://${text}/readyz and /livez`);
  });
  server.unref();
  return server;
}
