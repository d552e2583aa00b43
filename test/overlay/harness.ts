/**
 * Boots an s6-overlay service tree with nuwa as PID 1 of a fresh PID namespace, in a private mount namespace and a
 * chroot: the tree's /etc, /run and /tmp are the test's own (the host's /etc and /run/service are never touched).
 * The chroot borrows the host's /usr read-only (sh, coreutils, Debian's s6 and execline tools), gets /init = the
 * built dist/nuwa and the /command links an image gets, and its /run and /tmp are host directories bound in, so a
 * test can watch supervise/status and files from outside while the container runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { childrenOf } from '../../supervisor/src/sys/process-tree';
import { nuwaBinary, removeOnExit, requireCommand, ROOT, tempDir, waitFor } from '../helpers';
import { spawnInPidNamespace, track } from '../helpers/pid1';

export const FIXTURES = path.join(ROOT, 'test/fixtures/overlay');
/** The unprivileged account of the test roots and images. */
export const APP_UID = 1000;

/** Names a /command directory gets: every applet s6-overlay scripts call that nuwa implements. */
export const COMMAND_NAMES = ['with-contenv', 'printcontenv', 's6-setuidgid', 's6-envdir', 'with-retries', 's6-notifyoncheck'];

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr of the whole container, interleaved in the order they were written. */
  output: string;
}

export interface Booted {
  process: ChildProcess;
  /** The container's /run, seen from the host. */
  run: string;
  /** The container's root directory, seen from the host. */
  root: string;
  /** The container's /tmp, seen from the host. */
  tmp: string;
  output(): string;
  /** nuwa's pid as the host sees it. */
  hostPid(): Promise<number>;
  finished: Promise<Finished>;
}

export interface BootOptions {
  /** Run as uid/gid 1000 instead of root. */
  user?: boolean;
  /** Mount the root read-only (only /run and /tmp stay writable). */
  readOnly?: boolean;
  env?: Record<string, string>;
  /** Hide Debian's execlineb from the container (the command-line fallback must do). */
  withoutExecline?: boolean;
  /** Keep the host's PID namespace: nuwa is then not PID 1 but a child subreaper. */
  notPid1?: boolean;
  /**
   * The container's /run. Default: a fresh folder only the booting user can write. `{ uid, mode }`: that owner and
   * mode instead; 'image': the root's own /run, nothing mounted (read-only with `readOnly`).
   */
  run?: { uid: number; mode: number } | 'image';
  /** Boot on a terminal: the whole boot runs under util-linux `script`, so nuwa's stdin, stdout and stderr are a pty. */
  terminal?: boolean;
  /**
   * A folder laid over the host's /usr (a read-only overlayfs, this folder on top): what an image adds to /usr
   * (test/overlay-diff's real s6-overlay puts its libraries, libexec programs and /usr/bin links there).
   */
  usrLayer?: string;
  /** Boot the root's own /init instead of dist/nuwa (test/overlay-diff's real s6-overlay). */
  ownInit?: boolean;
}

