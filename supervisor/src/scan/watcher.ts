/**
 * Beyond s6: the scan dir is watched (chokidar, one inotify watch on the scan dir itself, depth 0), and any entry
 * added or removed triggers a rescan that also prunes, debounced so that `cp -r` of a whole tree is one rescan.
 * The services' own directories are not watched: their status files change all the time and are none of our business.
 */
import * as path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { SCANNER_DIR } from '../wire/control';
import { isWatchExhaustion, watchExhaustionReason } from '../sys/inotify';
import type { Logger } from '../sys/logger';
import { after, every, type Timer } from '../sys/timer';

export const DEBOUNCE_MS = 100;
/** How often the scan dir is read again when it cannot be watched. */
const RESCAN_MS = 5000;

export interface ScanDirWatcher {
  close(): Promise<void>;
}

export function watchScanDir(scandir: string, onChange: () => void, log: Logger, debounceMs = DEBOUNCE_MS): ScanDirWatcher {
  let timer: Timer | undefined;
  const watcher: FSWatcher = watch(scandir, {
    depth: 0,
    ignoreInitial: true,
    followSymlinks: false,
    // the scan dir's own dotfiles (.s6-svscan) are not services
    ignored: (file: string) => file !== scandir && path.basename(file).startsWith('.') && path.dirname(file) === scandir,
  });
  const changed = (file: string) => {
    if (path.dirname(file) !== scandir || path.basename(file) === SCANNER_DIR) return;
    timer?.cancel();
    timer = after(
      debounceMs,
      () => {
        timer = undefined;
        onChange();
      },
      { unref: true },
    );
  };
  for (const event of ['add', 'addDir', 'unlink', 'unlinkDir'] as const) watcher.on(event, changed);
  // chokidar's own bookkeeping can miss an entry renamed away while it is still looking at it; the raw inotify event
  // on the scan dir never does. Both only trigger a rescan, which decides from the directory itself.
  watcher.on('raw', (_event, name, details) => {
    const watched = (details as { watchedPath?: string } | undefined)?.watchedPath;
    if (watched !== scandir || typeof name !== 'string' || name === '' || name.startsWith('.')) return;
    changed(path.join(scandir, name));
  });
  // chokidar ignores what happens during its initial scan: one rescan once it is ready closes that gap
  watcher.on('ready', onChange);
  // Out of inotify instances, watches or descriptors (fs.inotify.max_user_instances counts every process of the uid,
  // and containers running as root without a user namespace share root's): the scan dir is then rescanned every
  // RESCAN_MS, as s6-svscan -t5000 did by default, so services still come and go by themselves. chokidar also
  // reports a single unreadable entry (EACCES) while the watch itself goes on: not worth a line.
  let rescans: Timer | undefined;
  watcher.on('error', (err: unknown) => {
    if (rescans || !isWatchExhaustion(err)) return;
    rescans = every(RESCAN_MS, onChange, { unref: true });
    log.warn(`cannot watch ${scandir} (${watchExhaustionReason(err)}): it is scanned every ${RESCAN_MS / 1000} s instead`);
  });
  return {
    async close() {
      timer?.cancel();
      rescans?.cancel();
      await watcher.close();
    },
  };
}
