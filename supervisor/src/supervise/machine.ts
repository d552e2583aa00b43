/**
 * s6-supervise's state machine as a pure function: (state, event) → (state, actions). No I/O here: the supervisor
 * (supervisor.ts) feeds events — timeouts, control letters, process births and deaths, readiness — and carries out
 * the actions. States follow s6-supervise: DOWN, UP, FINISH, and LASTUP/LASTFINISH ("exit once the service is down").
 * The one deliberate difference from s6 is the restart delay (restart-policy.ts).
 *
 * Two-step starts: `spawn-run` / `spawn-finish` actions are answered by the supervisor with an immediate follow-up
 * event (`run-spawned`, `run-spawn-failed`, `finish-spawned`, `finish-absent`) before any other event is handled.
 */
import type { ControlLetter } from '../wire/control';
import { GROUP_LETTERS, SIGNAL_LETTERS } from '../wire/control';
import type { SupervisorStatus } from '../wire/status';
import type { Tain } from '../wire/tai64n';
import { afterDeath, afterSpawnFailure } from './restart-policy';
import { DEFAULT_SETTINGS, type ServiceSettings } from './settings';

export type Phase = 'down' | 'up' | 'finish' | 'lastup' | 'lastfinish' | 'gone';

/** A point in time twice: wall clock for the status file, monotonic ms for durations. */
export interface Now {
  tain: Tain;
  mono: number;
}

export interface MachineState {
  phase: Phase;
  wantUp: boolean;
  paused: boolean;
  ready: boolean;
  /** run's pid in up/lastup; finish's pid in finish/lastfinish (0 until it is spawned); 0 when down. */
  pid: number;
  /** Raw wait status of run's last death. */
  wstat: number;
  stamp: Tain;
  readyStamp: Tain;
  /** Monotonic ms at which the current (or last) run was spawned. */
  startedAt: number;
  /** The current run was told to stop or signalled by the user: its death is not a crash. */
  requested: boolean;
  /** Consecutive failures (nuwa's back-off level). */
  failures: number;
  /** Delay before the next start once the service is down (ms). */
  restartDelayMs: number;
  settings: ServiceSettings;
}

export type MachineEvent =
  | { type: 'boot'; now: Now; normallyUp: boolean }
  | { type: 'timeout'; now: Now }
  | { type: 'control'; letter: ControlLetter; now: Now }
  | { type: 'run-spawned'; pid: number; settings: ServiceSettings; now: Now }
  | { type: 'run-spawn-failed'; now: Now }
  | { type: 'ready'; now: Now }
  | { type: 'run-died'; pid: number; wstat: number; settings: ServiceSettings; now: Now }
  | { type: 'finish-spawned'; pid: number; now: Now }
  | { type: 'finish-absent'; now: Now }
  | { type: 'finish-died'; pid: number; wstat: number; now: Now }
  /** s6-supervise's SIGTERM: stop the service, then exit. */
  | { type: 'terminate'; now: Now }
  /** s6-supervise's SIGHUP (and `x`): exit once the service is down by itself. */
  | { type: 'hangup'; now: Now }
  /** s6-supervise's SIGQUIT: exit now, leaving the service running. */
  | { type: 'quit'; now: Now };

export type Action =
  | { type: 'spawn-run' }
  | { type: 'spawn-finish'; args: [exit: string, signal: string, pgid: string] }
  /** Signal run (pid, or its process group when `group`). */
  | { type: 'kill'; signal: NodeJS.Signals; group?: boolean }
  | { type: 'write-status' }
  /** Event letters for the event/ fifodir. */
  | { type: 'announce'; letters: string }
  | { type: 'record-death'; wstat: number; at: Tain; keep: number }
  /** (Re)arm the single deadline, `ms` from now; null disarms it. */
  | { type: 'deadline'; ms: number | null }
  | { type: 'create-down' }
  | { type: 'remove-down' }
  | { type: 'close-notification' }
  /** A run death counted as a failure (the supervisor logs it once, then counts). */
  | { type: 'failed'; wstat: number | null; uptimeMs: number; delayMs: number; failures: number }
  | { type: 'warn'; message: string }
  | { type: 'exit' };

