/**
 * One process per chain. In execline each program execs the next; here, while the next program is one of nuwa's own
 * (an execline builtin, or a chain-loading applet such as with-contenv or s6-setuidgid), it runs in this process, and
 * only the first program that is not ours is exec'd. What an exec would have reset is carried explicitly: the
 * environment is environ.ts's (given to the exec by the addon's setEnviron), the working directory and the
 * credentials are the process's own (chdir, setuid are real), descriptors are kept in an FdTable applied just before
 * the exec, and the addon's execvp resets the signal mask and dispositions. Children that must be forked (a
 * `foreground` block) get the same state through spawn.
 */
import { environ } from './environ';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { continueChainWith } from '../sys/exec';
import { native } from '../sys/native';
import { findProgram } from '../sys/run-program';
import { isSea } from '../sys/sea';
import { selfCommand } from '../sys/self';
import { spawn, SpawnError, type Spawned } from '../sys/spawner';
import type { Termination } from '../sys/wait-status';
import { ExeclineError, say, setStderr, strerror } from './errors';
import { FdTable } from './fds';

/** What a builtin leads to: the next argv of the chain, or the chain's exit code. */
export type Step = string[] | number;
export type Builtin = (args: string[], chain: Chain) => Step | Promise<Step>;

/** Runs one of nuwa's other applets in this process; undefined when `name` cannot be (not one, or a daemon). */
export type AppletRunner = (name: string, args: string[]) => Promise<number> | undefined;

let appletRunner: AppletRunner | undefined;

/** main.ts hands in its dispatch, so that this layer can run with-contenv & co without importing the applets. */
export function setAppletRunner(runner: AppletRunner): void {
  appletRunner = runner;
}

let selfExe: string | null | undefined;
function self(): string | null {
  if (selfExe === undefined) selfExe = isSea() ? fs.realpathSync(process.execPath) : null;
  return selfExe;
}

type Program =
  | { kind: 'builtin'; name: string }
  | { kind: 'applet'; name: string }
  | { kind: 'script'; file: string; option: string | undefined }
  | { kind: 'external' };

function realpathOr(file: string): string | undefined {
  try {
    return fs.realpathSync(file);
  } catch {
    return undefined;
  }
}

export class Chain {
  readonly fds = new FdTable();
  /** Children started by `background`, for `wait`. */
  readonly children = new Map<number, Promise<Termination>>();
  /** The program whose exec is being done, for the messages. */
  current = 'execlineb';

  constructor(private readonly builtins: Readonly<Record<string, Builtin>>) {
    setStderr(() => this.fds.real(2));
  }

  classify(argv0: string): Program {
    const base = path.basename(argv0);
    if (!argv0.includes('/')) {
      if (Object.hasOwn(this.builtins, argv0)) return { kind: 'builtin', name: argv0 };
    }
    const exe = self();
    if (exe === null) return { kind: 'external' };
    const found = findProgram(argv0, environ.get('PATH'));
    if (found === undefined) return { kind: 'external' };
    if (realpathOr(found) !== exe) return this.execlineScript(found, exe) ?? { kind: 'external' };
    return Object.hasOwn(this.builtins, base) ? { kind: 'builtin', name: base } : { kind: 'applet', name: base };
  }

