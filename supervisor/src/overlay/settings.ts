/**
 * s6-overlay's S6_* variables, with s6-overlay's defaults and meanings (README "Customizing s6-overlay behaviour").
 *
 * Where s6-overlay's scripts and its README disagree, nuwa follows the README, which is what users read:
 * S6_KILL_FINISH_MAXTIME defaults to 5000 (the script falls back to 0 = no limit) and S6_SERVICES_READYTIME to 50
 * (the script falls back to 5).
 *
 * Stage 2 reads its variables like s6-overlay's scripts do, with `printcontenv`: from the container environment dump,
 * so a variable written there by S6_STAGE2_HOOK or a cont-init script takes effect for what comes after.
 */
import { logger } from '../sys/logger';

const log = logger('init');

/** Where a variable's value comes from: the process environment, or the container environment dump. */
export type EnvLookup = (name: string) => string | undefined;

export interface OverlaySettings {
  /** S6_KEEP_ENV: the whole tree sees the original environment; with-contenv becomes a no-op. */
  keepEnv: boolean;
  /** S6_LOGGING: 0 everything to the container's stdout/stderr; 1 catch-all logger + console; 2 catch-all only. */
  logging: 0 | 1 | 2;
  /** S6_CATCHALL_USER: the catch-all logger's account (only when running as root). */
  catchallUser: string | undefined;
  /** S6_BEHAVIOUR_IF_STAGE2_FAILS: 0 continue silently, 1 continue with a warning, 2 stop the container. */
  stage2Policy: 0 | 1 | 2;
  /** S6_KILL_FINISH_MAXTIME: ms each cont-finish.d script may run (0 = no limit). */
  killFinishMaxTime: number;
  /** S6_SERVICES_READYTIME: ms to wait before checking that /etc/services.d services are up. */
  servicesReadyTime: number;
  /** S6_SERVICES_GRACETIME: ms to wait for /etc/services.d services to go down at shutdown. */
  servicesGraceTime: number;
  /** S6_KILL_GRACETIME: ms between the final SIGTERM to every process and SIGKILL. */
  killGraceTime: number;
  /** S6_LOGGING_SCRIPT: the s6-log directives logutil-service and the catch-all logger use. */
  loggingScript: string;
  /** S6_CMD_ARG0: words put before CMD (word-split, as the shell does with an unquoted variable). */
  cmdArg0: string[];
  /** S6_CMD_USE_TERMINAL: CMD writes to the terminal rather than to the catch-all logger. */
  cmdUseTerminal: boolean;
  /** S6_FIX_ATTRS_HIDDEN: fix-attrs.d also processes dotfiles. */
  fixAttrsHidden: boolean;
  /** S6_CMD_WAIT_FOR_SERVICES: wait for /etc/services.d services to be up (ready) before user2 and CMD. */
  cmdWaitForServices: boolean;
  /** S6_CMD_WAIT_FOR_SERVICES_MAXTIME: ms the whole service startup may take (0 = no limit; s6-overlay ≥ 3.2). */
  cmdWaitForServicesMaxTime: number;
  /** S6_READ_ONLY_ROOT: the root filesystem is read-only; /run must be a writable tmpfs. */
  readOnlyRoot: boolean;
  /** S6_SYNC_DISKS: sync filesystems at the very end (this syncs the host's disks too). */
  syncDisks: boolean;
  /** S6_STAGE2_HOOK: a command line (word-split) run before the services are read. */
  stage2Hook: string | undefined;
  /** S6_VERBOSITY: 0 errors, 1 warnings, 2 info (default), 3+ debug. */
  verbosity: number;
  /** S6_CMD_RECEIVE_SIGNALS: TERM/QUIT/INT/USR1/USR2/PWR/WINCH go to CMD instead of stopping the container. */
  cmdReceiveSignals: boolean;
  /** S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES: accept a world-writable root-owned /run silently. */
  worldWritableRunOk: boolean;
  /** S6_WAIT_FOR_CLOSING_FD: a descriptor (≥ 3) whose other end must be closed before the boot begins. */
  waitForClosingFd: number | undefined;
  /** S6_RUNTIME_PROFILE: read /etc/cont-profile.d/<profile>/… instead of /etc/… */
  runtimeProfile: string | undefined;
  /** S6_RUNTIME_BUNDLEDIR: where the `user` and `user2` bundles are defined. */
  runtimeBundleDir: string | undefined;
}

export const DEFAULT_LOGGING_SCRIPT = 'n20 s1000000 T';

