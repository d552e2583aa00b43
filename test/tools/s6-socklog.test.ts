/**
 * nuwa's s6-socklog against Debian's, side by side: the same datagrams (from util-linux's logger, a real syslog
 * client, and raw ones for the edge cases) sent to both, the same lines out; SIGTERM ends it; -d notifies readiness.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NUWA, killTree, nuwaBinary, requireCommand, tempDir, waitFor } from '../helpers';

test.before(() => {
  nuwaBinary();
  requireCommand('s6-socklog', 's6');
  requireCommand('logger', 'bsdutils');
  requireCommand('python3', 'python3');
});

/** A listener on `socket`, its stdout collected in `out`; killed with the test. */
function listen(t: { teardown(fn: () => void): void }, kind: 's6' | 'nuwa', socket: string, extra: string[] = []) {
  const [file, args] = kind === 's6' ? ['s6-socklog', [...extra, '-x', socket]] : [NUWA, ['s6-socklog', ...extra, '-x', socket]];
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const result = { out: '', err: '', child };
  child.stdout.on('data', (d: Buffer) => (result.out += d.toString('latin1')));
  child.stderr.on('data', (d: Buffer) => (result.err += d.toString()));
  t.teardown(() => killTree(child.pid as number));
  return result;
}

/** Raw datagrams (hex, to carry NULs) sent to a unix socket by python's socket module. */
function sendRaw(socket: string, datagrams: Buffer[]): void {
  const code = [
    'import socket,sys',
    's=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)',
    'for h in sys.argv[2:]: s.sendto(bytes.fromhex(h),sys.argv[1])',
  ].join('\n');
  const r = spawnSync('python3', ['-c', code, socket, ...datagrams.map((d) => d.toString('hex'))], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 send: ${r.stderr}`);
}

const DATAGRAMS = [
  '<96>a',
  '<128>e',
  '<184>f',
  '<192>g',
  '<0>h',
  '<abc>i',
  '<1234>j',
  '<>k',
  'x'.repeat(100),
  '<5> lead',
  'tail\n\n\0\0',
  '<13>raw\nx\0y\n\n\0',
  'no code',
].map((d) => Buffer.from(d, 'latin1'));

test('nuwa s6-socklog prints what s6-socklog prints for logger messages and raw datagrams, with -l and -r', async (t) => {
  const dir = tempDir('nuwa-socklog-');
  for (const extra of [['-l', '80'], ['-r']]) {
    const name = extra.join('');
    const runs = (['s6', 'nuwa'] as const).map((kind) => {
      const socket = path.join(dir, `${kind}${name}.sock`);
      return { socket, listener: listen(t, kind, socket, extra) };
    });
    for (const { socket, listener } of runs) {
      await waitFor(`${socket} bound`, () => fs.existsSync(socket), { timeoutMs: 90_000 });
      const logged = spawnSync('logger', ['-u', socket, '-p', 'local0.info', '-t', 'nuwatest', 'hello from logger'], { encoding: 'utf8' });
      t.is(logged.status, 0, logged.stderr);
      await waitFor('the logger line', () => listener.out.includes('hello from logger'));
      sendRaw(socket, DATAGRAMS);
      await waitFor('every datagram', () => listener.out.includes('no code\n'));
    }
    const [theirs, ours] = runs.map((r) => r.listener.out.replace(/\w{3} [ \d]\d \d\d:\d\d:\d\d/g, 'DATE'));
    t.is(ours, theirs, `s6-socklog ${extra.join(' ')}`);
  }
});

test('nuwa s6-socklog decodes a logger line as facility.priority, -d notifies once bound, SIGTERM ends it', async (t) => {
  const socket = path.join(tempDir('nuwa-socklog-'), 'log');
  const child = spawn(NUWA, ['s6-socklog', '-d', '3', '-x', socket], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  t.teardown(() => killTree(child.pid as number));
  let out = '';
  let ready = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (ready += d.toString()));
  await waitFor('readiness on fd 3', () => ready === '\n', { timeoutMs: 90_000 });
  t.true(fs.statSync(socket).isSocket());
  spawnSync('logger', ['-u', socket, '-p', 'local0.info', 'hello']);
  await waitFor('the line', () => out.includes('hello'));
  t.regex(out, /^local0\.info: .*hello\n$/);
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  child.kill('SIGTERM');
  t.is(await exited, 'SIGTERM');
  for (const args of [['-l', '10'], ['-d', '1'], ['-i', '127.0.0.1'], ['-U']]) {
    const r = spawnSync(NUWA, ['s6-socklog', ...args, '-x', `${socket}2`], { encoding: 'utf8' });
    t.is(r.status, 100, args.join(' '));
  }
});
