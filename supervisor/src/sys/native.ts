/**
 * The native addon (supervisor/native/*.c): the syscalls Node lacks.
 *
 * Inside the single executable the addon travels as a SEA asset. dlopen needs a real file on a mount that allows
 * exec, so it is written once under /run/nuwa (falling back to $TMPDIR/nuwa-<uid>), named by its content hash (built
 * in by scripts/build.js) so that concurrent starts and different versions never clash. Whatever is loaded runs
 * inside PID 1, so a copy is loaded only from a directory that nobody else can write (owned by this uid, mode 0700:
 * another account can create $TMPDIR/nuwa-<uid> first, and plant a file in it), and only when it is this uid's, not
 * writable by anyone else, and byte for byte the packed asset; anything else is replaced (written under a fresh name
 * with O_EXCL, then renamed) or, when the directory itself is refused, passed over with one line saying why. When
 * both places are refused, a fresh private directory is made for this start and removed once the addon is loaded.
 * Outside a SEA (tests, `node dist/nuwa.cjs`) it is loaded from dist/ or build/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { endAtOnceWith } from './exit';
import { formatMode } from './files';
import { logger } from './logger';
import { seaAsset } from './sea';

export interface Native {
  /** waitpid(pid, WNOHANG): [pid, raw wait status], or null while the child is still running. */
  waitpid(pid: number): [number, number] | null;
  /**
   * Waits for every dead child not in `skip` (the pids libuv waits for) without trying the living ones: [pid, raw wait
   * status] pairs, flat. `blocked`: a dead child in `skip` hid any others, which only a pid-by-pid pass can find.
   */
  reapDead(skip: number[]): { reaped: number[]; blocked: boolean };
  /**
   * From now on each of `signals` (numbers, each with a JS listener already) is sent on to `pid` from the signal
   * handler itself, before libuv's handler passes it to JS as before. False (nothing changed) when one has no handler.
   */
  forwardSignals(pid: number, signals: number[]): boolean;
  /** How many times `signal` (a number) was passed on by forwardSignals' handler since the process started. */
  forwardedCount(signal: number): number;
  /** Ends forwardSignals: libuv's handlers back in place. */
  stopForwarding(): void;
  /** _exit(code): the process ends here, with no teardown. */
  exitNow(code: number): never;
  setChildSubreaper(): void;
  /** Non-blocking fcntl record lock on the whole file; false when another process holds it. */
  lock(fd: number, exclusive: boolean): boolean;
  /** Blocking fcntl record lock (F_SETLKW): only for short-lived helpers, it blocks the event loop. */
  lockWait(fd: number, exclusive: boolean): void;
  /** True when another process holds a record lock on the file (F_GETLK). */
  isLocked(fd: number): boolean;
  mkfifo(file: string, mode: number): void;
  /** pipe2(O_CLOEXEC): [readFd, writeFd], both owned by the caller (close them with fs.closeSync). */
  pipe(): [number, number];
  /** dup2(oldfd, newfd). */
  dup2(oldfd: number, newfd: number): void;
  /** A close-on-exec copy of `fd`, numbered 3 or above. */
  dupCloexec(fd: number): number;
  sendUnixDgram(socketPath: string, data: Buffer): void;
  /**
   * The executable's read-only mappings leave this process's RSS (MADV_DONTNEED where they hold only clean file pages,
   * MADV_PAGEOUT where they hold private copies): bytes advised, or -1 if none could be.
   */
  releaseExecutablePages(): number;
  /** malloc_trim(0): free memory of every glibc arena back to the kernel; 1 when some was released. */
  trimMalloc(): number;
  /**
   * Lowers the soft RLIMIT_NOFILE back to the value this process started with (Node raised it to the hard limit
   * before any of nuwa ran; scripts/start-limits-stub.js saved it). The soft limit in force, or null when unknown.
   */
  restoreStartLimits(): number | null;
  /**
   * The descriptors under `below` that were open when this process was exec'd, noted by the executable's entry stub
   * before Node opened its own (scripts/start-limits-stub.js); null when this process did not start through the stub.
   */
  startFds(): { below: number; open: number[] } | null;
  /** Before an exec: environ becomes exactly these `NAME=value` pairs (process.env cannot hold integer names). */
  setEnviron(pairs: string[]): void;
  /** Before an exec: dup2 each private `from` onto `to` ([to, from, …]; from -1 closes `to`), then closes the sources. */
  remapFds(pairs: number[]): void;
  /**
   * clone(CLONE_VM | CLONE_VFORK) + exec (native/spawn.c): the child's fd i is our fd `fds[i]` (-1: closed), every
   * other fd close-on-exec, every signal unblocked at its default, the start limits restored, `cwd` (null: ours), a new
   * session when `newSession`, `env` as "NAME=value" strings (null: ours). The pid, which the caller must wait for;
   * throws the errno (as `code`) of a failed exec or set-up step, the child already reaped. `detach`: a double fork (the
   * program's parent exits at once, so it is nobody's child here); a failed exec's error then carries the `pid`.
   */
  spawn(
    file: string,
    argv: string[],
    env: string[] | null,
    cwd: string | null,
    fds: number[],
    newSession: boolean,
    detach?: boolean,
  ): number;
  /**
   * fork(): the child writes `data` whole to `fd` and exits (execline's heredoc writer), with only fds 0-2 and `fd`
   * open and every signal at its default; `detach`: a grandchild, its parent already reaped. Its pid.
   */
  forkWriter(fd: number, data: Buffer, detach: boolean): number;
  /** Replaces the current process (with `file`, when argv[0] must differ from it). Returns only by throwing. */
  execvp(argv: string[], file?: string): never;
  /** A unix datagram socket bound at `socketPath` (s6-socklog): its fd. */
  bindUnixDgram(socketPath: string): number;
  /**
   * Blocks until one datagram comes: its first `max` bytes and its whole length, or null when a signal interrupted
   * the wait. Blocks the event loop: only for an applet whose process does nothing else.
   */
  recvDgram(fd: number, max: number): [Buffer, number] | null;
}

