/**
 * Reloading when a crontab changes. chokidar (inotify) tells at once, and its watches are in place before the caller
 * reads the crontabs, so a change made after that read is not missed (should chokidar not say it is ready within
 * READY_WAIT_MS, the crontabs are read anyway, and a change in that window waits for the next one or SIGHUP).
 *
 * inotify can be used up: fs.inotify.max_user_instances (128 by default) counts every process of one uid, and on a
 * host where containers run as root without a user namespace they all share root's. Then the crontabs' stats are
 * compared once a minute instead, as Debian's cron always does: a change is picked up within a minute, and SIGHUP
 * still reloads at once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isWatchExhaustion, watchExhaustionReason } from '../sys/inotify';
import { logger } from '../sys/logger';
import { after, every, type Timer } from '../sys/timer';
import type { Source } from './sources';

const log = logger('cron');

/** An editor's burst of writes is one reload. */
const SETTLE_MS = 300;
/** How often the stats are compared when inotify cannot be had. */
const POLL_MS = 60_000;
/** chokidar says 'ready' once its watches are in place; should it never say so, the crontabs are read anyway. */
const READY_WAIT_MS = 5000;

export interface SourceWatch {
  close(): Promise<void>;
}

/** Watches `sources`; resolves once the watches are in place (or the fallback is armed). */
export async function watchSources(sources: readonly Source[], onChange: () => void): Promise<SourceWatch> {
  const { watch } = await import('chokidar');
  // A missing crontab or directory may appear later: then its parent is watched (its direct entries only).
  const paths = new Set<string>();
  for (const s of sources) {
    if (fs.existsSync(s.path)) paths.add(s.path);
    else if (fs.existsSync(path.dirname(s.path))) paths.add(path.dirname(s.path));
  }
  const relevant = (p: string) => sources.some((s) => p === s.path || path.dirname(p) === s.path);
  let settle: Timer | undefined;
  const changed = () => {
    settle?.cancel();
    settle = after(SETTLE_MS, onChange);
  };
  let poll: Timer | undefined;
  const pollInstead = () => {
    let last = signature(sources);
    poll = every(
      POLL_MS,
      () => {
        const now = signature(sources);
        if (now !== last) changed();
        last = now;
      },
      { unref: true },
    );
  };
  if (paths.size === 0) {
    // Nothing to watch (no source exists, nor its folder; the read says so): the minute check sees one appear.
    pollInstead();
    return { close: () => Promise.resolve(poll?.cancel()) };
  }

  const watcher = watch([...paths], { ignoreInitial: true, depth: 0, persistent: true });
  watcher.on('all', (_event, file) => {
    if (relevant(file)) changed();
  });
  // chokidar watches each entry of a watched folder apart: one failure is said, not one per entry.
  let said = false;
  watcher.on('error', (err) => {
    if (poll) return;
    if (isWatchExhaustion(err)) {
      pollInstead();
      log.warn(
        `cannot watch the crontabs (${watchExhaustionReason(err)}): they are checked for changes once a minute; SIGHUP reloads at once`,
      );
    } else if (!said) {
      said = true;
      log.warn(`watching the crontabs: ${(err as Error).message}; SIGHUP still reloads`);
    }
  });

  await new Promise<void>((resolve) => {
    const bound = after(READY_WAIT_MS, resolve); // referenced: the process has nothing else to live on yet
    watcher.once('ready', () => {
      bound.cancel();
      resolve();
    });
  });
  return {
    close: async () => {
      settle?.cancel();
      poll?.cancel();
      await watcher.close();
    },
  };
}

/**
 * What changes when any crontab does: each source's and each directory entry's inode, size, mtime and ctime (a chmod
 * or chown, such as the one the refusal of a writable crontab asks for, changes only the ctime), mode and owner.
 */
function signature(sources: readonly Source[]): string {
  const parts: string[] = [];
  const add = (file: string, entries: boolean) => {
    try {
      const st = fs.statSync(file);
      parts.push(`${file}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.mode}:${st.uid}`);
      if (entries && st.isDirectory()) for (const name of fs.readdirSync(file).sort()) add(path.join(file, name), false);
    } catch {
      parts.push(`${file}:-`);
    }
  };
  for (const s of sources) add(s.path, true);
  return parts.join('\n');
}
