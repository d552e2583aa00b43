/**
 * A service directory's one-value files, read the way s6-supervise reads them (first line only, re-read at each start
 * and each death so edits apply without restarting anything), plus nuwa's restart-policy knobs in the same style.
 *
 * Invalid values never stop a service: they fall back to the default and come back as warnings, which the
 * supervisor logs once per distinct problem. A file that cannot be read for want of a file descriptor (EMFILE, ENFILE)
 * is not a bad setting: readSettings throws that error, so that no default is ever guessed in place of what the file
 * says (a guessed notification-fd would leave a service "up, never ready").
 */
import { constants } from 'node:os';
import { MAX_DEATH_TALLY } from '../wire/death-tally';
import { exists, readFirstLine, readUint } from '../wire/servicedir';
import { isFdExhaustion } from '../sys/fd-budget';
import { parseSignal, signalName } from '../sys/wait-status';
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from './restart-policy';

/** Highest fd a child may be given for notification-fd / lock-fd (s6 checks RLIMIT_NOFILE; this is its usual value). */
export const MAX_CHILD_FD = 1023;

export interface ServiceSettings {
  /** fd on which run writes a newline when ready; undefined = no readiness notification. */
  notificationFd?: number;
  /** fd on which run finds `supervise/service-lock` locked; undefined = no lock. */
  lockFd?: number;
  /** ms after the down signal before SIGKILL; 0 = never. */
  timeoutKillMs: number;
  /** ms finish may run before SIGKILL; 0 = unlimited. */
  timeoutFinishMs: number;
  maxDeathTally: number;
  downSignal: NodeJS.Signals;
  restart: RestartPolicy;
}

export const DEFAULT_SETTINGS: ServiceSettings = {
  timeoutKillMs: 0,
  timeoutFinishMs: 5000,
  maxDeathTally: 100,
  downSignal: 'SIGTERM',
  restart: DEFAULT_RESTART_POLICY,
};

/** nuwa's knob files (documented in the README): file name → field of RestartPolicy, all in milliseconds. */
export const RESTART_KNOBS: Readonly<Record<string, keyof RestartPolicy>> = {
  'nuwa-restart-min-uptime': 'minUptimeMs',
  'nuwa-restart-delay': 'delayMs',
  'nuwa-restart-delay-max': 'delayMaxMs',
  'nuwa-restart-reset': 'resetMs',
};

export interface ReadSettings {
  settings: ServiceSettings;
  /** One line per invalid file, naming the file and what was wrong. */
  warnings: string[];
}

/** down-signal's text, read as skalibs' sig0_scan reads it (sys/wait-status.ts), named as process.kill() wants it. */
function downSignalOf(text: string): NodeJS.Signals | undefined {
  const n = parseSignal(text.trim());
  if (n === undefined) return undefined;
  const name = signalName(n);
  return name in constants.signals ? (name as NodeJS.Signals) : undefined;
}

/**
 * Throws EMFILE/ENFILE (see above); every other problem is a warning. `policy`: the restart policy the knob files
 * override (a logger's differs from a service's).
 */
export function readSettings(dir: string, policy: RestartPolicy = DEFAULT_RESTART_POLICY): ReadSettings {
  const warnings: string[] = [];
  const uint = (file: string, fallback: number, max = Number.MAX_SAFE_INTEGER, fallbackText = `using ${fallback}`): number => {
    let setting;
    try {
      setting = readUint(dir, file);
    } catch (err) {
      if (isFdExhaustion(err)) throw err;
      warnings.push(`cannot read ${file}: ${(err as Error).message}: ${fallbackText}`);
      return fallback;
    }
    if (setting.kind === 'absent') return fallback;
    if (setting.kind === 'invalid' || setting.value > max) {
      const { text } = setting; // as the file says it: 99999999999999999999999, not 1e+23
      warnings.push(
        `invalid ${file} ${JSON.stringify(text.slice(0, 40))} ` +
          `(want a number${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''}): ${fallbackText}`,
      );
      return fallback;
    }
    return setting.value;
  };
  const optionalFd = (file: string): number | undefined => {
    const fd = uint(file, -1, MAX_CHILD_FD, 'ignoring it');
    return fd >= 0 ? fd : undefined;
  };

  let downSignal = DEFAULT_SETTINGS.downSignal;
  try {
    const text = readFirstLine(dir, 'down-signal');
    if (text !== undefined) {
      const parsed = downSignalOf(text);
      if (parsed) downSignal = parsed;
      else warnings.push(`invalid down-signal ${JSON.stringify(text.slice(0, 40))}: using SIGTERM`);
    }
  } catch (err) {
    if (isFdExhaustion(err)) throw err;
    warnings.push(`cannot read down-signal: ${(err as Error).message}: using SIGTERM`);
  }

  const restart = { ...policy };
  for (const [file, field] of Object.entries(RESTART_KNOBS)) restart[field] = uint(file, policy[field]);

  const settings: ServiceSettings = {
    notificationFd: optionalFd('notification-fd'),
    lockFd: optionalFd('lock-fd'),
    timeoutKillMs: uint('timeout-kill', DEFAULT_SETTINGS.timeoutKillMs),
    timeoutFinishMs: uint('timeout-finish', DEFAULT_SETTINGS.timeoutFinishMs),
    maxDeathTally: Math.min(uint('max-death-tally', DEFAULT_SETTINGS.maxDeathTally), MAX_DEATH_TALLY),
    downSignal,
    restart,
  };
  if (settings.lockFd !== undefined && settings.lockFd === settings.notificationFd) {
    warnings.push(`lock-fd and notification-fd are both ${settings.lockFd}: ignoring lock-fd`);
    settings.lockFd = undefined;
  }
  return { settings, warnings };
}

export function hasDownFile(dir: string): boolean {
  return exists(dir, 'down');
}