export type Transition = [MachineState, Action[]];

/** s6 re-checks a process that survived SIGKILL every 5 s. */
export const KILL_AGAIN_MS = 5000;
/** finish exiting with this code means "permanent failure: stay down" (s6's 125). */
export const FINISH_STAY_DOWN = 125;

export function initialState(now: Now, settings: ServiceSettings = DEFAULT_SETTINGS): MachineState {
  return {
    phase: 'down',
    wantUp: true,
    paused: false,
    // s6 2.11 starts "down and ready" (flags 0x08 with a down file): s6-svstat says "down (exitcode 0) N seconds, ready N seconds"
    ready: true,
    pid: 0,
    wstat: 0,
    stamp: now.tain,
    readyStamp: now.tain,
    startedAt: now.mono,
    requested: false,
    failures: 0,
    restartDelayMs: 0,
    settings,
  };
}

/** The 35-byte status record this state stands for. */
export function statusOf(s: MachineState): SupervisorStatus {
  return {
    stamp: s.stamp,
    readyStamp: s.readyStamp,
    pid: s.pid,
    wstat: s.wstat,
    paused: s.paused,
    finishing: s.phase === 'finish' || s.phase === 'lastfinish',
    wantUp: s.wantUp,
    ready: s.ready,
  };
}

export function isRunUp(s: MachineState): boolean {
  return s.phase === 'up' || s.phase === 'lastup';
}

export function transition(s: MachineState, e: MachineEvent): Transition {
  if (s.phase === 'gone') return [s, []];
  switch (e.type) {
    case 'boot': {
      const next = { ...s, wantUp: e.normallyUp, stamp: e.now.tain, readyStamp: e.now.tain };
      const actions: Action[] = [{ type: 'write-status' }, { type: 'announce', letters: 's' }];
      if (next.wantUp) actions.push({ type: 'spawn-run' });
      return [next, actions];
    }
    case 'timeout':
      return onTimeout(s);
    case 'control':
      return onControl(s, e.letter);
    case 'run-spawned':
      return [
        { ...s, phase: 'up', pid: e.pid, ready: false, paused: false, stamp: e.now.tain, startedAt: e.now.mono, requested: false, settings: e.settings },
        [{ type: 'write-status' }, { type: 'announce', letters: 'u' }, { type: 'deadline', ms: null }],
      ];
    case 'run-spawn-failed': {
      if (s.phase !== 'down') return [s, []];
      const after = afterSpawnFailure(s.failures, s.settings.restart);
      return [
        { ...s, failures: after.failures, restartDelayMs: after.delayMs },
        [
          { type: 'write-status' },
          { type: 'failed', wstat: null, uptimeMs: 0, delayMs: after.delayMs, failures: after.failures },
          { type: 'deadline', ms: s.wantUp ? after.delayMs : null },
        ],
      ];
    }
    case 'ready':
      if (!isRunUp(s) || s.ready) return [s, []];
      return [
        { ...s, ready: true, readyStamp: e.now.tain },
        [{ type: 'close-notification' }, { type: 'write-status' }, { type: 'announce', letters: 'U' }],
      ];
    case 'run-died':
      if (e.pid !== s.pid) return [s, []]; // a run we no longer supervise (after `quit`)
      return onRunDied(s, e.wstat, e.settings, e.now);
    case 'finish-spawned':
      if (s.phase !== 'finish' && s.phase !== 'lastfinish') return [s, []];
      return [
        { ...s, pid: e.pid },
        [
          { type: 'write-status' },
          { type: 'announce', letters: 'd' },
          { type: 'deadline', ms: s.settings.timeoutFinishMs > 0 ? s.settings.timeoutFinishMs : null },
        ],
      ];
    case 'finish-absent':
      if (s.phase !== 'finish' && s.phase !== 'lastfinish') return [s, []];
      return downAndReady(s, 'dD', e.now);
    case 'finish-died': {
      if ((s.phase !== 'finish' && s.phase !== 'lastfinish') || e.pid !== s.pid) return [s, []];
      const stayDown = (e.wstat & 0x7f) === 0 && (e.wstat >> 8) === FINISH_STAY_DOWN;
      return downAndReady(stayDown ? { ...s, wantUp: false } : s, stayDown ? 'OD' : 'D', e.now);
    }
    case 'terminate':
      if (s.phase === 'down') return exit(s);
      if (s.phase === 'finish') return [{ ...s, phase: 'lastfinish' }, []];
      if (isRunUp(s)) {
        const [down, actions] = stopRun({ ...s, phase: 'lastup' }, false);
        return [down, actions];
      }
      return [s, []];
    case 'hangup':
      return onControl(s, 'x');
    case 'quit':
      return exit(s);
  }
}