const ADDON = 'nuwa_native.node';
let loaded: Native | undefined;
/** A failed load is not tried again: its reason (and any warning on the way) is said once. */
let failure: Error | undefined;

export function native(): Native {
  if (failure) throw failure;
  try {
    if (!loaded) {
      loaded = load();
      const addon = loaded;
      endAtOnceWith((code) => addon.exitNow(code)); // the end of the process without Node's teardown (sys/exit.ts)
    }
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
    throw failure;
  }
  return loaded;
}

function dlopen(file: string): Native {
  const module = { exports: {} as Native };
  process.dlopen(module, file);
  return module.exports;
}

function load(): Native {
  const sea = seaAsset(ADDON);
  if (sea) return loadPacked(Buffer.from(sea));
  const candidates = [
    process.env.NUWA_NATIVE_ADDON,
    path.join(__dirname, ADDON), // dist/nuwa.cjs beside dist/nuwa_native.node
    path.resolve(__dirname, '../../../dist', ADDON), // supervisor/src/sys when run from source
  ];
  for (const candidate of candidates) if (candidate && fs.existsSync(candidate)) return dlopen(candidate);
  throw new Error(`native addon ${ADDON} not found: run "npm run build" first`);
}

const log = logger('addon');

/** The asset's SHA-256 (hex), built in by scripts/build.js; hashed here only in a bundle built some other way. */
function contentHash(bytes: Buffer): string {
  const built = process.env.NUWA_NATIVE_SHA256;
  if (built) return built;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('node:crypto') as typeof import('node:crypto')).createHash('sha256').update(bytes).digest('hex');
}

/** A directory refused for a reason worth a line (someone else's, or writable by others); else it is passed quietly. */
class Refused extends Error {}

function loadPacked(bytes: Buffer): Native {
  // required here: node:os is wanted only when the addon is unpacked, not by every applet that imports this module
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const os = require('node:os') as typeof import('node:os');
  const uid = process.geteuid?.() ?? 0;
  const name = `nuwa_native-${contentHash(bytes).slice(0, 16)}.node`;
  const problems: string[] = [];
  for (const dir of ['/run/nuwa', path.join(os.tmpdir(), `nuwa-${uid}`)]) {
    try {
      return withPrivateDir(dir, uid, (base) => dlopen(unpack(base, dir, name, bytes, uid)));
    } catch (err) {
      if (err instanceof Refused) log.warn(err.message);
      problems.push(`${dir}: ${(err as Error).message}`);
    }
  }
  // Both refused or unusable: a directory of our own for this start only (mkdtemp makes it 0700, under a name nobody
  // can take first), removed once the addon is loaded (the mapping stays).
  let fresh: string | undefined;
  try {
    fresh = fs.mkdtempSync(path.join(os.tmpdir(), `nuwa-${uid}-`));
    return withPrivateDir(fresh, uid, (base) => {
      writeCopy(base, name, bytes);
      return dlopen(path.join(base, name));
    });
  } catch (err) {
    problems.push(`${fresh ?? os.tmpdir()}: ${(err as Error).message}`);
  } finally {
    if (fresh) fs.rmSync(fresh, { recursive: true, force: true });
  }
  throw new Error(`cannot unpack the native addon (needs a private, writable, exec-allowed /run or temp dir): ${problems.join('; ')}`);
}

