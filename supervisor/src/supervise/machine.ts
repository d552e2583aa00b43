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
  /**
   * run died by itself while wanted up, and the restart policy starts it again at once (it had run for
   * nuwa-restart-min-uptime, so this is no failure): the supervisor counts these to tell a crash loop.
   */
  | { type: 'unasked-death'; wstat: number; uptimeMs: number; minUptimeMs: number }
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
      return onRunSpawned(s, e.pid, e.settings, e.now);
    case 'run-spawn-failed':
      return onRunSpawnFailed(s);
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
      return onFinishSpawned(s, e.pid);
    case 'finish-absent':
      if (s.phase !== 'finish' && s.phase !== 'lastfinish') return [s, []];
      return downAndReady(s, 'dD', e.now);
    case 'finish-died': {
      if ((s.phase !== 'finish' && s.phase !== 'lastfinish') || e.pid !== s.pid) return [s, []];
      const stayDown = (e.wstat & 0x7f) === 0 && e.wstat >> 8 === FINISH_STAY_DOWN;
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

function onRunSpawned(s: MachineState, pid: number, settings: ServiceSettings, now: Now): Transition {
  const up: MachineState = {
    ...s,
    phase: 'up',
    pid,
    ready: false,
    paused: false,
    stamp: now.tain,
    startedAt: now.mono,
    requested: false,
    settings,
  };
  return [up, [{ type: 'write-status' }, { type: 'announce', letters: 'u' }, { type: 'deadline', ms: null }]];
}

function onRunSpawnFailed(s: MachineState): Transition {
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

function onFinishSpawned(s: MachineState, pid: number): Transition {
  if (s.phase !== 'finish' && s.phase !== 'lastfinish') return [s, []];
  return [
    { ...s, pid },
    [
      { type: 'write-status' },
      { type: 'announce', letters: 'd' },
      { type: 'deadline', ms: s.settings.timeoutFinishMs > 0 ? s.settings.timeoutFinishMs : null },
    ],
  ];
}

function exit(s: MachineState): Transition {
  return [{ ...s, phase: 'gone' }, [{ type: 'deadline', ms: null }, { type: 'announce', letters: 'x' }, { type: 'exit' }]];
}

function killTimeout(ms: number): string {
  return ms ? ` and timeout-kill (${ms} ms)` : '';
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
          {
            type: 'warn',
            message: `still running after the down signal${killTimeout(s.settings.timeoutKillMs)}: SIGKILL`,
          },
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

/**
 * What a control letter does, for every (phase, letter) pair: s6-supervise's action table, every cell named (`nop`
 * included), so a new letter or phase does not compile until someone decides each of its cells. LASTUP and
 * LASTFINISH ("exit once down") take the UP and FINISH columns; their `x` leaves them where they are.
 */
type Cell = (s: MachineState) => Transition;
type Column = 'down' | 'up' | 'finish';

const nop: Cell = (s) => [s, []];
/** down: u, U, o. */
const start: Cell = (s) => [{ ...s, wantUp: true }, [{ type: 'spawn-run' }]];
const startForGood: Cell = (s) => [{ ...s, wantUp: true }, [{ type: 'remove-down' }, { type: 'spawn-run' }]];
const startOnce: Cell = (s) => [{ ...s, wantUp: false }, [{ type: 'spawn-run' }]];
/** Only what is wanted changes (a service already running, or finishing). */
const wantUp: Cell = (s) => withWantUp(s, true);
const wantUpForGood: Cell = (s) => withWantUp(s, true, 'remove-down');
const wantDown: Cell = (s) => withWantUp(s, false);
const wantDownForGood: Cell = (s) => withWantUp(s, false, 'create-down');
/** up: the user's signal goes to run (its death is then not counted as a crash). */
const signalRun =
  (signal: NodeJS.Signals): Cell =>
  (s) => [{ ...s, requested: true }, [{ type: 'kill', signal }]];
const signalGroup =
  (signal: NodeJS.Signals): Cell =>
  (s) => [{ ...s, requested: true }, [{ type: 'kill', signal, group: true }]];
const pause: Cell = (s) => [{ ...s, paused: true }, [{ type: 'kill', signal: 'SIGSTOP' }, { type: 'write-status' }]];
const resume: Cell = (s) => [{ ...s, paused: false }, [{ type: 'kill', signal: 'SIGCONT' }, { type: 'write-status' }]];
const pauseGroup: Cell = (s) => [
  { ...s, paused: true },
  [{ type: 'kill', signal: GROUP_LETTERS.P, group: true }, { type: 'write-status' }],
];
const resumeGroup: Cell = (s) => [
  { ...s, paused: false },
  [{ type: 'kill', signal: GROUP_LETTERS.C, group: true }, { type: 'write-status' }],
];
const restart: Cell = (s) => signalRun(s.settings.downSignal)(s);
const stop: Cell = (s) => stopRun(s, false);
const stopForGood: Cell = (s) => stopRun(s, true);
const exitWhenDown =
  (phase: 'lastup' | 'lastfinish'): Cell =>
  (s) => [{ ...s, phase }, []];

// prettier-ignore
const CONTROL: Readonly<Record<Column, Readonly<Record<ControlLetter, Cell>>>> = {
  // Nothing runs: signal letters, p, c, r have no target.
  down: {
    u: start, U: startForGood, o: startOnce, d: wantDown, O: wantDown, D: wantDownForGood, Q: wantDownForGood, x: exit,
    r: nop, p: nop, c: nop, P: nop, C: nop, K: nop,
    a: nop, b: nop, q: nop, h: nop, k: nop, t: nop, i: nop, '1': nop, '2': nop, y: nop,
  },
  up: {
    u: wantUp, U: wantUpForGood, o: wantDown, O: wantDown, d: stop, D: stopForGood, Q: wantDownForGood, x: exitWhenDown('lastup'),
    r: restart, p: pause, c: resume, P: pauseGroup, C: resumeGroup, K: signalGroup(GROUP_LETTERS.K),
    a: signalRun(SIGNAL_LETTERS.a), b: signalRun(SIGNAL_LETTERS.b), q: signalRun(SIGNAL_LETTERS.q), h: signalRun(SIGNAL_LETTERS.h),
    k: signalRun(SIGNAL_LETTERS.k), t: signalRun(SIGNAL_LETTERS.t), i: signalRun(SIGNAL_LETTERS.i),
    '1': signalRun(SIGNAL_LETTERS['1']), '2': signalRun(SIGNAL_LETTERS['2']), y: signalRun(SIGNAL_LETTERS.y),
  },
  // finish is never signalled by the user; what is wanted takes effect when it ends.
  finish: {
    u: wantUp, U: wantUpForGood, o: wantDown, O: wantDown, d: wantDown, D: wantDownForGood, Q: wantDownForGood,
    x: exitWhenDown('lastfinish'),
    r: nop, p: nop, c: nop, P: nop, C: nop, K: nop,
    a: nop, b: nop, q: nop, h: nop, k: nop, t: nop, i: nop, '1': nop, '2': nop, y: nop,
  },
};

const COLUMN: Readonly<Record<Exclude<Phase, 'gone'>, Column>> = {
  down: 'down',
  up: 'up',
  lastup: 'up',
  finish: 'finish',
  lastfinish: 'finish',
};

function onControl(s: MachineState, letter: ControlLetter): Transition {
  if (s.phase === 'gone') return [s, []];
  return CONTROL[COLUMN[s.phase]][letter](s);
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
  } else if (!s.requested && s.wantUp && s.phase === 'up') {
    actions.push({ type: 'unasked-death', wstat, uptimeMs, minUptimeMs: settings.restart.minUptimeMs });
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