function exit(s: MachineState): Transition {
  return [{ ...s, phase: 'gone' }, [{ type: 'deadline', ms: null }, { type: 'announce', letters: 'x' }, { type: 'exit' }]];
}

function onTimeout(s: MachineState): Transition {
  switch (s.phase) {
    case 'down':
      return s.wantUp ? [s, [{ type: 'spawn-run' }]] : [s, []];
    case 'up':
    case 'lastup':
      // timeout-kill ran out after the down signal
      return [
        s,
        [
          { type: 'warn', message: `still running after the down signal${s.settings.timeoutKillMs ? ` and timeout-kill (${s.settings.timeoutKillMs} ms)` : ''}: SIGKILL` },
          { type: 'kill', signal: 'SIGKILL' },
          { type: 'deadline', ms: KILL_AGAIN_MS },
        ],
      ];
    case 'finish':
    case 'lastfinish':
      return [
        s,
        [
          { type: 'warn', message: `finish still running after timeout-finish (${s.settings.timeoutFinishMs} ms): SIGKILL` },
          { type: 'kill', signal: 'SIGKILL' },
          { type: 'deadline', ms: KILL_AGAIN_MS },
        ],
      ];
    default:
      return [s, []];
  }
}

/** `d` on a running service: down signal, SIGCONT so a stopped process can act on it, and the timeout-kill deadline. */
function stopRun(s: MachineState, touchDownFile: boolean): Transition {
  const actions: Action[] = [];
  if (touchDownFile) actions.push({ type: 'create-down' });
  actions.push(
    { type: 'kill', signal: s.settings.downSignal },
    { type: 'kill', signal: 'SIGCONT' },
    { type: 'write-status' },
    { type: 'deadline', ms: s.settings.timeoutKillMs > 0 ? s.settings.timeoutKillMs : null },
  );
  return [{ ...s, wantUp: false, paused: false, requested: true }, actions];
}

function withWantUp(s: MachineState, wantUp: boolean, file?: 'create-down' | 'remove-down'): Transition {
  const actions: Action[] = file ? [{ type: file }] : [];
  actions.push({ type: 'write-status' });
  return [{ ...s, wantUp }, actions];
}

function onControl(s: MachineState, letter: ControlLetter): Transition {
  switch (s.phase) {
    case 'down':
      switch (letter) {
        case 'u':
          return [{ ...s, wantUp: true }, [{ type: 'spawn-run' }]];
        case 'U':
          return [{ ...s, wantUp: true }, [{ type: 'remove-down' }, { type: 'spawn-run' }]];
        case 'o':
          return [{ ...s, wantUp: false }, [{ type: 'spawn-run' }]];
        case 'd':
        case 'O':
          return withWantUp(s, false);
        case 'D':
        case 'Q':
          return withWantUp(s, false, 'create-down');
        case 'x':
          return exit(s);
        default:
          return [s, []]; // nothing runs: signal letters, p, c, r have no target
      }
    case 'up':
    case 'lastup':
      return onControlUp(s, letter);
    case 'finish':
    case 'lastfinish':
      switch (letter) {
        case 'u':
        case 'U':
          return withWantUp(s, true, letter === 'U' ? 'remove-down' : undefined);
        case 'd':
        case 'o':
        case 'O':
          return withWantUp(s, false);
        case 'D':
        case 'Q':
          return withWantUp(s, false, 'create-down');
        case 'x':
          return [{ ...s, phase: 'lastfinish' }, []];
        default:
          return [s, []]; // finish is not signalled by the user
      }
    default:
      return [s, []];
  }
}

