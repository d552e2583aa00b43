/**
 * The scanner's signals, as s6-svscan treats them: for SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGUSR1, SIGUSR2, SIGPWR
 * and SIGWINCH, an executable `.s6-svscan/SIG<NAME>` is run (no arguments) instead of the built-in action; the
 * built-ins are SIGHUP = scan and prune, SIGINT = SIGTERM = terminate, SIGQUIT = quit, the others nothing.
 * SIGALRM always rescans, SIGABRT always aborts.
 */
import * as path from 'node:path';
import type { Logger } from '../sys/logger';
import { routeSignals } from '../sys/signals';
import { spawn, SpawnError } from '../sys/spawner';
import type { ScanCommand } from './control';
import { SCANNER_DIR } from '../wire/control';
import { isExecutableFile } from '../sys/files';

export const SCRIPTABLE: readonly NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGPWR', 'SIGWINCH'];

const BUILTIN: Partial<Record<NodeJS.Signals, ScanCommand>> = {
  SIGHUP: 'scan-prune',
  SIGINT: 'terminate',
  SIGTERM: 'terminate',
  SIGQUIT: 'quit',
  SIGALRM: 'scan',
  SIGABRT: 'abort',
};

/** Routes the scanner's signals; returns a function that removes the routes. */
export function routeScannerSignals(scandir: string, run: (command: ScanCommand) => void, log: Logger): () => void {
  const routes: Partial<Record<NodeJS.Signals, (signal: NodeJS.Signals) => void>> = {};
  for (const signal of [...SCRIPTABLE, 'SIGALRM', 'SIGABRT'] as NodeJS.Signals[]) {
    routes[signal] = () => {
      const script = path.join(scandir, SCANNER_DIR, signal);
      if (SCRIPTABLE.includes(signal) && isExecutableFile(script)) {
        spawn(script, [], { cwd: scandir, stdio: 'inherit' }).catch((err: unknown) => {
          log.warn(`${signal}: cannot run ${script}: ${err instanceof SpawnError ? err.message : String(err)}`);
        });
        return;
      }
      const command = BUILTIN[signal];
      if (command) run(command);
    };
  }
  return routeSignals(routes);
}
