/**
 * A watch (chokidar, over inotify) that failed for want of a kernel resource, said in words a user can act on. The
 * errno alone misleads: inotify_init1 reports the uid's used-up instances as EMFILE, "too many open files".
 */
import { isFdExhaustion } from './fd-budget';

/** Whether `err` is a watch failing for want of descriptors or inotify instances (EMFILE, ENFILE), or watches. */
export function isWatchExhaustion(err: unknown): boolean {
  return isFdExhaustion(err) || (err as NodeJS.ErrnoException | undefined)?.code === 'ENOSPC';
}

/** What ran out, for a failure isWatchExhaustion() accepts. */
export function watchExhaustionReason(err: unknown): string {
  switch ((err as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOSPC':
      return 'ENOSPC: no inotify watch left (fs.inotify.max_user_watches)';
    case 'ENFILE':
      return "ENFILE: the system's file table is full";
    default:
      return 'EMFILE: no inotify instance left for this uid (fs.inotify.max_user_instances), or no descriptor (ulimit -n)';
  }
}