function onControlUp(s: MachineState, letter: ControlLetter): Transition {
  if (letter in SIGNAL_LETTERS) {
    return [{ ...s, requested: true }, [{ type: 'kill', signal: SIGNAL_LETTERS[letter as keyof typeof SIGNAL_LETTERS] }]];
  }
  switch (letter) {
    case 'p':
      return [{ ...s, paused: true }, [{ type: 'kill', signal: 'SIGSTOP' }, { type: 'write-status' }]];
    case 'c':
      return [{ ...s, paused: false }, [{ type: 'kill', signal: 'SIGCONT' }, { type: 'write-status' }]];
    case 'P':
    case 'C':
      return [{ ...s, paused: letter === 'P' }, [{ type: 'kill', signal: GROUP_LETTERS[letter], group: true }, { type: 'write-status' }]];
    case 'K':
      return [{ ...s, requested: true }, [{ type: 'kill', signal: 'SIGKILL', group: true }]];
    case 'r':
      return [{ ...s, requested: true }, [{ type: 'kill', signal: s.settings.downSignal }]];
    case 'd':
      return stopRun(s, false);
    case 'D':
      return stopRun(s, true);
    case 'u':
      return withWantUp(s, true);
    case 'U':
      return withWantUp(s, true, 'remove-down');
    case 'o':
    case 'O':
      return withWantUp(s, false);
    case 'Q':
      return withWantUp(s, false, 'create-down');
    case 'x':
      return [{ ...s, phase: 'lastup' }, []];
    default:
      return [s, []];
  }
}

function onRunDied(s: MachineState, wstat: number, settings: ServiceSettings, now: Now): Transition {
  if (!isRunUp(s)) return [s, []];
  const signal = wstat & 0x7f;
  const exitArg = signal === 0 ? String((wstat >> 8) & 0xff) : '256';
  const uptimeMs = now.mono - s.startedAt;
  const after = afterDeath(s.failures, uptimeMs, s.requested, settings.restart);
  const next: MachineState = {
    ...s,
    phase: s.phase === 'lastup' ? 'lastfinish' : 'finish',
    pid: 0,
    wstat,
    paused: false,
    ready: false,
    stamp: now.tain,
    settings,
    failures: after.failures,
    restartDelayMs: after.delayMs,
  };
  const actions: Action[] = [
    { type: 'deadline', ms: null },
    { type: 'close-notification' },
    { type: 'record-death', wstat, at: now.tain, keep: settings.maxDeathTally },
  ];
  if (after.failed && s.wantUp && s.phase === 'up') {
    actions.push({ type: 'failed', wstat, uptimeMs, delayMs: after.delayMs, failures: after.failures });
  }
  actions.push({ type: 'spawn-finish', args: [exitArg, String(signal), String(s.pid)] });
  return [next, actions];
}

/** s6's set_down_and_ready: the service is fully down; restart after the policy's delay if still wanted. */
function downAndReady(s: MachineState, letters: string, now: Now): Transition {
  const down: MachineState = { ...s, pid: 0, ready: true, readyStamp: now.tain };
  if (s.phase === 'lastfinish') {
    const [gone, exitActions] = exit(down);
    return [gone, [{ type: 'write-status' }, { type: 'announce', letters }, ...exitActions]];
  }
  return [
    { ...down, phase: 'down' },
    [{ type: 'write-status' }, { type: 'announce', letters }, { type: 'deadline', ms: s.wantUp ? s.restartDelayMs : null }],
  ];
}
