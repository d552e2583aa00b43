/**
 * s6-supervise's state machine, driven directly: what each event and control letter does in each state, which
 * event letters reach event/ listeners, what finish is told, and nuwa's restart delays.
 */
import test from 'ava';
import {
  initialState,
  statusOf,
  transition,
  type Action,
  type MachineEvent,
  type MachineState,
  type Now,
} from '../../supervisor/src/supervise/machine';
import { afterDeath, backoffDelay, DEFAULT_RESTART_POLICY, LOGGER_RESTART_POLICY } from '../../supervisor/src/supervise/restart-policy';
import { DEFAULT_SETTINGS, type ServiceSettings } from '../../supervisor/src/supervise/settings';

const at = (ms: number): Now => ({ tain: BigInt(ms) * 1_000_000n + 1_700_000_000_000_000_000n, mono: ms });
const exitStatus = (code: number) => code << 8;
const killedBy = (signal: number) => signal;

/** Runs events in order and collects every action; spawn actions are answered as the supervisor would. */
function drive(events: MachineEvent[], start = initialState(at(0))): { state: MachineState; actions: Action[] } {
  let state = start;
  const actions: Action[] = [];
  for (const event of events) {
    const [next, out] = transition(state, event);
    state = next;
    actions.push(...out);
  }
  return { state, actions };
}

const announced = (actions: Action[]) => actions.flatMap((a) => (a.type === 'announce' ? [a.letters] : []));
const kinds = (actions: Action[]) => actions.map((a) => a.type);
const settings = (over: Partial<ServiceSettings> = {}): ServiceSettings => ({ ...DEFAULT_SETTINGS, ...over });

/** A supervisor that has started run (pid 100) at t=0. */
function upAt(ms = 0, over: Partial<ServiceSettings> = {}): MachineState {
  return drive([
    { type: 'boot', now: at(ms), normallyUp: true },
    { type: 'run-spawned', pid: 100, settings: settings(over), now: at(ms) },
  ]).state;
}

test('boot of a normally-up service: status, event s, then run is spawned; spawn → up, event u', (t) => {
  const boot = drive([{ type: 'boot', now: at(0), normallyUp: true }]);
  t.deepEqual(kinds(boot.actions), ['write-status', 'announce', 'spawn-run']);
  t.deepEqual(announced(boot.actions), ['s']);
  const up = drive([{ type: 'run-spawned', pid: 100, settings: settings(), now: at(5) }], boot.state);
  t.is(up.state.phase, 'up');
  t.deepEqual(announced(up.actions), ['u']);
  const status = statusOf(up.state);
  t.is(status.pid, 100);
  t.true(status.wantUp);
  t.false(status.ready);
  t.false(status.finishing);
});

test('a `down` file: boot writes status and s but spawns nothing; u starts it; o starts it once', (t) => {
  const boot = drive([{ type: 'boot', now: at(0), normallyUp: false }]);
  t.false(kinds(boot.actions).includes('spawn-run'));
  t.false(boot.state.wantUp);
  t.true(statusOf(boot.state).ready); // s6 2.11's first status: down and ready (flags 0x08)
  t.deepEqual(kinds(drive([{ type: 'timeout', now: at(10) }], boot.state).actions), []);
  const u = drive([{ type: 'control', letter: 'u', now: at(10) }], boot.state);
  t.true(u.state.wantUp);
  t.deepEqual(kinds(u.actions), ['spawn-run']);
  const o = drive([{ type: 'control', letter: 'o', now: at(10) }], boot.state);
  t.false(o.state.wantUp);
  t.deepEqual(kinds(o.actions), ['spawn-run']);
});

