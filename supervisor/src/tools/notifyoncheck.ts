/**
 * `s6-notifyoncheck [-d] [-3 FD] [-s INITIAL] [-T GLOBAL] [-t LOCAL] [-w WAIT] [-n TRIES] [-c CHECK] PROG…`
 * (s6): readiness for daemons that cannot notify. A checker runs in the background — `./data/check`, or CHECK as a
 * command line — first after INITIAL ms (default 10), then every WAIT ms (default 1000), each try limited to LOCAL ms,
 * at most TRIES times (default 7; 0 = no limit) and GLOBAL ms overall (0 = no limit); when a check exits 0 it
 * writes the newline the supervisor waits for on the notification fd (FD, or the service's notification-fd file).
 * This process execs into PROG at once, without that descriptor.
 */
import * as fs from 'node:fs';
import { UsageError } from '../cli/errors';
import { spawn } from '../sys/spawner';
import { sleep } from '../sys/timer';
import { readUint } from '../wire/servicedir';
import { planCommandLine } from '../rc/command-line';
import { execInto } from '../sys/exec';
import { findProgram, runProgram } from '../sys/run-program';
import { selfCommand } from '../sys/self';
import { getopt } from '../cli/getopt';

const USAGE = 's6-notifyoncheck [-d] [-3 FD] [-s MS] [-T MS] [-t MS] [-w MS] [-n TRIES] [-c CHECK] PROG...';
const POLL = '--nuwa-poll';

interface Poll {
  fd: number;
  initial: number;
  global: number;
  local: number;
  wait: number;
  tries: number;
  check: string[];
}

/** The background half: poll until the check passes, then notify. */
async function poll(p: Poll): Promise<number> {
  const deadline = p.global > 0 ? Date.now() + p.global : Infinity;
  await sleep(p.initial);
  for (let k = 0; p.tries === 0 || k < p.tries; k++) {
    const left = deadline - Date.now();
    if (left <= 0) return 99;
    const timeoutMs = Math.min(p.local > 0 ? p.local : Infinity, left);
    const result = await runProgram(p.check, {
      env: process.env,
      cwd: process.cwd(),
      timeoutMs: Number.isFinite(timeoutMs) ? timeoutMs : 0,
    });
    if (result.code === 0) {
      fs.writeSync(p.fd, '\n');
      return 0;
    }
    await sleep(Math.min(p.wait, Math.max(0, deadline - Date.now())));
  }
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === POLL) {
    const [fd, initial, global, local, wait, tries, ...check] = argv.slice(1).map((a, k) => (k < 6 ? Number(a) : a)) as [
      number,
      number,
      number,
      number,
      number,
      number,
      ...string[],
    ];
    return poll({ fd, initial, global, local, wait, tries, check: check as unknown as string[] });
  }
  const numbers: Record<string, number> = { s: 10, T: 0, t: 0, w: 1000, n: 7 };
  let fd: number | undefined;
  let checkLine: string | undefined;
  const parsed = getopt(argv, 'd3:s:T:t:w:n:c:', USAGE);
  for (const [flag, value] of parsed.options) {
    if (flag === 'd') continue; // the checker never stays a child of this process anyway: it is spawned, not forked
    if (flag === 'c') checkLine = value;
    else if (!/^\d+$/.test(value as string)) throw new UsageError(`-${flag} needs a number; usage: ${USAGE}`);
    else if (flag === '3') fd = Number(value);
    else numbers[flag] = Number(value);
  }
  const prog = parsed.operands;
  if (prog.length === 0) throw new UsageError(`usage: ${USAGE}`);
  if (fd === undefined) {
    const setting = readUint('.', 'notification-fd');
    if (setting.kind !== 'value') {
      process.stderr.write('s6-notifyoncheck: fatal: no -3 option and no valid ./notification-fd file\n');
      return 100;
    }
    fd = setting.value;
  }
  let check = ['./data/check'];
  if (checkLine !== undefined) {
    const plan = planCommandLine(checkLine, '-c', findProgram('execlineb', process.env.PATH));
    if (plan.kind === 'refused' || plan.kind === 'nothing') {
      process.stderr.write(`s6-notifyoncheck: fatal: -c ${plan.kind === 'refused' ? plan.reason : 'is empty'}\n`);
      return 100;
    }
    check = plan.argv;
  }
  const self = selfCommand();
  const stdio: ('ignore' | 'inherit' | number)[] = ['ignore', 'inherit', 'inherit'];
  while (stdio.length <= fd) stdio.push('ignore');
  stdio[fd] = fd;
  const n = numbers as { s: number; T: number; t: number; w: number; n: number };
  try {
    await spawn(
      self.file,
      [...self.prefix, 's6-notifyoncheck', POLL, String(fd), String(n.s), String(n.T), String(n.t), String(n.w), String(n.n), ...check],
      {
        argv0: self.argv0,
        stdio,
        detached: true,
      },
    );
  } catch (err) {
    process.stderr.write(`s6-notifyoncheck: fatal: cannot start the checker: ${(err as Error).message}\n`);
    return 111;
  }
  fs.closeSync(fd); // the daemon must not hold the notification pipe: its end belongs to the checker
  return execInto('s6-notifyoncheck', prog, process.env);
}
