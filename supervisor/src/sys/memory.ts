/**
 * Keeping a long-running nuwa small. Starting Node faults in most of the executable's ~90 MB (the kernel maps 64 KB
 * around each fault), though a supervisor at rest runs a small part of it. Once start-up has settled, those clean
 * file pages are given back (MADV_PAGEOUT); the ones used again fault back in from the page cache in microseconds.
 */
import { logger } from './logger';
import { native } from './native';
import { after } from './timer';

const SETTLE_MS = 3000;
const log = logger('memory');

export function releaseStartupPagesSoon(): void {
  after(
    SETTLE_MS,
    () => {
      try {
        const advised = native().pageOutExecutable();
        if (advised < 0) log.debug('MADV_PAGEOUT is not supported by this kernel: start-up pages stay resident');
      } catch (err) {
        log.debug(`cannot page out start-up pages: ${(err as Error).message}`);
      }
    },
    { unref: true },
  );
}
