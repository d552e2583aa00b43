/**
 * trap: signals sent to the trap process under Debian's trap and nuwa's, compared: which handlers ran (with SIGNAL),
 * forwarding with -x, dying of an untrapped signal, and the exit code; then its usage and syntax errors.
 */
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { signalNumber } from '../../supervisor/src/sys/wait-status';
import { waitFor } from '../helpers';
import { assertSame, prepare, type Implementation } from './harness';

/** prog: says it is ready, then runs until the file `go` exists, and exits 3. */
const PROG = '/bin/sh -c "echo > ready; while [ ! -e go ]; do sleep 0.05; done; exit 3"';
/** A handler that logs its name and SIGNAL; `last` also lets prog end. */
const handler = (name: string, last = false) => `{ /bin/sh -c "echo ${name} $SIGNAL >> log${last ? '; touch go' : ''}" }`;

interface Signalled {
  code: number | null;
  signal: string | null;
  log: string;
}

const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);

/** Runs `script`, sends each signal once prog is ready (waiting for the log to grow after each), ends prog. */
async function signalled(kind: Implementation, script: string, signals: NodeJS.Signals[], logged: number): Promise<Signalled> {
  const { argv, env, dir } = prepare(kind, { script });
  const child = spawn(argv[0] as string, argv.slice(1), { cwd: dir, env, stdio: 'ignore' });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  // Each handler is a process start of its own (nuwa's, then sh): on a machine at load 30–60 a start can take seconds,
  // so the waits are long; they end as soon as the handler has run.
  const patient = { timeoutMs: 60_000 };
  await waitFor(`${kind}: prog ready`, () => fs.existsSync(path.join(dir, 'ready')), patient);
  for (const [k, signal] of signals.entries()) {
    child.kill(signal);
    if (k < logged) await waitFor(`${kind}: handler ${k + 1} ran`, () => lines(path.join(dir, 'log')) > k, patient);
  }
  const end = await exited;
  fs.writeFileSync(path.join(dir, 'go'), ''); // an orphaned prog (trap died) ends too
  const log = path.join(dir, 'log');
  return { ...end, log: fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '' };
}

async function same(t: ExecutionContext, script: string, signals: NodeJS.Signals[], logged: number): Promise<Signalled> {
  const reference = await signalled('execline', script, signals, logged);
  const ours = await signalled('nuwa', script, signals, logged);
  t.deepEqual(ours, reference, script);
  return ours;
}

test('trap runs the handler of each signal received, with SIGNAL; exits with the code of prog', async (t) => {
  const out = await same(t, `trap { hup ${handler('hup')} SIGTERM ${handler('term', true)} } ${PROG}`, ['SIGHUP', 'SIGTERM'], 2);
  t.deepEqual(out, { code: 3, signal: null, log: 'hup 1\nterm 15\n' });
  const def = await same(t, `trap { 1 ${handler('hup')} default ${handler('default', true)} } ${PROG}`, ['SIGUSR1'], 1);
  t.is(def.log, 'default 10\n');
});

test('trap: an untrapped signal kills trap, or with -x is forwarded to prog (128+n)', async (t) => {
  const dies = await same(t, `trap { hup ${handler('hup')} } ${PROG}`, ['SIGTERM'], 0);
  t.deepEqual(dies, { code: null, signal: 'SIGTERM', log: '' });
  const forwarded = await same(t, `trap -x { hup ${handler('hup')} } ${PROG}`, ['SIGTERM'], 0);
  t.deepEqual(forwarded, { code: 143, signal: null, log: '' });
});

test('trap catches every signal Node can name but KILL, STOP and CHLD: default, named, numbered', async (t) => {
  const signals: NodeJS.Signals[] = ['SIGVTALRM', 'SIGXCPU', 'SIGIO', 'SIGPWR', 'SIGSYS', 'SIGTSTP', 'SIGPROF', 'SIGTRAP', 'SIGCONT'];
  const all = await same(t, `trap { default ${handler('default')} term ${handler('term', true)} } ${PROG}`, [...signals, 'SIGTERM'], 10);
  t.is(all.log, `${signals.map((name) => `default ${signalNumber(name)}\n`).join('')}term 15\n`);
  const named = await same(t, `trap { sigpipe ${handler('pipe')} 24 ${handler('xcpu', true)} } ${PROG}`, ['SIGPIPE', 'SIGXCPU'], 2);
  t.is(named.log, 'pipe 13\nxcpu 24\n');
  const forwarded = await same(t, `trap -x { hup ${handler('hup')} } ${PROG}`, ['SIGVTALRM'], 0);
  t.is(forwarded.code, 128 + 26);
});

test('trap dies of an untrapped SIGPIPE, SIGXFSZ or SIGUSR1 as execline does (Node ignores or keeps them)', async (t) => {
  for (const signal of ['SIGPIPE', 'SIGXFSZ', 'SIGUSR1'] as NodeJS.Signals[]) {
    const dies = await same(t, `trap { hup ${handler('hup')} } ${PROG}`, [signal], 0);
    t.deepEqual(dies, { code: null, signal, log: '' });
  }
});

test('a handler gets ! (the pid of prog) and SIGNAL', async (t) => {
  // ${p}: a $p followed by more of the word would name the key `p ] …` (execline's substitution), and stay as it is
  const check = '{ importas -i p ! /bin/sh -c "[ ${p} = $(cat pid) ] && echo prog $SIGNAL >> log; touch go" }';
  const prog = '/bin/sh -c "echo $$ > pid; echo > ready; while [ ! -e go ]; do sleep 0.05; done; exit 3"';
  const out = await same(t, `trap { usr2 ${check} } ${prog}`, ['SIGUSR2'], 1);
  t.deepEqual(out, { code: 3, signal: null, log: 'prog 12\n' });
});

test('trap: prog exit codes, usage and directive errors', (t) => {
  for (const script of [
    'trap { hup { echo x } } /bin/sh -c "exit 5"',
    'trap { term { echo x } } /bin/sh -c "kill $$"',
    'trap { bogus { echo x } } true',
    'trap { } true',
    'trap { 15 { echo x } }',
    'trap',
    'trap -z { hup { echo x } } true',
    'trap { hup { echo x } } nosuchprogram-el14',
    'trap { kill { echo x } } true',
    'trap { sigchld { echo x } } true',
    'trap { 19 { echo x } } true',
    'trap { hup { echo x } 1 { echo y } } true',
    'trap { 65 { echo x } } true',
    'trap { 0 { echo x } } /bin/sh -c "exit 4"',
  ]) {
    assertSame(t, { script });
  }
});
