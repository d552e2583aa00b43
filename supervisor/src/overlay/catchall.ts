/**
 * S6_LOGGING: the catch-all logger. With 1 or 2, everything the supervision tree writes — services, oneshots,
 * cont-init and cont-finish scripts, nuwa's own messages — goes through a pipe into s6-log, which keeps it in
 * /run/uncaught-logs (and, with 1, also copies it to the console). CMD keeps the console with 1 and goes to the
 * logger with 2 (unless S6_CMD_USE_TERMINAL and a terminal).
 *
 * PID 1 points its own stdout and stderr at the pipe (everything it spawns inherits them); it keeps a private copy
 * of the console for CMD and for the logger's console copy. s6-log runs with -p, so the final SIGTERM to every
 * process spares it; it ends on EOF once init gives the console back to itself at the very end: no line is lost.
 */
import * as fs from 'node:fs';
import { logger } from '../sys/logger';
import { native } from '../sys/native';
import { spawn, SpawnError, type Spawned } from '../sys/spawner';
import { findUser, type Account } from '../sys/accounts';
import { RUN, UNCAUGHT_LOGS } from './paths';
import { findProgram } from '../sys/run-program';
import { selfCommand } from '../sys/self';
import { lateAfter } from '../sys/timer';
import type { OverlaySettings } from './settings';
import { formatMode } from '../sys/files';

const log = logger('init');

export interface CatchAll {
  /** The console, as it was before stdout/stderr went to the logger. */
  console: number;
  pid: number;
  /** Gives stdout/stderr back to the console; the logger drains the pipe and exits. */
  stop(deadline: number): Promise<void>;
}

/** s6-linux-init's timestamp choice for the catch-all logger: the t/T directives of S6_LOGGING_SCRIPT. */
function stampDirectives(script: string | undefined): string[] {
  const words = (script ?? '').split(/[ \t\n]+/);
  return ['t', 'T'].filter((d) => words.includes(d));
}

/** Whether `account` may traverse a directory (the search bit that applies to it: owner, group, then others). */
function canEnter(st: fs.Stats, account: Account): boolean {
  if (st.uid === account.uid) return (st.mode & 0o100) !== 0;
  if (st.gid === account.gid) return (st.mode & 0o010) !== 0;
  return (st.mode & 0o001) !== 0;
}

/** The logger program: s6-log from the image (Debian's, or nuwa's through /command), else nuwa's own log applet. */
function loggerCommand(pathValue: string | undefined): { file: string; prefix: string[]; argv0?: string } {
  const s6log = findProgram('s6-log', pathValue);
  if (s6log) return { file: s6log, prefix: [] };
  const self = selfCommand();
  return { file: self.file, prefix: [...self.prefix, 'log'], argv0: self.argv0 };
}

export async function startCatchAll(
  settings: OverlaySettings,
  rawScript: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<CatchAll | undefined> {
  if (settings.logging === 0) return undefined;
  const asRoot = (process.getuid?.() ?? 0) === 0;
  let account = asRoot && settings.catchallUser ? findUser(settings.catchallUser) : undefined;
  if (asRoot && settings.catchallUser && !account)
    log.warn(`S6_CATCHALL_USER=${settings.catchallUser} is not in /etc/passwd: the catch-all logger runs as root`);
  const run = account ? fs.statSync(RUN) : undefined;
  if (account && run && !canEnter(run, account)) {
    // s6-log would die at once on EACCES, and every line after it would be lost
    log.warn(
      `S6_CATCHALL_USER=${settings.catchallUser} cannot enter /run (mode ${formatMode(run.mode)}): ` + 'the catch-all logger runs as root',
    );
    account = undefined;
  }
  fs.mkdirSync(UNCAUGHT_LOGS, { recursive: true, mode: 0o2750 });
  if (account) fs.chownSync(UNCAUGHT_LOGS, account.uid, account.gid);

  const nat = native();
  const consoleFd = nat.dupCloexec(1);
  const [readEnd, writeEnd] = nat.pipe();
  const command = loggerCommand(env.PATH);
  const script = [...(settings.logging === 1 ? ['1'] : []), ...stampDirectives(rawScript), UNCAUGHT_LOGS];
  let child: Spawned;
  try {
    child = await spawn(command.file, [...command.prefix, '-bp', '--', ...script], {
      argv0: command.argv0,
      stdio: [readEnd, consoleFd, consoleFd],
      env,
      detached: true,
      uid: account?.uid,
      gid: account?.gid,
    });
  } catch (err) {
    fs.closeSync(readEnd);
    fs.closeSync(writeEnd);
    fs.closeSync(consoleFd);
    if (!(err instanceof SpawnError)) throw err;
    log.error(`S6_LOGGING=${settings.logging}: cannot start the catch-all logger (${err.message}): logging to the console`);
    return undefined;
  }
  // From here on, whatever init and its children write goes to the logger.
  nat.dup2(writeEnd, 1);
  nat.dup2(writeEnd, 2);
  fs.closeSync(writeEnd);
  fs.closeSync(readEnd);
  return {
    console: consoleFd,
    pid: child.pid,
    async stop(deadline) {
      nat.dup2(consoleFd, 1);
      nat.dup2(consoleFd, 2);
      const late = lateAfter(Math.max(0, deadline - Date.now()), 'late' as const);
      if ((await Promise.race([child.exited, late])) === 'late') {
        log.warn('the catch-all logger did not drain its input in time');
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    },
  };
}
