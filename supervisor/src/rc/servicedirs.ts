/**
 * Live service directories under /run, as s6-rc-init (for s6-rc longruns) and s6-overlay's services-up (for
 * /etc/services.d) make them: the scanner supervises these copies, never the image's definitions, so supervise/ and
 * event/ land on the writable /run even when the root is read-only.
 *
 * One difference, on purpose: `run` and `finish` are symlinks to the image's files instead of copies, so they are
 * executed from the image's filesystem and a /run mounted noexec (a common container-manager default) does not
 * break every service. data/ and env/ are copied, as s6-rc does, so run scripts may write there. A longrun's run or
 * finish that the image has without an execute bit is copied with mode 0755 instead, as s6-rc-compile copies it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { native } from '../sys/native';

/** What an s6-rc longrun definition may carry into its service directory (s6-rc-compile copies just these). */
const RC_FILES = new Set([
  'notification-fd',
  'lock-fd',
  'timeout-kill',
  'timeout-finish',
  'max-death-tally',
  'down-signal',
  'flag-newpidns',
  'nosetsid',
]);
const RC_DIRS = new Set(['data', 'env', 'instance', 'instances']);
/** Never copied: the supervisor's own state. */
const STATE = new Set(['supervise', 'event']);
const LINKED = new Set(['run', 'finish']);

export interface Pipes {
  /** FIFO whose contents become the service's stdin. */
  stdin?: string;
  /** FIFO the service's stdout goes to. */
  stdout?: string;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function copyEntry(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
}

/** A link to the image's `from`; a copy with mode 0755 when `from` is a regular file without an execute bit. */
function linkOrCopyExecutable(from: string, to: string): void {
  const st = fs.statSync(from, { throwIfNoEntry: false });
  if (st?.isFile() && (st.mode & 0o111) === 0) {
    fs.copyFileSync(from, to);
    fs.chmodSync(to, 0o755);
  } else {
    fs.symlinkSync(from, to);
  }
}

/**
 * Makes `target` a live copy of s6-rc longrun definition `source`, with a `down` file: s6-rc keeps a longrun down
 * until a transition brings it up. `pipes` joins it to its pipeline neighbours through FIFOs held open read-write
 * on both sides, so that neither side's restart breaks the pipe; `shell` runs the small wrapper that opens them.
 */
export function materializeLongrun(source: string, target: string, pipes: Pipes = {}, shell = '/bin/sh'): void {
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true, mode: 0o755 });
  for (const name of fs.readdirSync(source)) {
    const from = path.join(source, name);
    if (LINKED.has(name)) linkOrCopyExecutable(from, path.join(target, name));
    else if (RC_FILES.has(name) || RC_DIRS.has(name)) copyEntry(from, path.join(target, name));
  }
  if (pipes.stdin || pipes.stdout) {
    fs.renameSync(path.join(target, 'run'), path.join(target, 'run.user'));
    const redirections = [pipes.stdin && `0<>${shellQuote(pipes.stdin)}`, pipes.stdout && `1<>${shellQuote(pipes.stdout)}`]
      .filter(Boolean)
      .join(' ');
    const wrapper = `#!${shell}\n# nuwa: joins this service to its s6-rc pipeline\nexec ${redirections} ./run.user "$@"\n`;
    fs.writeFileSync(path.join(target, 'run'), wrapper, { mode: 0o755 });
  }
  fs.writeFileSync(path.join(target, 'down'), '');
}

/** Makes `target` a live copy of an /etc/services.d directory (everything, its log/ logger included). */
export function materializeLegacy(source: string, target: string): void {
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true, mode: 0o755 });
  for (const name of fs.readdirSync(source)) {
    if (STATE.has(name)) continue;
    const from = path.join(source, name);
    const to = path.join(target, name);
    if (LINKED.has(name)) fs.symlinkSync(from, to);
    else if (name === 'log' && fs.statSync(from).isDirectory()) materializeLegacy(from, to);
    else copyEntry(from, to);
  }
}

/** A pipe between pipeline members: a FIFO only the container's user may open. */
export function makePipe(fifo: string): void {
  fs.mkdirSync(path.dirname(fifo), { recursive: true, mode: 0o755 });
  fs.rmSync(fifo, { force: true });
  native().mkfifo(fifo, 0o600);
}

/** Links `live` into the scan directory as `scandir/name` (replacing a stale entry). */
export function linkService(scandir: string, name: string, live: string): string {
  const link = path.join(scandir, name);
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(live, link);
  return link;
}