test(
  'run dies: death recorded, finish gets exit code, signal number, and its pid (= pgid) as arguments; ' +
    'finish spawned → event d, finishing',
  (t) => {
    const died = drive([{ type: 'run-died', pid: 100, wstat: exitStatus(3), settings: settings(), now: at(2000) }], upAt());
    t.is(died.state.phase, 'finish');
    const spawnFinish = died.actions.find((a) => a.type === 'spawn-finish');
    t.deepEqual(spawnFinish, { type: 'spawn-finish', args: ['3', '0', '100'] });
    t.truthy(died.actions.find((a) => a.type === 'record-death'));
    const finishing = drive([{ type: 'finish-spawned', pid: 200, now: at(2001) }], died.state);
    t.deepEqual(announced(finishing.actions), ['d']);
    t.true(statusOf(finishing.state).finishing);
    t.is(statusOf(finishing.state).pid, 200);
    t.deepEqual(
      finishing.actions.find((a) => a.type === 'deadline'),
      { type: 'deadline', ms: 5000 },
    );
    const done = drive([{ type: 'finish-died', pid: 200, wstat: exitStatus(0), now: at(2100) }], finishing.state);
    t.deepEqual(announced(done.actions), ['D']);
    t.is(done.state.phase, 'down');
    t.true(statusOf(done.state).ready);
    t.is(statusOf(done.state).pid, 0);
    t.is(statusOf(done.state).wstat, exitStatus(3));
  },
);

test('run killed by a signal: finish gets 256 and the raw signal number', (t) => {
  const died = drive([{ type: 'run-died', pid: 100, wstat: killedBy(9), settings: settings(), now: at(2000) }], upAt());
  t.deepEqual(
    died.actions.find((a) => a.type === 'spawn-finish'),
    { type: 'spawn-finish', args: ['256', '9', '100'] },
  );
});

test('no finish: one event dD, down and ready at once', (t) => {
  const died = drive(
    [
      { type: 'run-died', pid: 100, wstat: exitStatus(0), settings: settings(), now: at(5000) },
      { type: 'finish-absent', now: at(5000) },
    ],
    upAt(),
  );
  t.deepEqual(announced(died.actions), ['dD']);
  t.is(died.state.phase, 'down');
  t.true(died.state.ready);
});

test('finish exiting 125 means stay down: event OD, want up cleared, no restart deadline', (t) => {
  const { state, actions } = drive(
    [
      { type: 'run-died', pid: 100, wstat: exitStatus(1), settings: settings(), now: at(5000) },
      { type: 'finish-spawned', pid: 200, now: at(5000) },
      { type: 'finish-died', pid: 200, wstat: exitStatus(125), now: at(5001) },
    ],
    upAt(),
  );
  t.deepEqual(announced(actions), ['d', 'OD']);
  t.false(state.wantUp);
  t.deepEqual(actions.at(-1), { type: 'deadline', ms: null });
});

test('finish that outlives timeout-finish is SIGKILLed, then again every 5 s', (t) => {
  const finishing = drive(
    [
      { type: 'run-died', pid: 100, wstat: exitStatus(1), settings: settings({ timeoutFinishMs: 300 }), now: at(5000) },
      { type: 'finish-spawned', pid: 200, now: at(5000) },
    ],
    upAt(),
  );
  t.deepEqual(
    finishing.actions.find((a) => a.type === 'deadline' && a.ms !== null),
    { type: 'deadline', ms: 300 },
  );
  const timeout = drive([{ type: 'timeout', now: at(5300) }], finishing.state);
  t.deepEqual(
    timeout.actions.filter((a) => a.type === 'kill'),
    [{ type: 'kill', signal: 'SIGKILL' }],
  );
  t.deepEqual(timeout.actions.at(-1), { type: 'deadline', ms: 5000 });
});

test('d: down-signal then SIGCONT, want up cleared, timeout-kill armed; the death does not restart', (t) => {
  const d = drive([{ type: 'control', letter: 'd', now: at(100) }], upAt(0, { downSignal: 'SIGHUP', timeoutKillMs: 700 }));
  t.deepEqual(
    d.actions.filter((a) => a.type === 'kill'),
    [
      { type: 'kill', signal: 'SIGHUP' },
      { type: 'kill', signal: 'SIGCONT' },
    ],
  );
  t.false(d.state.wantUp);
  t.deepEqual(d.actions.at(-1), { type: 'deadline', ms: 700 });
  const killAfter = drive([{ type: 'timeout', now: at(800) }], d.state);
  t.deepEqual(
    killAfter.actions.filter((a) => a.type === 'kill'),
    [{ type: 'kill', signal: 'SIGKILL' }],
  );
  const down = drive(
    [
      { type: 'run-died', pid: 100, wstat: killedBy(1), settings: settings(), now: at(900) },
      { type: 'finish-absent', now: at(900) },
    ],
    d.state,
  );
  t.is(down.state.phase, 'down');
  t.deepEqual(down.actions.at(-1), { type: 'deadline', ms: null });
});