/**
 * Runs `use` with `dir` made (mode 0700) or found, opened without following a symlink and checked through the open
 * descriptor: owned by `uid`, writable by nobody else. `use` gets a path that reaches the directory through that
 * descriptor (/proc/self/fd/N), so nothing swapped in at `dir`'s path later (a rename in a parent someone else can
 * write) is ever read or loaded. A directory of ours with a looser mode that others cannot write is tightened to 0700.
 */
function withPrivateDir<T>(dir: string, uid: number, use: (base: string) => T): T {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
      fs.mkdirSync(dir, { mode: 0o700 });
    } else if (code !== 'EEXIST') throw err;
  }
  let fd: number;
  try {
    fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOTDIR')
      throw new Refused(`not using ${dir} for the native addon: it is a symlink or not a directory`);
    throw err;
  }
  try {
    const st = fs.fstatSync(fd);
    const mode = st.mode & 0o7777;
    if (st.uid !== uid) {
      const why = `owned by uid ${st.uid}, not by uid ${uid}`;
      // root's /run/nuwa, seen by another account, is merely not ours; any other owner made it to be found
      if (st.uid === 0) throw new Error(why);
      throw new Refused(`not using ${dir} for the native addon: ${why} (made by another account; nothing in it is loaded)`);
    }
    if ((mode & 0o022) !== 0) {
      throw new Refused(`not using ${dir} for the native addon: mode ${formatMode(mode)} lets other accounts write in it (0700 wanted)`);
    }
    if (mode !== 0o700) fs.fchmodSync(fd, 0o700);
    const viaFd = `/proc/self/fd/${fd}`;
    return use(fs.existsSync(viaFd) ? viaFd : dir);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The path of a trusted copy of `bytes` named `name` in `base` (a private directory): the one there when it is a
 * regular file of `uid`, writable by nobody else and equal to `bytes`; otherwise a new one, replacing it.
 */
function unpack(base: string, dir: string, name: string, bytes: Buffer, uid: number): string {
  const file = path.join(base, name);
  const why = untrusted(file, bytes, uid);
  if (why === undefined) return file;
  if (why !== 'absent') log.warn(`replacing ${path.join(dir, name)}: ${why}`);
  writeCopy(base, name, bytes);
  return file;
}

/** Why the file at `file` is not a trusted copy of `bytes` ('absent' when there is none), or undefined when it is. */
function untrusted(file: string, bytes: Buffer, uid: number): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'absent';
    if (code === 'ELOOP') return 'it is a symlink';
    return `cannot read it (${(err as Error).message})`;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return 'it is not a regular file';
    if (st.uid !== uid) return `owned by uid ${st.uid}, not by uid ${uid}`;
    if ((st.mode & 0o022) !== 0) return `mode ${formatMode(st.mode)} lets other accounts write it`;
    if (st.size !== bytes.length || !fs.readFileSync(fd).equals(bytes)) return "its content is not this executable's addon";
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `bytes` as `base/name` atomically: a fresh name taken with O_EXCL, filled, then renamed over `name`. */
function writeCopy(base: string, name: string, bytes: Buffer): void {
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;
  let tmp = '';
  let fd = -1;
  for (let attempt = 0; fd < 0; attempt++) {
    tmp = path.join(base, `.${name}.${process.pid}.${Math.random().toString(36).slice(2, 10)}`);
    try {
      fd = fs.openSync(tmp, flags, 0o500);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 10) throw err;
    }
  }
  try {
    try {
      for (let at = 0; at < bytes.length;) at += fs.writeSync(fd, bytes, at, bytes.length - at);
      fs.fchmodSync(fd, 0o500); // whatever the umask took away: readable and executable by this uid only
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path.join(base, name)); // a concurrent start sees the whole file or none
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
