/**
 * One executable, many names. `nuwa APPLET args…` or a symlink named APPLET → nuwa.
 * Applets are loaded lazily so that a short-lived tool (svc, svstat) does not pay for the supervisor's modules.
 */
import * as path from 'node:path';
import type { AppletMain } from './cli/applet';
import { AppletError, HelpRequest, failureLine, setSpeaker, setStandingIn } from './cli/errors';
import { exitProcess } from './sys/exit';
import { flushLogs } from './sys/logger';
import { prepareLongRunning } from './sys/self';
import { releaseSignals } from './sys/signals';
import { portablePrograms, s6Programs } from './s6-programs';
import { writeOut, writeErr } from './sys/output';
import { EXECLINE_PROGRAMS } from './execline/names';

interface AppletEntry {
  summary: string;
  load: () => Promise<{ main: AppletMain }>;
  /** Extra names the applet answers to when nuwa is called through a symlink (s6 and s6-overlay names). */
  aliases?: string[];
  /** Ends by exec'ing a program (execInto): inside an execline chain it runs in the chain's process (execline/chain.ts). */
  chains?: true;
  /** Runs for the container's lifetime: gets the long-running settings of sys/self.ts (small young generation, no NODE_OPTIONS). */
  daemon?: true;
  /**
   * The key is a name of nuwa's own, not of a program nuwa stands in for: called by it (`/init`), the applet speaks
   * as nuwa (`nuwa init: …`); called by an alias (`s6-svc`) or a foreign key (`with-contenv`), as that program.
   */
  nuwaName?: true;
}

/** The dispatch table. Later applets register here, one line each. */
export const applets: Record<string, AppletEntry> = {
  init: {
    nuwaName: true,
    summary: 'PID 1: reap, forward signals, run CMD and the service tree',
    load: () => import('./init/applet'),
    daemon: true,
  },
  'with-contenv': {
    summary: 'run a program with the container environment (s6-overlay)',
    load: () => import('./overlay/applets/with-contenv'),
    chains: true,
  },
  printcontenv: {
    summary: 'print a variable of the container environment (s6-overlay)',
    load: () => import('./overlay/applets/printcontenv'),
  },
  halt: {
    summary: 'stop the container from inside (s6-overlay /run/s6/basedir/bin/halt)',
    load: () => import('./overlay/applets/halt'),
    aliases: ['poweroff', 'reboot'],
  },
  setuidgid: {
    nuwaName: true,
    summary: 'run a program as another account (s6-setuidgid)',
    load: () => import('./tools/setuidgid'),
    aliases: ['s6-setuidgid'],
    chains: true,
  },
  envdir: {
    nuwaName: true,
    summary: 'run a program with variables from an envdir (s6-envdir)',
    load: () => import('./tools/envdir'),
    aliases: ['s6-envdir'],
    chains: true,
  },
  's6-rc': {
    summary: 'list or change the s6-rc services of a running container (s6-rc -u|-d change, -a list)',
    load: () => import('./overlay/applets/s6-rc'),
  },
  'with-retries': {
    summary: 'run a program until it succeeds, N tries of T ms (s6-overlay)',
    load: () => import('./overlay/applets/with-retries'),
  },
  notifyoncheck: {
    nuwaName: true,
    summary: 'readiness by polling ./data/check for daemons that cannot notify (s6-notifyoncheck)',
    load: () => import('./tools/notifyoncheck'),
    aliases: ['s6-notifyoncheck'],
  },
  svscan: {
    nuwaName: true,
    summary: 'supervise every service directory of a scan dir (s6-svscan)',
    load: () => import('./scan/applet'),
    aliases: ['s6-svscan'],
    daemon: true,
  },
  'supervise-lockfd': {
    nuwaName: true,
    summary: '(internal) run a service holding its lock-fd lock',
    load: () => import('./supervise/lock-fd'),
  },
  svc: {
    nuwaName: true,
    summary: "control a service (s6-svc's letters; -w waits)",
    load: () => import('./tools/svc'),
    aliases: ['s6-svc'],
  },
  svstat: {
    nuwaName: true,
    summary: 'status of a service, or a table of all (--json)',
    load: () => import('./tools/svstat'),
    aliases: ['s6-svstat'],
  },
  svwait: {
    nuwaName: true,
    summary: 'wait until services are up, ready or down',
    load: () => import('./tools/svwait'),
    aliases: ['s6-svwait'],
  },
  svscanctl: {
    nuwaName: true,
    summary: "control the scanner (s6-svscanctl's letters)",
    load: () => import('./tools/svscanctl'),
    aliases: ['s6-svscanctl'],
  },
  health: {
    nuwaName: true,
    summary: 'exit 0 if every service wanted up is up and ready, and the boot is up (--json, --live)',
    load: () => import('./tools/health'),
  },
  svok: { nuwaName: true, summary: 'exit 0 if a supervisor runs the service', load: () => import('./tools/svok'), aliases: ['s6-svok'] },
  log: {
    nuwaName: true,
    summary: "a service's logger: rotated logdirs, s6-log's script (s6-log)",
    load: () => import('./log/applet'),
    aliases: ['s6-log'],
    daemon: true,
  },
  'logutil-service': {
    summary: "s6-overlay's logger for log/run: S6_LOGGING_SCRIPT as nobody",
    load: () => import('./overlay/applets/logutil-service'),
    daemon: true,
  },
  cron: {
    nuwaName: true,
    summary: 'run crontab jobs (/etc/crontab, /etc/cron.d, spool); --check, --list',
    load: () => import('./cron/applet'),
    daemon: true,
  },
  ...Object.fromEntries(EXECLINE_PROGRAMS.map((name) => [name, execlineEntry(name)])),
  'nuwa-host': {
    nuwaName: true,
    summary: 'host side: init a host, build the image chain, setup/run/kill/shell/status an app',
    load: () => import('../../host-cli/src/main'),
  },
  ...portablePrograms,
  ...s6Programs,
};