/** A root directory holding `fixture` (a folder of test/fixtures/overlay, copied to /) plus `extra` files. */
export function makeRoot(fixture: string | undefined, extra: Record<string, { content: string; mode?: number }> = {}): string {
  const root = tempDir('nuwa-overlay-');
  fs.chmodSync(root, 0o755);
  for (const dir of ['proc', 'dev', 'run', 'tmp', 'usr', 'etc', 'var', 'command', 'root', 'home/app'])
    fs.mkdirSync(path.join(root, dir), { recursive: true });
  for (const link of ['bin', 'sbin', 'lib', 'lib64']) fs.symlinkSync(`usr/${link}`, path.join(root, link));
  fs.symlinkSync('/run', path.join(root, 'var/run'));
  fs.writeFileSync(
    path.join(root, 'etc/passwd'),
    `root:x:0:0:root:/root:/bin/sh\napp:x:${APP_UID}:${APP_UID}:app:/home/app:/bin/sh\n` +
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
  );
  fs.writeFileSync(path.join(root, 'etc/group'), `root:x:0:\napp:x:${APP_UID}:\nnogroup:x:65534:\n`);
  fs.writeFileSync(path.join(root, 'init'), '');
  for (const name of COMMAND_NAMES) fs.symlinkSync('../init', path.join(root, 'command', name));
  if (fixture) fs.cpSync(path.join(FIXTURES, fixture), root, { recursive: true, verbatimSymlinks: true });
  for (const [file, { content, mode }] of Object.entries(extra)) {
    const target = path.join(root, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content, { mode: mode ?? 0o644 });
    fs.chmodSync(target, mode ?? 0o644);
  }
  return root;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

let stableCopy: string | undefined;
/**
 * dist/nuwa as it was when this test process first asked: other builds replace dist/nuwa while tests run, so every
 * root binds the same private copy.
 */
export function nuwaCopy(): string {
  if (!stableCopy) {
    stableCopy = path.join(tempDir('nuwa-overlay-bin-'), 'nuwa');
    fs.copyFileSync(nuwaBinary(), stableCopy);
    fs.chmodSync(stableCopy, 0o755);
    fs.chmodSync(path.dirname(stableCopy), 0o755);
  }
  return stableCopy;
}

/** Boots `root` with `nuwa init ARGS`; resolves when the container has ended. */
export function boot(root: string, args: string[], options: BootOptions = {}): Booted {
  requireCommand('unshare', 'util-linux');
  requireCommand('chroot', 'coreutils');
  requireCommand('s6-svscan', 's6');
  // Beside the root, removed with it when the test process exits (the mounts on them live in the boot's namespace).
  const run = removeOnExit(fs.mkdtempSync(path.join(path.dirname(root), 'nuwa-overlay-run-')));
  const tmp = removeOnExit(fs.mkdtempSync(path.join(path.dirname(root), 'nuwa-overlay-tmp-')));
  fs.chmodSync(tmp, 0o1777);
  if (options.user) fs.chownSync(run, APP_UID, APP_UID);
  if (typeof options.run === 'object') {
    fs.chownSync(run, options.run.uid, options.run.uid);
    fs.chmodSync(run, options.run.mode);
  }
  const r = q(root);
  const steps = [
    'set -e',
    'exec 2>&1',
    `mount --make-rprivate /`,
    options.readOnly ? `mount --bind ${r} ${r} && mount -o remount,bind,ro ${r}` : ':',
    options.usrLayer
      ? `mount -t overlay -o ro,lowerdir=${q(options.usrLayer)}:/usr overlay ${r}/usr`
      : `mount --bind /usr ${r}/usr && mount -o remount,bind,ro ${r}/usr`,
    options.withoutExecline ? `mount --bind /dev/null ${r}/usr/bin/execlineb` : ':',
    `mount --rbind /dev ${r}/dev`,
    `mount -t proc proc ${r}/proc`,
    options.ownInit ? ':' : `mount --bind ${q(nuwaCopy())} ${r}/init`,
    options.run === 'image' ? ':' : `mount --bind ${q(run)} ${r}/run`,
    `mount --bind ${q(tmp)} ${r}/tmp`,
    `cd ${r}`,
    `exec chroot ${options.user ? `--userspec=${APP_UID}:${APP_UID} ` : ''}${r} /init "$@"`,
  ];
  const env = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', ...options.env };
  const script = ['sh', '-c', steps.join('\n'), 'sh', ...args];
  let child: ChildProcess;
  if (options.terminal) {
    requireCommand('script', 'bsdutils');
    // script runs its -c command with $SHELL on a new pty and copies what it writes to its stdout; -e: its exit code
    const namespaced = ['setpriv', '--pdeathsig', 'KILL', 'unshare', '-p', '-f', '--mount-proc', '--kill-child', '--', ...script];
    const onPty = ['script', '-qec', `exec ${namespaced.map(q).join(' ')}`, '/dev/null'];
    child = spawn('setpriv', ['--pdeathsig', 'KILL', ...onPty], { env: { ...env, SHELL: '/bin/sh' }, stdio: ['pipe', 'pipe', 'pipe'] });
    track(child); // killing script ends the boot: its unshare has --pdeathsig KILL and --kill-child
  } else if (options.notPid1) {
    child = track(spawn('setpriv', ['--pdeathsig', 'KILL', 'unshare', '-m', '--', ...script], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
  } else {
    child = spawnInPidNamespace(script, env); // --mount-proc gives it its own mount namespace too
  }
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const finished = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, output }));
  });
  return {
    process: child,
    run,
    root,
    tmp,
    output: () => output,
    hostPid: () => {
      if (options.terminal) return Promise.reject(new Error('hostPid: not known for a boot on a terminal'));
      return options.notPid1
        ? Promise.resolve(child.pid as number)
        : waitFor('nuwa to start as PID 1', () => childrenOf(child.pid as number)[0]);
    },
    finished,
  };
}

/** Lines of `output` matching `pattern`, in order. */
export function linesMatching(output: string, pattern: RegExp): string[] {
  return output.split('\n').filter((l) => pattern.test(l));
}

/** Index of the first line containing `text` (fails loudly when absent, naming the output). */
export function lineIndex(output: string, text: string): number {
  const k = output.split('\n').findIndex((l) => l.includes(text));
  if (k === -1) throw new Error(`no line contains ${JSON.stringify(text)} in:\n${output}`);
  return k;
}
