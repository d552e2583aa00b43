/**
 * `nuwa log` (also `s6-log`): reads a service's output on stdin and runs s6-log's logging script on each line.
 * Exits 0 on end of input, SIGTERM (unless -p), SIGINT or SIGHUP; SIGALRM rotates every logdir now.
 */
import type { Readable } from 'node:stream';
import { SystemError, UsageError } from '../cli/errors';
import { getopt } from '../cli/getopt';
import { routeSignals } from '../sys/signals';
import { after, type Timer } from '../sys/timer';
import { notifyReady } from '../wire/readiness';
import { now } from '../wire/tai64n';
import { LineSplitter } from '../sys/lines';
import { LogdirLockedError } from './current';
import { Logdir } from './logdir';
import { logger, setVerbosity } from '../sys/logger';
import { AlertOutput, serviceName, StatusOutput, StdoutOutput, SyslogOutput, type Output } from './outputs';
import { parseScript, selectSteps, type Step } from './script';
import { stampText } from './stamp';

const log = logger('log');

export const USAGE = 'nuwa log [-d notif] [-q|-v] [-b] [-p] [-l linelimit] [--] script...';

const HELP = `usage: ${USAGE}

s6-log's logging script, directive by directive (s6-log(8)):
  +re -re f       select lines matching / deselect lines matching (POSIX ERE) / lines no action took yet
  nN sN SN lN rN  archives kept (10) / rotate near N bytes (99999) / total archive bytes (0: no limit) /
                  tolerance (2000) / retry cooldown in ms (2000)
  EN ^N pTEXT     alert size (200) / status file size (1001) / prefix for the next lines
  !cmd ?cmd       processor run on each rotated file: execlineb -Pc cmd (nuwa's own when none is on PATH) / sh -c cmd
  t T             prefix the next action's lines with a TAI64N / a local ISO 8601 timestamp
  /dir ./dir      logdir: current, @<tai64n>.s archives, lock, state
  1 2 =file       stdout / alert on stderr / status file
  @TAG            nuwa: send to syslog tagged TAG (@ alone: the service's name); NUWA_SYSLOG, NUWA_SYSLOG_FACILITY

options:
  -d notif  write a newline to fd notif once ready    -b  stop reading while a logdir cannot be written (10 s at most)
  -q -v     fewer / more messages                     -p  ignore SIGTERM (exit on SIGHUP or end of input)
  -l N      cut lines longer than N bytes (8192; 0: never; at least 48)`;

/** After SIGTERM, how long an unfinished line may take to get its newline. */
const LAST_LINE_MS = 2000;

/** With -b, reading pauses at most this long while a logdir fails: the service must never block forever. */
const BLOCK_LIMIT_MS = 10_000;

export interface Options {
  notifyFd: number | undefined;
  blocking: boolean;
  protect: boolean;
  lineLimit: number;
}

export const DEFAULT_OPTIONS: Options = { notifyFd: undefined, blocking: false, protect: false, lineLimit: 8192 };

function parseOptions(argv: string[]): { options: Options; script: string[] } {
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(`${HELP}\n`);
    return { options: DEFAULT_OPTIONS, script: [] };
  }
  const parsed = getopt(argv, 'd:qvbpl:', USAGE);
  const options: Options = { ...DEFAULT_OPTIONS };
  let verbosity = 2;
  for (const [letter, arg] of parsed.options) {
    if (letter === 'd') {
      if (!/^\d+$/.test(arg as string)) throw new UsageError(`-d: '${arg}' is not a file descriptor; usage: ${USAGE}`);
      options.notifyFd = Number(arg);
    } else if (letter === 'q') verbosity = 0;
    else if (letter === 'v') verbosity = 3;
    else if (letter === 'b') options.blocking = true;
    else if (letter === 'p') options.protect = true;
    else if (letter === 'l') {
      const n = /^\d+$/.test(arg as string) ? Number(arg) : NaN;
      if (Number.isNaN(n) || (n !== 0 && n < 48)) throw new UsageError(`-l: '${arg}' must be 0 or a number of bytes >= 48`);
      options.lineLimit = n;
    }
  }
  if (verbosity !== 2) setVerbosity(verbosity);
  if (parsed.operands.length === 0) throw new UsageError(`no logging script; usage: ${USAGE}`);
  return { options, script: parsed.operands };
}

function outputFor(step: Step, logdirs: Logdir[], onChange: () => void): Output {
  const action = step.action;
  switch (action.kind) {
    case 'logdir': {
      const dir = new Logdir(action.dir, action.settings, onChange);
      logdirs.push(dir);
      return dir;
    }
    case 'stdout':
      return new StdoutOutput();
    case 'alert':
      return new AlertOutput(action.size);
    case 'status':
      return new StatusOutput(action.file, action.size);
    case 'syslog':
      try {
        return new SyslogOutput(action.tag ?? serviceName());
      } catch (err) {
        throw new UsageError(`@${action.tag ?? ''}: ${(err as Error).message}`);
      }
  }
}

export async function main(argv: string[]): Promise<number> {
  const { options, script } = parseOptions(argv);
  if (script.length === 0) return 0; // --help
  return runLogger(options, script, process.stdin);
}