  /**
   * An execline script whose #! line names this nuwa's execlineb (s6-overlay's with-contenv is one): run in this
   * process as the kernel would run it, `execlineb [OPTION] FILE ARGS…`, instead of starting nuwa again.
   */
  private execlineScript(file: string, exe: string): Program | undefined {
    let head: string;
    try {
      const fd = fs.openSync(file, 'r');
      try {
        const buffer = Buffer.alloc(256);
        head = buffer.toString('latin1', 0, fs.readSync(fd, buffer, 0, 256, 0));
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return undefined;
    }
    const m = /^#!\s*(\S+)(?:[ \t]+([^\n]*?))?[ \t]*\n/.exec(head);
    if (!m || path.basename(m[1] as string) !== 'execlineb' || realpathOr(m[1] as string) !== exe) return undefined;
    return { kind: 'script', file, option: m[2] || undefined };
  }

  /** Runs `argv` to its end: builtins here, the first other program by exec. Resolves to the exit code. */
  async run(argv: string[]): Promise<number> {
    let next = argv;
    for (;;) {
      if (next.length === 0) return 0;
      const program = this.classify(next[0] as string);
      if (program.kind === 'external') return this.exec(next);
      if (program.kind === 'script') {
        next = ['execlineb', ...(program.option !== undefined ? [program.option] : []), program.file, ...next.slice(1)];
        continue;
      }
      if (program.kind === 'applet') {
        continueChainWith((following) => {
          environ.syncIn();
          return this.run(following);
        });
        environ.syncOut();
        const ran = appletRunner?.(program.name, next.slice(1));
        if (ran) return ran;
        continueChainWith(undefined);
        return this.exec(next);
      }
      const builtin = this.builtins[program.name] as Builtin;
      this.current = program.name;
      let step: Step;
      try {
        step = await builtin(next.slice(1), this);
      } catch (err) {
        // a system call the builtin did not expect to fail (EMFILE, ENOSPC, …): one line and 111, never a stack trace
        const failure = err instanceof ExeclineError ? err : new ExeclineError(program.name, 111, strerror(err));
        say(failure.line());
        return failure.code;
      }
      if (typeof step === 'number') return step;
      next = step;
    }
  }

  /** The exec that ends the chain. Returns only when it failed: 127 for a missing program, 126 otherwise. */
  exec(argv: string[], file?: string): number {
    continueChainWith(undefined);
    this.fds.apply();
    try {
      native().setEnviron(environ.pairs());
      native().execvp(argv, file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      say(`${this.current}: fatal: unable to exec ${argv[0]}: ${strerror(err)}`);
      return code === 'ENOENT' || code === 'ENOTDIR' ? 127 : 126;
    }
    return 111;
  }

  /**
   * Starts `argv` as a child holding the chain's state (environment, cwd, descriptors as the script sees them).
   * One of nuwa's own programs runs as `nuwa NAME …`. `stdio` overrides some descriptors (pipeline, backtick). Never a
   * 'pipe': destroying Node's stream over it sets up process.stderr, which makes an inherited fd 2 non-blocking.
   */
  async spawn(argv: string[], stdio: Record<number, number | 'ignore'> = {}): Promise<Spawned> {
    const { file, args, argv0 } = this.command(argv);
    const table: Array<number | 'ignore'> = this.fds.stdio();
    for (const [fd, what] of Object.entries(stdio)) {
      while (table.length <= Number(fd)) table.push('ignore');
      table[Number(fd)] = what;
    }
    return spawn(file, args, { stdio: table, env: environ.object(), argv0 });
  }

  /** What starts `argv` in a child: one of nuwa's own programs is `nuwa NAME …`. */
  private command(argv: string[]): { file: string; args: string[]; argv0: string } {
    const program = this.classify(argv[0] as string);
    if (program.kind !== 'builtin' && program.kind !== 'applet')
      return { file: argv[0] as string, args: argv.slice(1), argv0: argv[0] as string };
    const me = selfCommand();
    return { file: me.file, args: [...me.prefix, program.name, ...argv.slice(1)], argv0: me.argv0 };
  }

  /**
   * Starts `argv` double-forked (execline's `-d`): its parent exits at once, so it is nobody's child here and nothing
   * waits for it; `stdio` overrides descriptors as for spawn. Its pid. A program that cannot be executed is reported
   * as execline's grandchild reports it (`PROG (grandchild): fatal: …`) and the chain goes on; undefined pid only
   * when the fork itself failed (thrown as 111).
   */
  spawnDetached(argv: string[], program: string, stdio: Record<number, number> = {}): number {
    const { file, args, argv0 } = this.command(argv);
    const fds = this.fds.stdio().map((fd) => (fd === 'ignore' ? -1 : fd));
    for (const [fd, what] of Object.entries(stdio)) {
      while (fds.length <= Number(fd)) fds.push(-1);
      fds[Number(fd)] = what;
    }
    try {
      return native().spawn(file, [argv0, ...args], environ.pairs(), null, fds, false, true);
    } catch (err) {
      const failure = err as NodeJS.ErrnoException & { pid?: number };
      if (failure.pid === undefined) throw new ExeclineError(program, 111, `unable to doublefork: ${strerror(err)}`);
      say(`${program} (grandchild): fatal: unable to exec ${argv[0]}: ${strerror(err)}`);
      return failure.pid;
    }
  }

  /** spawn, then wait: the termination, or the reason it could not start. */
  async runChild(argv: string[]): Promise<Termination | SpawnError> {
    try {
      return await (
        await this.spawn(argv)
      ).exited;
    } catch (err) {
      if (err instanceof SpawnError) return err;
      throw err;
    }
  }
}

/** "unable to spawn X: No such file or directory", from a SpawnError. */
export function spawnFailure(err: SpawnError): string {
  return `unable to spawn ${err.file}: ${strerror({ code: err.code })}`;
}
