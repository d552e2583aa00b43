/** `nuwa init [--] CMD [ARGS…]`: the container's PID 1. */
import { UsageError } from '../applet';
import { initWithScanDir, scanDirForInit } from '../scan/init-mode';
import { runMainProgram } from './main-program';
import { becomeInit, envMilliseconds } from './pid1';

const HELP = `usage: nuwa init [--] CMD [ARGS...]

Runs CMD as the container's main program, as PID 1 or as a child subreaper:
reaps every orphan, passes SIGHUP SIGINT SIGQUIT SIGUSR1 SIGUSR2 SIGWINCH SIGTERM on to CMD,
and exits with CMD's exit code (128+n if signal n killed it).

environment:
  S6_KILL_GRACETIME  ms between SIGTERM and SIGKILL at shutdown (default 3000)
  S6_VERBOSITY       0 errors, 1 warnings, 2 info (default), 3 debug`;

export async function main(argv: string[]): Promise<number> {
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      i++;
      break;
    }
    if (arg === '-h' || arg === '--help') {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    throw new UsageError(`unknown option '${arg}' (nuwa init --help)`);
  }
  const command = argv.slice(i);
  const scandir = scanDirForInit();
  if (command.length === 0 && !scandir) throw new UsageError('no command given (usage: nuwa init [--] CMD [ARGS...])');

  becomeInit();
  if (scandir) return initWithScanDir(scandir, command, envMilliseconds('S6_KILL_GRACETIME', 3000));
  return runMainProgram(command, { graceMs: envMilliseconds('S6_KILL_GRACETIME', 3000) });
}
