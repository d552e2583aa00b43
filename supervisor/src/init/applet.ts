/**
 * `nuwa init [--] [CMD [ARGS…]]`: the container's PID 1.
 *
 * Three modes, chosen by what the image holds:
 *  - an s6-overlay v3 image (/etc/s6-overlay, /etc/cont-init.d, /etc/services.d, …): nuwa boots it the way
 *    s6-overlay's /init does (see overlay/boot.ts); CMD is optional;
 *  - a scan dir ($NUWA_SCANDIR, else /run/service) and no s6-overlay tree: its services are supervised beside CMD
 *    (init/scan-dir-mode.ts); CMD is optional;
 *  - anything else, or `--plain`: tini's job — run CMD, pass signals on, reap orphans, exit with CMD's code.
 * `nuwa init --check` validates an s6-overlay tree and prints every problem at once.
 */
import { UsageError } from '../cli/errors';
import { getopt } from '../cli/getopt';
import { bootOverlay } from '../overlay/boot';
import { runCheck } from '../overlay/check';
import { hasOverlayTree, SCANDIR } from '../overlay/paths';
import { VARIABLES } from '../overlay/settings';
import { initWithScanDir, scanDirForInit } from './scan-dir-mode';
import { runMainProgram } from './main-program';
import { serveHealthIfAsked } from './health-opt-in';
import { logger } from '../sys/logger';
import { envMilliseconds } from '../sys/env';
import { becomeInit } from '../sys/pid1';
import { holdSignals } from '../sys/signals';

const HELP = `usage: nuwa init [--] [CMD [ARGS...]]
       nuwa init --plain [--] CMD [ARGS...]
       nuwa init --check [--root DIR]

As PID 1 or as a child subreaper: reaps every orphan, and
 - in an image with an s6-overlay tree (/etc/s6-overlay/s6-rc.d, /etc/cont-init.d, /etc/services.d, ...):
   boots it as s6-overlay v3's /init does (cont-init.d, s6-rc services, services.d, then CMD if given; on CMD's
   exit or SIGTERM: services stopped in reverse order, cont-finish.d, exit with CMD's code);
 - otherwise runs CMD as tini does: passes SIGHUP SIGINT SIGQUIT SIGUSR1 SIGUSR2 SIGWINCH SIGTERM on to it and
   exits with its exit code (128+n if signal n killed it).

--plain   tini's job only, whatever the machine holds: no s6-overlay boot, no scan dir (a test runner, a CI job)
--check   validate the s6-overlay tree (dependencies, types, modes, #! lines, CRLF, up files) and print
          every problem; exit 1 if there is any. --root DIR checks a tree unpacked under DIR.

environment (s6-overlay's variables, with s6-overlay's defaults):
${VARIABLES.map(([name, fallback, meaning]) => `  ${name}${fallback ? `=${fallback}` : ''}\n      ${meaning}`).join('\n')}`;

export async function main(argv: string[]): Promise<number> {
  holdSignals();
  const {
    options,
    long,
    operands: command,
  } = getopt(argv, 'h', HELP, { longs: ['help', 'check', 'plain', 'root='], hint: 'nuwa init --help' });
  if (options.length > 0 || long.has('help')) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const check = long.has('check');
  const plain = long.has('plain');
  const root = long.get('root') ?? '/';
  if (long.has('root') && !check) throw new UsageError('--root goes with --check (nuwa init --help)');
  if (root === '') throw new UsageError('--root needs a directory');
  if (check) return runCheck(root);
  if (!plain && hasOverlayTree()) {
    becomeInit();
    return bootOverlay(command, (state) =>
      serveHealthIfAsked({
        scandir: SCANDIR,
        supervises: (dir) => state.scanner?.supervises(dir) ?? false,
        against: () => (state.halting ? ['PID 1 is stopping'] : []),
      }),
    );
  }
  const scandir = plain ? undefined : scanDirForInit();
  if (command.length === 0 && !scandir) throw new UsageError('no command given (usage: nuwa init [--] CMD [ARGS...])');

  becomeInit();
  const log = logger('init');
  const graceMs = envMilliseconds('S6_KILL_GRACETIME', 3000, log);
  if (scandir) return initWithScanDir(scandir, command, graceMs);
  if (process.env.NUWA_HEALTH_ADDRESS)
    log.warn('NUWA_HEALTH_ADDRESS is set, but there is no service tree to report on: no health endpoint');
  return runMainProgram(command, { graceMs });
}