test('D creates ./down, U removes it and starts, Q creates it without killing', (t) => {
  t.true(kinds(drive([{ type: 'control', letter: 'D', now: at(1) }], upAt()).actions).includes('create-down'));
  const q = drive([{ type: 'control', letter: 'Q', now: at(1) }], upAt());
  t.true(kinds(q.actions).includes('create-down'));
  t.false(kinds(q.actions).includes('kill'));
  const down = drive([{ type: 'boot', now: at(0), normallyUp: false }]).state;
  t.deepEqual(kinds(drive([{ type: 'control', letter: 'U', now: at(1) }], down).actions), ['remove-down', 'spawn-run']);
});

test('signal letters reach run only while it is up; p/c pause and continue with the paused flag', (t) => {
  const k = drive([{ type: 'control', letter: 'k', now: at(1) }], upAt());
  t.deepEqual(k.actions, [{ type: 'kill', signal: 'SIGKILL' }]);
  const p = drive([{ type: 'control', letter: 'p', now: at(1) }], upAt());
  t.true(statusOf(p.state).paused);
  const c = drive([{ type: 'control', letter: 'c', now: at(2) }], p.state);
  t.false(statusOf(c.state).paused);
  const down = drive([{ type: 'boot', now: at(0), normallyUp: false }]).state;
  for (const letter of ['k', 't', 'h', 'p', 'r'] as const) t.deepEqual(drive([{ type: 'control', letter, now: at(1) }], down).actions, []);
});

test('r sends the down signal and restarts at once, whatever the uptime', (t) => {
  const { actions } = drive(
    [
      { type: 'control', letter: 'r', now: at(10) },
      { type: 'run-died', pid: 100, wstat: killedBy(15), settings: settings(), now: at(12) },
      { type: 'finish-absent', now: at(12) },
    ],
    upAt(0, { downSignal: 'SIGINT' }),
  );
  t.deepEqual(actions[0], { type: 'kill', signal: 'SIGINT' });
  t.deepEqual(actions.at(-1), { type: 'deadline', ms: 0 });
  t.false(kinds(actions).includes('failed'));
});

test('readiness: event U once, status ready; a second newline changes nothing', (t) => {
  const ready = drive([{ type: 'ready', now: at(50) }], upAt());
  t.deepEqual(announced(ready.actions), ['U']);
  t.true(statusOf(ready.state).ready);
  t.true(kinds(ready.actions).includes('close-notification'));
  t.deepEqual(drive([{ type: 'ready', now: at(60) }], ready.state).actions, []);
});

test('x while up: the supervisor exits once run has died and finish has run (LASTUP → LASTFINISH → exit)', (t) => {
  const { state, actions } = drive(
    [
      { type: 'control', letter: 'x', now: at(1) },
      { type: 'run-died', pid: 100, wstat: exitStatus(0), settings: settings(), now: at(2) },
      { type: 'finish-spawned', pid: 200, now: at(2) },
      { type: 'finish-died', pid: 200, wstat: exitStatus(0), now: at(3) },
    ],
    upAt(),
  );
  t.deepEqual(announced(actions), ['d', 'D', 'x']);
  t.is(actions.at(-1)?.type, 'exit');
  t.is(state.phase, 'gone');
  t.false(kinds(actions).includes('spawn-run'));
});

test('x while down exits at once; terminate while up sends the down signal and exits after the death', (t) => {
  const down = drive([{ type: 'boot', now: at(0), normallyUp: false }]).state;
  t.deepEqual(announced(drive([{ type: 'control', letter: 'x', now: at(1) }], down).actions), ['x']);
  const { actions, state } = drive(
    [
      { type: 'terminate', now: at(1) },
      { type: 'run-died', pid: 100, wstat: killedBy(15), settings: settings(), now: at(2) },
      { type: 'finish-absent', now: at(2) },
    ],
    upAt(),
  );
  t.deepEqual(actions[0], { type: 'kill', signal: 'SIGTERM' });
  t.deepEqual(announced(actions), ['dD', 'x']);
  t.is(state.phase, 'gone');
});

test('a death of a run we stopped supervising (stale pid) is ignored', (t) => {
  const up = upAt();
  t.deepEqual(drive([{ type: 'run-died', pid: 999, wstat: 0, settings: settings(), now: at(5) }], up).actions, []);
});

