/** Opening a ServiceWatch for svc -w and svwait, with s6's exit code (111) and a readable line when it fails. */
import { ServiceWatch, WatchError } from '../wire/svlisten';
import { SystemError, reason } from '../cli/errors';

export function openWatch(dirs: readonly string[]): ServiceWatch {
  try {
    return ServiceWatch.open(dirs);
  } catch (err) {
    if (!(err instanceof WatchError)) throw err;
    const what = err.step === 'subscribe' ? 'subscribe to events for' : 'read status for';
    const hint = err.step === 'status' && (err.cause as NodeJS.ErrnoException).code === 'ENOENT' ? ' (was it ever supervised?)' : '';
    throw new SystemError(`unable to ${what} ${err.dir}: ${reason(err.cause)}${hint}`);
  }
}
