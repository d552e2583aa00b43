/**
 * Services' run is spawned natively (native/spawn.c, sys/service-spawn.ts): what the service gets must be what
 * child_process gave it, and s6-supervise gives it: no signal blocked or ignored, stdio and notification-fd and
 * nothing else, a session of its own, the start limits; and an exec failure says the same as before.
 */
import test from 'ava';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { killTree, nuwaBinary, tempDir, waitFor } from '../helpers';

/** `nuwa svscan DIR` as an ordinary process (not PID 1: natively spawned pids are waited for there too). */
function svscan(scan: string, env: NodeJS.ProcessEnv = {}, limits = ''): { child: ChildProcess; stderr: () => string } {
  const command = `${limits}exec ${JSON.stringify(nuwaBinary())} svscan ${JSON.stringify(scan)}`;
  const child = spawn('sh', ['-c', command], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.resume();
  return { child, stderr: () => stderr };
}

function statusField(pid: number, field: string): string {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return (line ?? '').split(/\s+/)[1] ?? '';
}

test('run starts with no signal blocked or ignored, its fds as asked and no others, its own session, the start limits', async (t) => {
  const scan = tempDir();
  const pidFile = path.join(scan, 'pid');
  fs.mkdirSync(path.join(scan, 'probe'));
  fs.writeFileSync(path.join(scan, 'probe/notification-fd'), '5\n');
  fs.writeFileSync(
    path.join(scan, 'probe/run'),
    `#!/bin/sh\necho $$ > ${pidFile}.new && mv ${pidFile}.new ${pidFile}\nexec sleep 100417\n`,
    {
      mode: 0o755,
    },
  );
  const scanner = svscan(scan, {}, 'ulimit -Sn 512 && ulimit -Hn 2048 && ');
  t.teardown(() => killTree(scanner.child.pid as number));
  const pid = Number(await waitFor('run to write its pid', () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim()));
  await waitFor('run to exec sleep', () => fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('sleep\0'));

  // Node ignores SIGPIPE and handles SIGCHLD, SIGTERM...: none of that may reach a service, nor a blocked mask
  t.is(statusField(pid, 'SigBlk'), '0000000000000000');
  t.is(statusField(pid, 'SigIgn'), '0000000000000000');

  const fds = fs.readdirSync(`/proc/${pid}/fd`).map(Number);
  t.deepEqual(
    fds.sort((a, b) => a - b),
    [0, 1, 2, 5],
  );
  t.regex(fs.readlinkSync(`/proc/${pid}/fd/5`), /^pipe:/);
  const ppid = Number(statusField(pid, 'PPid'));
  t.is(ppid, scanner.child.pid as number, 'run is a child of svscan itself');
  for (const fd of [1, 2])
    t.is(fs.readlinkSync(`/proc/${pid}/fd/${fd}`), fs.readlinkSync(`/proc/${ppid}/fd/${fd}`), `fd ${fd} is svscan's`);

  // /proc/PID/stat: "pid (comm) state ppid pgrp session ..."
  const [pgrp, session] = fs
    .readFileSync(`/proc/${pid}/stat`, 'latin1')
    .replace(/^.*\) /s, '')
    .split(' ')
    .slice(2, 4)
    .map(Number);
  t.is(session, pid, 'run leads a session of its own');
  t.is(pgrp, pid, 'and a process group of its own');

  const limits = fs.readFileSync(`/proc/${pid}/limits`, 'utf8');
  t.regex(limits, /^Max open files\s+512\s+2048\s/m);

  // readiness still arrives on the notification pipe
  fs.writeFileSync(`/proc/${pid}/fd/5`, '\n');
  const ready = await waitFor('svstat to say ready', () => {
    const line = spawnSync(nuwaBinary(), ['svstat', path.join(scan, 'probe')], { encoding: 'utf8' }).stdout;
    return line.includes('ready') ? line : undefined;
  });
  t.regex(ready, /^up \(pid \d+\).* ready /);
});

/** The line svscan logs about the service's failed start, without the time stamp. */
async function spawnFailure(env: NodeJS.ProcessEnv, files: Record<string, string | Buffer>): Promise<string> {
  const scan = tempDir();
  const dir = path.join(scan, 'broken');
  fs.mkdirSync(dir);
  for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), content, { mode: 0o755 });
  const scanner = svscan(scan, env);
  try {
    const line = await waitFor('a failed start to be logged', () =>
      scanner
        .stderr()
        .split('\n')
        .find((l) => l.includes('broken:')),
    );
    return line.replace(/^.*?broken:/, 'broken:');
  } finally {
    killTree(scanner.child.pid as number);
  }
}

// What the checks before the exec (supervise/check-program.ts) cannot see, so that the exec itself fails.
test('an exec failure (ENOENT: the interpreter of the interpreter is missing) is reported as child_process reported it', async (t) => {
  const files = { run: '#!./interp\n', interp: '#!/nonexistent/interpreter\n' };
  const native = await spawnFailure({}, files);
  const viaLibuv = await spawnFailure({ NUWA_SPAWN: 'libuv' }, files);
  t.regex(native, /^broken: cannot spawn run: not found; restarting in/);
  t.is(native, viaLibuv);
});

// glibc's execvp (libuv's) runs a file the kernel calls ENOEXEC with /bin/sh, which here exits 127; s6-supervise's
// execve, as the native path's, gets ENOEXEC itself: named for what it is.
test('an exec failure (ENOEXEC: an ELF header of no machine) is named for what it is', async (t) => {
  const run = Buffer.concat([Buffer.from('\x7fELF', 'latin1'), Buffer.alloc(60)]);
  const native = await spawnFailure({}, { run });
  t.regex(native, /^broken: cannot spawn run: exec format error \(no shebang, or not a program for this machine\); restarting in/);
});