test('restart policy: quick deaths back off 1, 2, 4 … 30 s; ≥1 s of uptime restarts at once; 60 s up forgets', (t) => {
  const policy = DEFAULT_RESTART_POLICY;
  t.deepEqual(
    [1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, policy)),
    [1000, 2000, 4000, 8000, 16000, 30000, 30000],
  );
  t.deepEqual(afterDeath(0, 1500, false, policy), { failures: 0, delayMs: 0, failed: false });
  t.deepEqual(afterDeath(0, 10, false, policy), { failures: 1, delayMs: 1000, failed: true });
  t.deepEqual(afterDeath(3, 10, false, policy), { failures: 4, delayMs: 8000, failed: true });
  t.deepEqual(afterDeath(3, 5000, false, policy), { failures: 3, delayMs: 0, failed: false });
  t.deepEqual(afterDeath(3, 60_000, false, policy), { failures: 0, delayMs: 0, failed: false });
  t.deepEqual(afterDeath(3, 10, true, policy), { failures: 3, delayMs: 0, failed: false });
});

test("a logger's restart policy: quick deaths wait 1 s each, as in s6, never longer", (t) => {
  t.deepEqual(
    [1, 2, 3, 10].map((n) => backoffDelay(n, LOGGER_RESTART_POLICY)),
    [1000, 1000, 1000, 1000],
  );
  t.deepEqual(afterDeath(5, 10, false, LOGGER_RESTART_POLICY), { failures: 6, delayMs: 1000, failed: true });
  t.deepEqual(afterDeath(5, 1500, false, LOGGER_RESTART_POLICY), { failures: 5, delayMs: 0, failed: false });
});

test('crash loop through the machine: each quick death is reported as a failure with a growing delay', (t) => {
  let state = upAt(0);
  const delays: number[] = [];
  let clock = 0;
  for (let i = 0; i < 4; i++) {
    clock += 10;
    const died = drive(
      [
        { type: 'run-died', pid: 100, wstat: exitStatus(127), settings: settings(), now: at(clock) },
        { type: 'finish-absent', now: at(clock) },
      ],
      state,
    );
    const failed = died.actions.find((a) => a.type === 'failed');
    t.truthy(failed);
    delays.push((died.actions.at(-1) as { ms: number }).ms);
    state = drive([{ type: 'run-spawned', pid: 100, settings: settings(), now: at(clock) }], died.state).state;
  }
  t.deepEqual(delays, [1000, 2000, 4000, 8000]);
});

test('a run that cannot be spawned backs off the same way and stays down', (t) => {
  const boot = drive([{ type: 'boot', now: at(0), normallyUp: true }]).state;
  const first = drive([{ type: 'run-spawn-failed', now: at(0) }], boot);
  t.is(first.state.phase, 'down');
  t.deepEqual(first.actions.at(-1), { type: 'deadline', ms: 1000 });
  const second = drive(
    [
      { type: 'timeout', now: at(1000) },
      { type: 'run-spawn-failed', now: at(1000) },
    ],
    first.state,
  );
  t.deepEqual(second.actions.at(-1), { type: 'deadline', ms: 2000 });
});

test('a run that cannot be spawned is retried no sooner than 1 s, even with nuwa-restart-delay 0 (no busy retry loop)', (t) => {
  const zero = { ...DEFAULT_RESTART_POLICY, delayMs: 0, delayMaxMs: 0 };
  let state = drive([{ type: 'boot', now: at(0), normallyUp: true }], initialState(at(0), settings({ restart: zero }))).state;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const failed = drive([{ type: 'run-spawn-failed', now: at(attempt * 1000) }], state);
    t.deepEqual(failed.actions.at(-1), { type: 'deadline', ms: 1000 }, `attempt ${attempt}`);
    state = drive([{ type: 'timeout', now: at(attempt * 1000 + 1000) }], failed.state).state;
  }
  // deaths of a run that did start still follow the user's delay: 0 means at once
  const up = upAt(0, { restart: zero });
  const died = drive(
    [
      { type: 'run-died', pid: 100, wstat: exitStatus(1), settings: up.settings, now: at(10) },
      { type: 'finish-absent', now: at(10) },
    ],
    up,
  );
  t.deepEqual(died.actions.at(-1), { type: 'deadline', ms: 0 });
});
