/** Descriptors as the script sees them (FdTable): fdmove, fdclose, fdreserve, redirfd, piperw, heredoc, pipeline. */
import { environ } from '../environ';
import * as fs from 'node:fs';
import { native } from '../../sys/native';
import { reaper } from '../../sys/reaper';
import { SpawnError } from '../../sys/spawner';
import { readBlock } from '../blocks';
import { spawnFailure, type Chain, type Step } from '../chain';
import { ExeclineError, strerror, usage } from '../errors';
import { number, options } from '../options';

const FDMOVE = 'fdmove [ -c ] to from prog...';
export function fdmove(args: string[], chain: Chain): Step {
  const o = options(args, 'c', 'fdmove', FDMOVE);
  const [toText, fromText, ...rest] = o.operands;
  const to = number(toText, 'fdmove', FDMOVE);
  const from = number(fromText, 'fdmove', FDMOVE);
  try {
    chain.fds.dup(from, to);
  } catch (err) {
    const what = o.has('c') ? 'copy' : 'move';
    throw new ExeclineError('fdmove', 111, `unable to ${what} fd ${from} to fd ${to}: ${strerror(err)}`);
  }
  if (!o.has('c') && from !== to) chain.fds.close(from);
  return rest;
}

const FDCLOSE = 'fdclose fd prog...';
export function fdclose(args: string[], chain: Chain): Step {
  const [fdText, ...rest] = args;
  chain.fds.close(number(fdText, 'fdclose', FDCLOSE));
  return rest;
}

const FDRESERVE = 'fdreserve n prog...';
export function fdreserve(args: string[], chain: Chain): Step {
  const [nText, ...rest] = args;
  const n = number(nText, 'fdreserve', FDRESERVE);
  let fd = 0;
  for (let k = 0; k < n; k++) {
    fd = chain.fds.lowestFree(fd);
    environ.set(`FD${k}`, String(fd));
    fd++;
  }
  return rest;
}

const REDIRFD = 'redirfd -[ r | w | u | a | x ] [ -n ] [ -b ] fd file prog...';
const MODES: Record<string, number> = {
  r: fs.constants.O_RDONLY,
  w: fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC,
  u: fs.constants.O_RDWR,
  a: fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND,
  x: fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL,
};

/**
 * Opens `file` the redirfd way. -n opens non-blocking; for a FIFO written to with -n, a reader is held open meanwhile
 * so that the open does not fail with ENXIO. -b makes the result blocking: here by not asking for O_NONBLOCK on
 * the open that is kept (a reader held while the FIFO's write end is opened makes that open return at once).
 */
function openRedirection(file: string, mode: string, nonblock: boolean, blocking: boolean): number {
  const flags = MODES[mode] as number;
  if (!nonblock) return fs.openSync(file, flags, 0o666);
  const nb = fs.constants.O_NONBLOCK;
  if (mode === 'r' || mode === 'u') return fs.openSync(file, flags | (blocking && mode === 'u' ? 0 : nb), 0o666);
  let reader: number | undefined;
  try {
    if (fs.statSync(file).isFIFO()) reader = fs.openSync(file, fs.constants.O_RDONLY | nb);
  } catch {
    // no file yet: the open below creates it (or says why not)
  }
  try {
    return fs.openSync(file, flags | (blocking ? 0 : nb), 0o666);
  } finally {
    if (reader !== undefined) fs.closeSync(reader);
  }
}

export function redirfd(args: string[], chain: Chain): Step {
  const o = options(args, 'rwuaxnb', 'redirfd', REDIRFD);
  const mode = o.last('rwuax');
  const [fdText, file, ...rest] = o.operands;
  const fd = number(fdText, 'redirfd', REDIRFD);
  if (mode === undefined || file === undefined) throw usage('redirfd', REDIRFD);
  let opened: number;
  try {
    opened = openRedirection(file, mode, o.has('n'), o.has('b'));
  } catch (err) {
    throw new ExeclineError('redirfd', 111, `unable to open ${file}: ${strerror(err)}`);
  }
  chain.fds.install(fd, opened);
  return rest;
}

const PIPERW = 'piperw fdr fdw prog...';
export function piperw(args: string[], chain: Chain): Step {
  const [rText, wText, ...rest] = args;
  const r = number(rText, 'piperw', PIPERW);
  const w = number(wText, 'piperw', PIPERW);
  const [pr, pw] = native().pipe();
  chain.fds.install(r, pr);
  chain.fds.install(w, pw);
  return rest;
}

const HEREDOC = 'heredoc [ -d ] fd string command...';
/**
 * The string through a pipe, written by a forked writer as execline does (so it may be larger than the pipe's
 * buffer): a child of this process, which the final program inherits, or with -d a grandchild, nobody's child here.
 */
export function heredoc(args: string[], chain: Chain): Step {
  const o = options(args, 'd', 'heredoc', HEREDOC);
  const [fdText, text, ...rest] = o.operands;
  const fd = number(fdText, 'heredoc', HEREDOC);
  if (text === undefined) throw usage('heredoc', HEREDOC);
  const [r, w] = native().pipe();
  try {
    const pid = native().forkWriter(w, Buffer.from(text), o.has('d'));
    if (!o.has('d')) chain.children.set(pid, reaper.adopt(pid));
  } catch (err) {
    fs.closeSync(r);
    throw new ExeclineError('heredoc', 111, `unable to ${o.has('d') ? 'double' : ''}fork: ${strerror(err)}`);
  } finally {
    fs.closeSync(w);
  }
  chain.fds.install(fd, r);
  return rest;
}

const PIPELINE = 'pipeline [ -d ] [ -r | -w ] { prog1... } prog2...';
/** prog1 as a child (-d: double-forked), its stdout (-r, the default) or stdin (-w) joined to prog2's stdin or stdout by a pipe. */
export async function pipeline(args: string[], chain: Chain): Promise<Step> {
  const o = options(args, 'drw', 'pipeline', PIPELINE);
  const block = readBlock(o.operands, 0, 'pipeline');
  const writes = o.last('rw') === 'w';
  const [r, w] = native().pipe();
  try {
    const stdio: Record<number, number> = writes ? { 0: r } : { 1: w };
    if (o.has('d')) environ.set('!', String(chain.spawnDetached(block.words, 'pipeline', stdio)));
    else {
      const child = await chain.spawn(block.words, stdio);
      chain.children.set(child.pid, child.exited);
      environ.set('!', String(child.pid));
    }
  } catch (err) {
    fs.closeSync(r);
    fs.closeSync(w);
    if (err instanceof SpawnError) throw new ExeclineError('pipeline', 111, spawnFailure(err));
    throw err;
  }
  if (writes) {
    fs.closeSync(r);
    chain.fds.install(1, w);
  } else {
    fs.closeSync(w);
    chain.fds.install(0, r);
  }
  return o.operands.slice(block.next);
}