/** Runs the logging script over `input` until it ends or a signal says stop. Exit code out. */
export async function runLogger(options: Options, script: string[], input: Readable): Promise<number> {
  const { steps, trailing } = parseScript(script);
  if (trailing.length > 0) log.warn(`directives after the last action have no effect: ${trailing.join(' ')}`);

  // Filled by openOutputs; the gate reads it on each change, so it is the same array.
  const logdirs: Logdir[] = [];
  const gate = readGate(input, logdirs, options.blocking);
  const outputs = openOutputs(steps, logdirs, gate.onChange);

  if (options.notifyFd !== undefined) notifyReady(options.notifyFd, log);

  const splitter = new LineSplitter(options.lineLimit);
  const handle = lineWriter(steps, outputs);
  return readUntilStop({ options, input, splitter, handle, outputs, logdirs, gate });
}

/** Pauses reading while a logdir fails (-b); `cancel` drops the pending time limit. */
interface ReadGate {
  onChange: () => void;
  cancel: () => void;
}

function readGate(input: Readable, logdirs: readonly Logdir[], blocking: boolean): ReadGate {
  let paused: Timer | undefined;
  const resume = () => {
    paused?.cancel();
    paused = undefined;
    input.resume();
  };
  // -b: the service waits (its pipe fills) while a logdir cannot take lines, but never longer than BLOCK_LIMIT_MS.
  const onChange = () => {
    if (!blocking) return;
    if (logdirs.some((d) => d.failing)) {
      if (paused) return;
      input.pause();
      paused = after(BLOCK_LIMIT_MS, () => {
        log.warn(`a logdir still cannot be written after ${BLOCK_LIMIT_MS / 1000} s; reading on so that the service does not block`);
        input.resume();
      });
    } else if (paused) resume();
  };
  const cancel = () => paused?.cancel();
  return { onChange, cancel };
}

/** One output per step, in script order; the logdirs among them are pushed onto `logdirs` and opened (locked). */
function openOutputs(steps: readonly Step[], logdirs: Logdir[], onChange: () => void): Output[] {
  const outputs = steps.map((step) => outputFor(step, logdirs, onChange));
  try {
    for (const dir of logdirs) dir.open();
  } catch (err) {
    if (err instanceof LogdirLockedError) throw new SystemError(err.message);
    throw err;
  }
  return outputs;
}

/** Writes one line (without its newline) to the outputs of the steps that select it. */
function lineWriter(steps: readonly Step[], outputs: readonly Output[]): (line: Buffer) => void {
  // Lines are decoded only when a regexp has to read them.
  const needsText = steps.some((s) => s.selectors.some((sel) => sel.kind !== 'fallback'));
  return (line: Buffer) => {
    const taken = selectSteps(steps, needsText ? line.toString('utf8') : '');
    if (taken.length === 0) return;
    const t = now();
    for (const i of taken) {
      const step = steps[i] as Step;
      const head = stampText(step.stamps, t, step.prefix);
      const text = head === '' ? line : Buffer.concat([Buffer.from(head), line]);
      const output = outputs[i] as Output;
      if (output instanceof Logdir) output.write(Buffer.concat([text, NEWLINE]));
      else output.write(text);
    }
  };
}

interface Session {
  options: Options;
  input: Readable;
  splitter: LineSplitter;
  handle: (line: Buffer) => void;
  outputs: readonly Output[];
  logdirs: readonly Logdir[];
  gate: ReadGate;
}

/** Reads lines until end of input or a stop signal, then writes the last line, closes the outputs and resolves 0. */
function readUntilStop(session: Session): Promise<number> {
  const { options, input, splitter, handle, outputs, logdirs, gate } = session;
  let reportedCut = false;
  return new Promise<number>((resolve) => {
    let stopping = false;
    let stopAfterLine = false;
    const finish = async () => {
      if (stopping) return;
      stopping = true;
      unroute();
      input.pause();
      input.removeAllListeners('data');
      const last = splitter.end();
      if (last) handle(last);
      gate.cancel();
      // Together: each failing logdir may retry for a while before it gives up (logdir.ts EXIT_RETRY_MS).
      await Promise.all(outputs.map((output) => output.close?.()));
      if (splitter.cuts > 0) log.info(`${splitter.cuts} lines longer than ${options.lineLimit} bytes were cut in two`);
      resolve(0);
    };
    // SIGTERM: finish the line being read (the rest stays in the pipe for the next logger), then exit. A line that
    // never ends must not keep the logger alive: after LAST_LINE_MS it is written as it is.
    const terminate = () => {
      if (!splitter.pending) {
        void finish();
        return;
      }
      stopAfterLine = true;
      after(LAST_LINE_MS, () => void finish());
    };
    const unroute = routeSignals({
      SIGTERM: () => {
        if (!options.protect) terminate();
      },
      SIGINT: terminate,
      SIGHUP: () => void finish(),
      SIGALRM: () => {
        for (const dir of logdirs) dir.rotate();
      },
    });
    input.on('data', (chunk: Buffer) => {
      for (const line of splitter.push(chunk)) handle(line);
      for (const dir of logdirs) dir.flush();
      if (splitter.cuts > 0 && !reportedCut) {
        reportedCut = true;
        log.warn(`a line longer than ${options.lineLimit} bytes was cut in two (-l); further cuts are counted`);
      }
      if (stopAfterLine && !splitter.pending) void finish();
    });
    input.on('end', () => void finish());
    input.on('error', (err) => {
      log.error(`reading stdin: ${err.message}`);
      void finish();
    });
  });
}

const NEWLINE = Buffer.from('\n');
