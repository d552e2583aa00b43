/**
 * A real rsyslogd in the foreground for tests: a unix datagram socket (imuxsock), UDP and TCP listeners on free
 * loopback ports, and every message written to one file as `tag|severity|facility|message`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { requireCommand, tempDir, waitFor } from '../helpers';

export interface Rsyslog {
  dir: string;
  socket: string;
  udpPort: number;
  tcpPort: number;
  /** Parsed messages received so far. */
  messages(): Message[];
  stop(): Promise<void>;
}

export interface Message {
  tag: string;
  severity: string;
  facility: string;
  message: string;
}

async function freePort(kind: 'udp' | 'tcp'): Promise<number> {
  if (kind === 'tcp') {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

/** Starts rsyslogd; `socket` may be left out to start it later on a chosen path (see `startRsyslog(dir, …)`). */
export async function startRsyslog(dir = tempDir('nuwa-t-rsyslog-')): Promise<Rsyslog> {
  const rsyslogd = requireCommand('rsyslogd', 'rsyslog');
  const udpPort = await freePort('udp');
  const tcpPort = await freePort('tcp');
  const socket = path.join(dir, 'log.sock');
  const out = path.join(dir, 'out.log');
  const conf = path.join(dir, 'rsyslog.conf');
  fs.writeFileSync(
    conf,
    `global(workDirectory="${dir}")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="${socket}" CreatePath="on")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="${udpPort}")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="${tcpPort}")
template(name="fields" type="string" string="%syslogtag%|%syslogseverity-text%|%syslogfacility-text%|%msg:2:$%\\n")
*.* action(type="omfile" file="${out}" template="fields")
`,
  );
  const child: ChildProcess = spawn(rsyslogd, ['-n', '-f', conf, '-i', path.join(dir, 'rsyslogd.pid')], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  await waitFor('rsyslogd to create its socket and listen', () => {
    if (exited) throw new Error('rsyslogd exited at start (see its stderr above)');
    return fs.existsSync(socket) && tcpListening(tcpPort);
  });
  return {
    dir,
    socket,
    udpPort,
    tcpPort,
    messages: () => readMessages(out),
    stop: async () => {
      if (exited) return;
      const done = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await done;
    },
  };
}

function tcpListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function readMessages(file: string): Message[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [tag, severity, facility, ...rest] = l.split('|');
      return { tag: tag as string, severity: severity as string, facility: facility as string, message: rest.join('|') };
    });
}
