/**
 * The descriptors of an in-process chain. execline's fd commands (fdmove, redirfd, fdclose, …) act on the process's
 * own table, but Node owns descriptors from 3 up (its epoll, eventfds, signal pipes): a real dup2 onto fd 3 would
 * break the event loop the chain still needs. So the chain keeps a table of what each descriptor the script talks
 * about stands for: a private close-on-exec copy owned here, or closed. Children get it through spawn's stdio array;
 * the final exec gets it from native remapFds, just before execvp, when Node's descriptors no longer matter.
 * Descriptors the script never touched are the inherited ones, passed on as they are.
 */
import * as fs from 'node:fs';
import { native } from '../sys/native';

/**
 * The descriptors this process inherited, as the addon's exec passes them on: below the count the executable's entry
 * stub checked, those open at exec; above it, or under plain node, every descriptor but Node's own, told apart by
 * kind (anon inodes, and pipes/sockets with both ends here: which would take piperw's two ends for Node's).
 */
function inheritedFds(): Set<number> {
  const atStart = startFds();
  const below = atStart?.below ?? 3;
  const inherited = new Set(atStart?.open ?? [0, 1, 2]);
  const links = new Map<number, string>();
  try {
    for (const name of fs.readdirSync('/proc/self/fd')) {
      try {
        links.set(Number(name), fs.readlinkSync(`/proc/self/fd/${name}`));
      } catch {
        // the directory's own descriptor, gone already
      }
    }
  } catch {
    return inherited;
  }
  for (const [fd, link] of links) {
    if (fd < below) continue;
    if (link.startsWith('anon_inode:')) continue;
    const paired = /^(pipe|socket):/.test(link) && [...links].some(([other, l]) => other !== fd && l === link);
    if (!paired) inherited.add(fd);
  }
  return inherited;
}

/** The entry stub's note of the descriptors open at exec, or null (plain node; an addon that cannot load). */
function startFds(): { below: number; open: number[] } | null {
  try {
    return native().startFds();
  } catch {
    return null;
  }
}

export class FdTable {
  /** virtual fd → the private descriptor standing for it, or null when closed. */
  private readonly slots = new Map<number, number | null>();
  private readonly inherited = inheritedFds();

  /** The real descriptor behind `fd`, or undefined when it is not open. */
  real(fd: number): number | undefined {
    const slot = this.slots.get(fd);
    if (slot !== undefined) return slot ?? undefined;
    return this.inherited.has(fd) && isOpen(fd) ? fd : undefined;
  }

  isOpen(fd: number): boolean {
    return this.real(fd) !== undefined;
  }

  /** `to` becomes a copy of `from` (dup2). Throws EBADF when `from` is not open. */
  dup(from: number, to: number): void {
    const real = this.real(from);
    if (real === undefined) throw Object.assign(new Error('EBADF'), { code: 'EBADF' });
    if (from === to) return;
    const copy = native().dupCloexec(real);
    this.release(to);
    this.slots.set(to, copy);
  }

  /** `to` becomes the descriptor `owned` (a close-on-exec descriptor just opened, now the table's). */
  install(to: number, owned: number): void {
    this.release(to);
    this.slots.set(to, owned);
  }

  close(fd: number): void {
    this.release(fd);
    this.slots.set(fd, null);
  }

  /** The lowest descriptor number, from `from` up, that the script sees as closed. */
  lowestFree(from = 0): number {
    let fd = from;
    while (this.isOpen(fd)) fd++;
    return fd;
  }

  /** spawn's stdio: every descriptor a child would inherit after a real exec, numbered as the script sees them. */
  stdio(): Array<number | 'ignore'> {
    const fds = [0, 1, 2, ...this.inherited, ...this.slots.keys()];
    const top = Math.max(...fds);
    const out: Array<number | 'ignore'> = [];
    for (let fd = 0; fd <= top; fd++) out.push(this.real(fd) ?? 'ignore');
    return out;
  }

  /**
   * Makes the process's table what the script asked for, only just before the final exec: the slots dup2'd in place,
   * the inherited descriptors passed on, and nothing else (Node's own stay close-on-exec).
   */
  apply(): void {
    const pairs: number[] = [];
    for (const [to, from] of this.slots) pairs.push(to, from ?? -1);
    for (const fd of this.inherited) if (!this.slots.has(fd) && isOpen(fd)) pairs.push(fd, fd);
    native().remapFds(pairs);
    this.slots.clear();
  }

  private release(fd: number): void {
    const slot = this.slots.get(fd);
    if (slot != null) fs.closeSync(slot);
    this.slots.delete(fd);
  }
}

function isOpen(fd: number): boolean {
  try {
    fs.fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}
