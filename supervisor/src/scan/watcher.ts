/**
 * Beyond s6: the scan dir is watched (chokidar, one inotify watch on the scan dir itself, depth 0), and any entry
 * added or removed triggers a rescan that also prunes, debounced so that `cp -r` of a whole tree is one rescan.
 * The services' own directories are not watched: their status files change all the time and are none of our business.
 */
import * as path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { SCANNER_DIR } from '../wire/control';
import type { Logger } from '../sys/logger';
import { after, type Timer } from '../sys/timer';

export const DEBOUNCE_MS = 100;

export interface ScanDirWatcher {
  close(): Promise<void>;
}

export function watchScanDir(scandir: string, onChange: () => void, log: Logger, debounceMs = DEBOUNCE_MS): ScanDirWatcher {
  let timer: Timer | undefined;
  let failed = false;
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
  // Out of inotify watches or descriptors (fs.inotify.max_user_watches, max_user_instances): supervision goes on,
  // only the automatic pick-up of new services is lost, so say it once and say what still works. chokidar also
  // reports a single unreadable entry (EACCES) while the watch itself goes on: not worth a line.
  watcher.on('error', (err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    if (failed || (code !== 'ENOSPC' && code !== 'EMFILE' && code !== 'ENFILE')) return;
    failed = true;
    log.warn(
      `cannot watch ${scandir} (${(err as Error).message}): new and removed services are picked up only on ` +
        's6-svscanctl -a/-n, SIGALRM, SIGHUP or svscan -t',
    );
  });
  return {
    async close() {
      timer?.cancel();
      await watcher.close();
    },
  };
}
