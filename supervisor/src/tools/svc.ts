/**
 * nuwa svc (alias s6-svc): sends s6-svc's command letters to a service's supervisor — nuwa's or s6's, the FIFO is the
 * same. `-w?` waits for the result without exec'ing s6-svlisten1: it subscribes to the service's events first, then
 * sends the letters, so the transition cannot be missed. A bare service name is looked up in the scan dir.
 * Exit codes as s6-svc: 0; 100 usage or no supervisor; 111 system error; with -w, 99 timeout and 1 when the service
 * failed permanently or its supervisor died.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AppletMain } from '../cli/applet';
import { AppletError, UsageError, warn } from '../cli/errors';
import { SIGNAL_LETTERS, SUPERVISE_DIR } from '../wire/control';
import type { Goal, WaitResult } from '../wire/svlisten';
import { parseSignal, signalNumber } from '../sys/wait-status';
import { control } from './control-client';
import { getopt, parseMilliseconds } from '../cli/getopt';
import { resolveService } from './service-dir';
import { writeOut } from '../sys/output';

const USAGE = 'svc [ -wu | -wU | -wd | -wD | -wr | -wR ] [ -T timeout ] [ -s signal | -abqhkti12pcy ] [ -roduDUxOQ ] servicedir';
/** s6-svc sends at most this many letters (its 63-byte buffer, one byte reserved). */
const MAX_LETTERS = 62;

/** The signals s6-svc -s accepts, by number, and the letter that sends each. */
const LETTER_FOR_SIGNAL = new Map<number, string>([
  ...Object.entries(SIGNAL_LETTERS).map(([letter, name]) => [signalNumber(name), letter] as [number, string]),
  [signalNumber('SIGSTOP'), 'p'],
  [signalNumber('SIGCONT'), 'c'],
]);

function letterForSignal(text: string): string {
  const sig = parseSignal(text);
  if (sig === undefined) throw new UsageError(`invalid signal: ${text}`);
  const letter = LETTER_FOR_SIGNAL.get(sig);
  if (!letter)
    throw new UsageError(
      `${text} is not in the list of user-available signals (ALRM ABRT QUIT HUP KILL TERM INT USR1 USR2 STOP CONT WINCH)`,
    );
  return letter;
}

function check(result: WaitResult, dir: string): void {
  if (!result.reached) throw new AppletError('timed out', 99);
  if (result.failures > 0) throw new AppletError(`${dir} failed permanently or its supervisor died`, 1);
}

async function controlAndWait(dir: string, letters: string, wait: string, timeoutMs: number): Promise<void> {
  const deadline = timeoutMs > 0 ? performance.now() + timeoutMs : undefined;
  control(dir, SUPERVISE_DIR, ''); // no supervisor: fail now, as plain svc would, rather than wait for the timeout
  // loaded only for -w: the watcher brings node:net and node:crypto, which a plain `svc -u` does not need
  const { openWatch } = await import('./watch');
  const watch = openWatch([dir]);
  try {
    if (letters !== '') control(dir, SUPERVISE_DIR, letters);
    if (wait === 'r' || wait === 'R') {
      // s6-svlisten1 (letters sent) waits for down-and-ready first; s6-svwait (no letters) for down.
      check(await watch.until({ up: false, ready: letters !== '' }, true, deadline), dir);
    }
    const goal: Goal = { up: 'uUrR'.includes(wait), ready: 'UDR'.includes(wait) };
    check(await watch.until(goal, true, deadline), dir);
  } finally {
    watch.close();
  }
}

export const main: AppletMain = async (argv) => {
  const { options, long, operands } = getopt(argv, 's:abqhkti12pcyroduDUxOQT:w:', USAGE, ['help']);
  if (long.has('help')) {
    writeOut(`usage: ${USAGE}\n`);
    return 0;
  }
  let letters = '';
  let wait = '';
  let timeout = 0;
  for (const [opt, arg] of options) {
    if (opt === 's') letters += letterForSignal(arg as string);
    else if (opt === 'T') timeout = parseMilliseconds(arg as string, '-T', USAGE);
    else if (opt === 'w') {
      if (arg === undefined || arg.length !== 1 || !'dDuUrR'.includes(arg))
        throw new UsageError(`-w wants one of u U d D r R; usage: ${USAGE}`);
      wait = arg;
    } else letters += opt;
    if (letters.length > MAX_LETTERS) throw new UsageError(`too many commands (at most ${MAX_LETTERS})`);
  }
  const arg = operands[0];
  if (arg === undefined) throw new UsageError(`usage: ${USAGE}`);
  if (operands.length > 1) warn('svc', 'ignoring extra arguments');
  if (arg === '') throw new UsageError('invalid service path');
  const dir = resolveService(arg);
  if ((wait === 'U' || wait === 'R') && !fs.existsSync(path.join(dir, 'notification-fd'))) {
    wait = wait === 'U' ? 'u' : 'r';
    warn('svc', `${path.join(dir, 'notification-fd')} not present - ignoring request for readiness notification`);
  }
  if (wait === '') control(dir, SUPERVISE_DIR, letters);
  else await controlAndWait(dir, letters, wait, timeout);
  return 0;
};
