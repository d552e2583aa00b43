/** Small HTTP clients for tests: a GET that returns status and body, raw bytes on a socket, and a free port. */
import * as http from 'node:http';
import * as net from 'node:net';

export interface HttpAnswer {
  status: number;
  body: string;
}

/** GET http://HOST:PORT/PATH, one connection (no agent), failing after `timeoutMs`. */
export function httpGet(port: number, target: string, host = '127.0.0.1', timeoutMs = 10_000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host, port, path: target, agent: false, timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${target}: no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}

/**
 * Sends `bytes` (then ends the connection's sending side with `end`) and resolves with everything the server wrote
 * before it closed the connection.
 */
export function rawExchange(port: number, bytes: string, options: { end?: boolean; host?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: options.host ?? '127.0.0.1', port }, () =>
      options.end ? socket.end(bytes, 'latin1') : socket.write(bytes, 'latin1'),
    );
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

/** A TCP port nothing listens on right now (the kernel's pick, released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