/** execlineb and each builtin; only execlineb is listed by --help. Their chains run with-contenv & co in-process. */
function execlineEntry(name: string): AppletEntry {
  return {
    summary: name === 'execlineb' ? "execline scripts, and execline's programs as applets (if, foreground, importas, …)" : '',
    load: async () => {
      const execline = await import('./execline/applet');
      execline.setAppletRunner(runInChain);
      return { main: (args: string[]) => execline.runBuiltin(name, args) };
    },
  };
}

export const VERSION = process.env.NUWA_VERSION ?? '0.0.0-dev';

function resolve(name: string): AppletEntry | undefined {
  if (Object.hasOwn(applets, name)) return applets[name];
  return Object.values(applets).find((entry) => entry.aliases?.includes(name));
}

function usage(): string {
  const width = Math.max(...Object.keys(applets).map((n) => n.length));
  const lines = Object.entries(applets)
    .filter(([, entry]) => entry.summary !== '')
    .map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`);
  return [
    `nuwa ${VERSION}: container init and deployment toolkit`,
    '',
    'usage: nuwa APPLET [ARGS...]   (or call nuwa through a symlink named APPLET)',
    '',
    'applets:',
    ...lines,
    '',
    // install-symlinks reads this line: each name gets /command/NAME (not /usr/bin/NAME, where `if` or `cd` would
    // shadow nothing useful and surprise a shell user), as s6-overlay lays execline out.
    `execline programs: ${EXECLINE_PROGRAMS.filter((name) => name !== 'execlineb').join(' ')}`,
    '',
    '`nuwa APPLET --help` describes one applet.',
  ].join('\n');
}

/**
 * entry.ts held the forwarded signals before anything else ran. init keeps them held until its routes take them. As
 * PID 1, any applet keeps them too: one it never routes would have been dropped by the kernel anyway, and one it
 * routes later (svscan, log, cron) is then not lost. Anything else gets its signals' default actions back now.
 */
function keepsSignalsHeld(entry: AppletEntry | undefined): boolean {
  return entry === applets.init || process.pid === 1;
}

async function dispatch(argv: string[]): Promise<number> {
  // argv[1] is the name we were called by: in a SEA it is argv0 as typed (a symlink's name); under node, the script.
  const called = path.basename(argv[1] ?? 'nuwa');
  let name = called;
  let args = argv.slice(2);
  if (!keepsSignalsHeld(resolve(called) ?? resolve(args[0] ?? ''))) releaseSignals();
  setStandingIn(resolve(called) !== undefined && !applets[called]?.nuwaName);
  if (!resolve(called)) {
    const [first, ...rest] = args;
    if (first === undefined || first === '--help' || first === '-h') {
      writeOut(`${usage()}\n`);
      return first === undefined ? 100 : 0;
    }
    if (first === '--version' || first === '-V') {
      writeOut(`nuwa ${VERSION}\n`);
      return 0;
    }
    name = first;
    args = rest;
  }
  const entry = resolve(name);
  if (!entry) {
    writeErr(`nuwa: unknown applet '${name}' (nuwa --help lists them)\n`);
    return 100;
  }
  if (entry.daemon) prepareLongRunning();
  return runEntry(name, entry, args);
}

/** An applet that ends a chain's in-process step (with-contenv, s6-setuidgid, …); undefined for any other. */
function runInChain(name: string, args: string[]): Promise<number> | undefined {
  const entry = resolve(name);
  return entry?.chains ? runEntry(name, entry, args) : undefined;
}

async function runEntry(name: string, entry: AppletEntry, args: string[]): Promise<number> {
  setSpeaker(name);
  try {
    const applet = await entry.load();
    return await applet.main(args);
  } catch (err) {
    if (err instanceof HelpRequest) {
      writeOut(`${err.usage}\n`);
      return 0;
    }
    if (err instanceof AppletError) {
      writeErr(`${failureLine(name, err)}\n`);
      return err.code;
    }
    throw err;
  }
}

/** Explicit exit: a PID 1 must not linger on a stray handle once its work is done. Queued syslog lines go first. */
async function exit(code: number): Promise<never> {
  await flushLogs();
  exitProcess(code);
}

dispatch(process.argv).then(exit, (err: unknown) => {
  writeErr(`nuwa: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return exit(111);
});
