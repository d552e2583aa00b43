/**
 * `s6-supervise DIR`: one supervisor for one service directory, without a scanner (what s6-svscan starts for each
 * service; scripts and Dockerfiles also start it alone). It runs DIR's run/finish as `nuwa svscan` would, answers
 * s6-svc's letters on supervise/control, and exits when told: SIGTERM or SIGINT take the service down first, SIGHUP
 * waits for it to go down by itself, SIGQUIT leaves it running. Exit 100 if another supervisor already holds DIR.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SystemError, UsageError, reason } from '../cli/errors';
import { getopt } from '../cli/getopt';
import { AlreadyLockedError } from '../wire/lock';
import { ServiceSupervisor } from './supervisor';

const USAGE = 's6-supervise dir';

export async function main(argv: string[]): Promise<number> {
  const dir = getopt(argv, '', USAGE, {}).operands[0];
  if (dir === undefined) throw new UsageError(`usage: ${USAGE}`);
  try {
    if (!fs.statSync(dir).isDirectory()) throw Object.assign(new Error('Not a directory'), { code: 'ENOTDIR' });
  } catch (err) {
    throw new SystemError(`unable to chdir to ${dir}: ${reason(err)}`);
  }
  // run and finish get the name DIR was given by, as s6-supervise passes its argument on
  const supervisor = new ServiceSupervisor({ dir: path.resolve(dir), name: dir });
  try {
    supervisor.start();
  } catch (err) {
    if (err instanceof AlreadyLockedError) throw new UsageError(`${dir}: another instance of s6-supervise is already running`);
    throw new SystemError(`unable to supervise ${dir}: ${reason(err)}`);
  }
  const actions: Array<[NodeJS.Signals, () => void]> = [
    ['SIGTERM', () => supervisor.terminate()],
    ['SIGINT', () => supervisor.terminate()],
    ['SIGHUP', () => supervisor.hangup()],
    ['SIGQUIT', () => supervisor.quit()],
  ];
  for (const [signal, act] of actions) process.on(signal, act);
  await supervisor.done;
  for (const [signal, act] of actions) process.off(signal, act);
  return 0;
}
