/** `nuwa svscan [DIR]`: s6-svscan's command line over the scanner (scan/index.ts). */
import { UsageError } from '../cli/errors';
import { getopt } from '../cli/getopt';
import { becomeInit } from '../sys/pid1';
import { logger } from '../sys/logger';
import { AlreadyLockedError } from '../wire/lock';
import { notifyReady } from '../wire/readiness';
import { runFinishScript, startScanner } from './index';

const HELP = `usage: nuwa svscan [-d notif] [-t rescan_ms] [DIR]

Supervises every service directory in DIR (default: the current directory), as s6-svscan does, with all
supervisors in this one process: s6-svc, s6-svstat, s6-svwait, s6-svok and s6-svscanctl work unchanged.
Beyond s6, added and removed service directories are picked up automatically.

options:
  -d notif      write a newline to fd notif when ready to accept commands, then close it
  -t rescan_ms  also rescan every rescan_ms ms (default 0: never; the watcher covers it)
  -c, -C, -L, -X  accepted for compatibility with s6-svscan, and ignored

environment:
  NUWA_SCAN_WATCH=0  do not watch DIR (pick up changes only on s6-svscanctl -a/-h/-n, SIGALRM, SIGHUP, or -t)`;

const log = logger('svscan');

interface Parsed {
  dir: string;
  notifyFd?: number;
  rescanMs: number;
}

function parse(argv: string[]): Parsed | 'help' {
  const { options, long, operands } = getopt(argv, 'hd:t:c:C:L:X:', HELP, { longs: ['help'], hint: 'nuwa svscan --help' });
  if (long.has('help') || options.some(([flag]) => flag === 'h')) return 'help';
  let notifyFd: number | undefined;
  let rescanMs = 0;
  for (const [flag, text] of options) {
    if (text === undefined || !/^\d+$/.test(text)) throw new UsageError(`-${flag} needs a number (nuwa svscan --help)`);
    if (flag === 'd') notifyFd = Number(text);
    if (flag === 't') rescanMs = Number(text);
  }
  if (operands.length > 1) throw new UsageError('too many arguments (usage: nuwa svscan [options] [DIR])');
  return { dir: operands[0] ?? process.cwd(), notifyFd, rescanMs };
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parse(argv);
  if (parsed === 'help') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  becomeInit();
  let scanner;
  try {
    scanner = startScanner(parsed.dir, { signals: true, rescanMs: parsed.rescanMs, watch: process.env.NUWA_SCAN_WATCH !== '0' });
  } catch (err) {
    if (err instanceof AlreadyLockedError) {
      log.error(`${parsed.dir}: another scanner is already running there`);
      return 100;
    }
    log.error(`cannot supervise ${parsed.dir}: ${(err as Error).message}`);
    return 111;
  }
  if (parsed.notifyFd !== undefined) notifyReady(parsed.notifyFd, log);
  await scanner.finished;
  runFinishScript(scanner.dir, log);
  return 0;
}
