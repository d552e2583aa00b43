/** Sending letters to a supervisor's or a scanner's control FIFO, with s6-svc/s6-svscanctl's errors and exit codes. */
import { controlPath, writeControl, type SCANNER_DIR, type SUPERVISE_DIR } from '../wire/control';
import { AppletError, SystemError, reason } from '../cli/errors';

/** `subdir` is `supervise` for a service, `.s6-svscan` for a scan dir. */
export function control(dir: string, subdir: typeof SUPERVISE_DIR | typeof SCANNER_DIR, letters: string, who = 'supervisor'): void {
  let outcome;
  try {
    outcome = writeControl(controlPath(dir, subdir), letters);
  } catch (err) {
    throw new SystemError(`unable to control ${dir}: ${reason(err)}`);
  }
  // s6-svc and s6-svscanctl exit 100 here: nothing is wrong with the system, there is just nobody to tell.
  if (outcome === 'not-listening') throw new AppletError(`unable to control ${dir}: ${who} not listening`, 100);
  if (outcome === 'broken')
    throw new AppletError(`something is wrong with the ${dir}/${subdir} directory: no usable control FIFO in it`, 100);
}
