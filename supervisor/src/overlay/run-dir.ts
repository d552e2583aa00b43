/**
 * s6-overlay's preinit: make sure /run is usable by the container's user, then clear what a previous boot left.
 * s6-overlay needs a setuid-root helper (s6-overlay-suexec) to fix /run's owner for a non-root USER; nuwa has no
 * such helper, so it accepts every /run it can actually write to, warns when that /run is shared with other users,
 * and otherwise stops with one line that says how to give the container a usable /run (exit 100, as preinit).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { logger } from '../sys/logger';
import { spawn } from '../sys/spawner';
import { LEGACY_SERVICES, RESULTS_DIR, RUN, S6_RUN, SCANDIR, UNCAUGHT_LOGS, V2_LINKS } from './paths';
import { findProgram } from '../sys/run-program';
import type { OverlaySettings } from './settings';
import { formatMode } from '../sys/files';

const log = logger('init');

export class FatalBootError extends Error {
  constructor(
    message: string,
    readonly exitCode = 100,
  ) {
    super(message);
  }
}

function writable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const HOW_TO_FIX =
  'give the container a /run its user can write: `podman run --tmpfs /run:U`, ' +
  '`docker run --tmpfs /run:uid=UID,gid=GID`, or `RUN chown USER /run` in the image';

async function mountTmpfs(env: NodeJS.ProcessEnv): Promise<boolean> {
  const mount = findProgram('mount', env.PATH);
  if (!mount) return false;
  log.info('creating a tmpfs on /run');
  const child = await spawn(mount, ['-t', 'tmpfs', '-o', 'exec,mode=0755', 'tmpfs', RUN], { stdio: ['ignore', 'inherit', 'inherit'], env });
  const done = await child.exited;
  return done.code === 0;
}

/** Checks /run's owner and mode for our uid; fixes it when we are root. Throws FatalBootError when unusable. */
function checkOwnership(settings: OverlaySettings): void {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const egid = process.getegid?.() ?? gid;
  const st = fs.statSync(RUN);
  if (st.uid === uid) {
    if ((st.mode & 0o700) !== 0o700) fs.chmodSync(RUN, (st.mode & 0o7777) | 0o700);
    return;
  }
  if (uid === 0) {
    log.info(`/run belongs to uid ${st.uid} instead of 0 - fixing it`);
    fs.chownSync(RUN, 0, 0);
    fs.chmodSync(RUN, 0o755);
    return;
  }
  const perms = st.mode & 0o7777;
  if (gid === 0 && st.gid === 0 && (perms & 0o070) === 0o070 && (perms & 0o002) === 0) {
    log.info('using /run with gid 0');
    return;
  }
  const bits = st.gid === egid ? (perms >> 3) & 7 : perms & 7;
  const sticky = (perms & 0o1000) !== 0;
  if (bits === 7 && writable(RUN)) {
    if (sticky) {
      log.warn(`/run belongs to uid ${st.uid} instead of ${uid}, but we can still work in single-uid mapping`);
    } else if (settings.worldWritableRunOk) {
      log.info(
        `/run belongs to uid ${st.uid} instead of ${uid} and is world-writable: ` +
          'accepted (S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES)',
      );
    } else {
      log.warn(
        `/run belongs to uid ${st.uid} instead of ${uid} and is world-writable without the sticky bit: using it anyway ` +
          '(set S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES=1 to silence this)',
      );
    }
    return;
  }
  throw new FatalBootError(`/run belongs to uid ${st.uid} (mode ${formatMode(perms)}) and uid ${uid} cannot write to it: ${HOW_TO_FIX}`);
}

/** /var/run should be a symlink to /run; fixed when /var exists and is writable, otherwise left alone. */
function fixVarRun(): void {
  const varRun = '/var/run';
  try {
    if (fs.lstatSync(varRun).isSymbolicLink() && path.resolve('/var', fs.readlinkSync(varRun)) === RUN) return;
  } catch {
    if (!fs.existsSync('/var')) return;
  }
  try {
    fs.rmSync(varRun, { recursive: true, force: true });
    fs.symlinkSync(RUN, varRun);
    log.warn('/var/run was not a symlink to /run: fixed');
  } catch (err) {
    log.debug(`/var/run is not a symlink to /run and cannot be fixed: ${(err as Error).message}`);
  }
}

/** Prepares /run for a boot. `env` is the boot's environment (for finding `mount`). */
export async function prepareRun(settings: OverlaySettings, env: NodeJS.ProcessEnv): Promise<void> {
  if (settings.readOnlyRoot) {
    log.info('read-only root');
    if (!fs.existsSync(RUN) || !fs.statSync(RUN).isDirectory())
      throw new FatalBootError(`/run is missing or not a directory: ${HOW_TO_FIX}`);
    if (!writable(RUN) && !((process.getuid?.() ?? 0) === 0 && (await mountTmpfs(env)))) {
      throw new FatalBootError(`/run is not writable on this read-only root: ${HOW_TO_FIX}`);
    }
  } else {
    try {
      fs.mkdirSync(RUN, { recursive: true, mode: 0o755 });
    } catch (err) {
      throw new FatalBootError(`cannot create /run (${(err as Error).message}): ${HOW_TO_FIX}`);
    }
  }
  checkOwnership(settings);
  fixVarRun();
  try {
    for (const name of fs.readdirSync(RUN)) if (name.startsWith('s6-rc')) fs.rmSync(path.join(RUN, name), { recursive: true, force: true });
    for (const dir of [S6_RUN, SCANDIR, UNCAUGHT_LOGS, RESULTS_DIR, LEGACY_SERVICES]) fs.rmSync(dir, { recursive: true, force: true });
    // not recursive: /run exists, and Node's recursive mkdir reports a read-only /run as ENOENT
    for (const dir of [S6_RUN, SCANDIR, RESULTS_DIR]) fs.mkdirSync(dir, { mode: 0o755 });
    for (const [link, target] of V2_LINKS) fs.symlinkSync(target, link);
  } catch (err) {
    const readOnly =
      (err as NodeJS.ErrnoException).code === 'EROFS' ? ' (a read-only root? S6_READ_ONLY_ROOT=1 mounts a tmpfs on /run)' : '';
    throw new FatalBootError(`cannot prepare /run: ${(err as Error).message}${readOnly}: ${HOW_TO_FIX}`);
  }
}
