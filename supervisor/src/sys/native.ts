/**
 * The native addon (supervisor/native/nuwa_native.c): the syscalls Node lacks.
 *
 * Inside the single executable the addon travels as a SEA asset. dlopen needs a real file on a mount that allows
 * exec, so it is written once under /run/nuwa (falling back to the temp dir), named by its content hash so that
 * concurrent starts and different versions never clash. Outside a SEA (tests, `node dist/nuwa.cjs`) it is loaded
 * from dist/ or build/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { seaAsset } from './sea';

export interface Native {
  /** waitpid(pid, WNOHANG): [pid, raw wait status], or null while the child is still running. */
  waitpid(pid: number): [number, number] | null;
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
  /** MADV_PAGEOUT on the executable's read-only mappings: bytes advised, or -1 if unsupported. */
  pageOutExecutable(): number;
  /** Replaces the current process (with `file`, when argv[0] must differ from it). Returns only by throwing. */
  execvp(argv: string[], file?: string): never;
}

const ADDON = 'nuwa_native.node';
let loaded: Native | undefined;

export function native(): Native {
  loaded ??= load();
  return loaded;
}

function load(): Native {
  const module = { exports: {} as Native };
  process.dlopen(module, addonPath());
  return module.exports;
}

function addonPath(): string {
  const sea = seaAsset(ADDON);
  if (sea) return extract(sea);
  const candidates = [
    process.env.NUWA_NATIVE_ADDON,
    path.join(__dirname, ADDON), // dist/nuwa.cjs beside dist/nuwa_native.node
    path.resolve(__dirname, '../../../dist', ADDON), // supervisor/src/sys when run from source
  ];
  for (const candidate of candidates) if (candidate && fs.existsSync(candidate)) return candidate;
  throw new Error(`native addon ${ADDON} not found: run "npm run build" first`);
}

function extract(asset: ArrayBuffer): string {
  const bytes = Buffer.from(asset);
  // node:crypto is required here, not at the top: only the long-running applets load the addon
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hash = (require('node:crypto') as typeof import('node:crypto')).createHash('sha256').update(bytes).digest('hex');
  const name = `nuwa_native-${hash.slice(0, 16)}.node`;
  const errors: string[] = [];
  for (const dir of ['/run/nuwa', path.join(os.tmpdir(), `nuwa-${process.getuid?.() ?? 0}`)]) {
    const file = path.join(dir, name);
    try {
      if (fs.existsSync(file)) return file;
      fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
      const tmp = `${file}.${process.pid}`;
      fs.writeFileSync(tmp, bytes, { mode: 0o555 });
      fs.renameSync(tmp, file); // atomic: a concurrent start sees the whole file or none
      return file;
    } catch (err) {
      errors.push(`${dir}: ${(err as Error).message}`);
    }
  }
  throw new Error(`cannot unpack the native addon (needs a writable, exec-allowed /run or temp dir): ${errors.join('; ')}`);
}