/** Every variable this module understands, for `nuwa init --help` and the README. */
export const VARIABLES: readonly [name: string, fallback: string, meaning: string][] = [
  ['S6_KEEP_ENV', '0', 'services and CMD see the whole container environment'],
  ['S6_LOGGING', '0', '1: catch-all logger in /run/uncaught-logs and console; 2: logger only'],
  ['S6_CATCHALL_USER', 'root', 'account of the catch-all logger'],
  ['S6_BEHAVIOUR_IF_STAGE2_FAILS', '0', '0 continue, 1 warn, 2 stop the container'],
  ['S6_KILL_FINISH_MAXTIME', '5000', 'ms each cont-finish.d script may run (0: no limit)'],
  ['S6_SERVICES_READYTIME', '50', 'ms before checking services.d services are up'],
  ['S6_SERVICES_GRACETIME', '3000', 'ms services.d services get to stop'],
  ['S6_KILL_GRACETIME', '3000', 'ms between the final SIGTERM and SIGKILL'],
  ['S6_LOGGING_SCRIPT', DEFAULT_LOGGING_SCRIPT, 's6-log directives of logutil-service'],
  ['S6_CMD_ARG0', '', 'words put before CMD'],
  ['S6_CMD_USE_TERMINAL', '0', 'CMD writes to the terminal even when S6_LOGGING is 2'],
  ['S6_FIX_ATTRS_HIDDEN', '0', 'fix-attrs.d also processes dotfiles'],
  ['S6_CMD_WAIT_FOR_SERVICES', '0', 'wait for services.d services before user2 and CMD'],
  ['S6_CMD_WAIT_FOR_SERVICES_MAXTIME', '0', 'ms the whole startup may take (0: no limit)'],
  ['S6_READ_ONLY_ROOT', '0', 'read-only root: /run must be a writable tmpfs'],
  ['S6_SYNC_DISKS', '0', 'sync filesystems at the end'],
  ['S6_STAGE2_HOOK', '', 'command run before the services are read'],
  ['S6_VERBOSITY', '2', '0 errors, 1 warnings, 2 info, 3+ debug'],
  ['S6_CMD_RECEIVE_SIGNALS', '0', 'TERM/QUIT/INT/USR1/USR2/PWR/WINCH go to CMD'],
  ['S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES', '0', 'accept a world-writable /run without a warning'],
  ['S6_WAIT_FOR_CLOSING_FD', '', 'fd to wait for EOF on before booting'],
  ['S6_RUNTIME_PROFILE', '', 'use /etc/cont-profile.d/PROFILE/ instead of /etc/'],
  ['S6_RUNTIME_BUNDLEDIR', '/etc/s6-overlay/user-bundles.d', 'where the user and user2 bundles live'],
];

/** Reads every S6_* variable through `lookup`; a malformed value gets one warning and the default. */
export function readSettings(lookup: EnvLookup): OverlaySettings {
  const text = (name: string): string | undefined => {
    const value = lookup(name);
    return value === undefined || value === '' ? undefined : value;
  };
  const number = (name: string, fallback: number): number => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw.trim())) {
      log.warn(`${name}=${JSON.stringify(raw)} is not a non-negative integer: using ${fallback}`);
      return fallback;
    }
    return Number(raw.trim());
  };
  const flag = (name: string): boolean => number(name, 0) !== 0;
  const level = (name: string, max: 2): 0 | 1 | 2 => Math.min(number(name, 0), max) as 0 | 1 | 2;
  const fd = number('S6_WAIT_FOR_CLOSING_FD', 0);
  return {
    keepEnv: flag('S6_KEEP_ENV'),
    logging: level('S6_LOGGING', 2),
    catchallUser: text('S6_CATCHALL_USER'),
    stage2Policy: level('S6_BEHAVIOUR_IF_STAGE2_FAILS', 2),
    killFinishMaxTime: number('S6_KILL_FINISH_MAXTIME', 5000),
    servicesReadyTime: number('S6_SERVICES_READYTIME', 50),
    servicesGraceTime: number('S6_SERVICES_GRACETIME', 3000),
    killGraceTime: number('S6_KILL_GRACETIME', 3000),
    loggingScript: text('S6_LOGGING_SCRIPT') ?? DEFAULT_LOGGING_SCRIPT,
    cmdArg0: (text('S6_CMD_ARG0') ?? '').split(/[ \t\n]+/).filter(Boolean),
    cmdUseTerminal: flag('S6_CMD_USE_TERMINAL'),
    fixAttrsHidden: flag('S6_FIX_ATTRS_HIDDEN'),
    cmdWaitForServices: flag('S6_CMD_WAIT_FOR_SERVICES'),
    cmdWaitForServicesMaxTime: number('S6_CMD_WAIT_FOR_SERVICES_MAXTIME', 0),
    readOnlyRoot: flag('S6_READ_ONLY_ROOT'),
    syncDisks: flag('S6_SYNC_DISKS'),
    stage2Hook: text('S6_STAGE2_HOOK'),
    verbosity: number('S6_VERBOSITY', 2),
    cmdReceiveSignals: flag('S6_CMD_RECEIVE_SIGNALS'),
    worldWritableRunOk: flag('S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES'),
    waitForClosingFd: fd >= 3 ? fd : undefined,
    runtimeProfile: text('S6_RUNTIME_PROFILE'),
    runtimeBundleDir: text('S6_RUNTIME_BUNDLEDIR'),
  };
}
