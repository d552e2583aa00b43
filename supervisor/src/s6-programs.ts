/**
 * The s6-portable-utils, s6 and s6-overlay programs that service scripts call, each under its original name (the
 * names install-symlinks links into /command). Kept out of main.ts's table, which holds nuwa's own applets: these are
 * drop-in copies of someone else's programs, listed by the suite they come from.
 */
import type { AppletMain } from './cli/applet';

export interface ProgramEntry {
  summary: string;
  load: () => Promise<{ main: AppletMain }>;
  /** Runs for long (see main.ts's AppletEntry). */
  daemon?: true;
  /** Ends by exec'ing a program: runs in an execline chain's process (see main.ts's AppletEntry). */
  chains?: true;
}

/** s6-portable-utils (supervisor/src/portable/). */
export const portablePrograms: Record<string, ProgramEntry> = {
  's6-test': {
    summary: 'evaluate a test expression: exit 0 true, 1 false (s6-portable-utils, eltest)',
    load: () => import('./portable/test'),
  },
  's6-echo': { summary: 'print arguments (s6-portable-utils)', load: () => import('./portable/echo') },
  's6-mkdir': { summary: 'create directories (s6-portable-utils)', load: () => import('./portable/mkdir') },
  's6-pause': {
    summary: 'block until killed, ignoring some signals (s6-portable-utils)',
    load: () => import('./portable/pause'),
    daemon: true,
  },
  's6-rmrf': { summary: 'remove files and directories recursively (s6-portable-utils)', load: () => import('./portable/rmrf') },
  's6-sleep': { summary: 'wait, then run a program (s6-portable-utils)', load: () => import('./portable/sleep') },
  's6-cat': { summary: 'copy stdin to stdout (s6-portable-utils)', load: () => import('./portable/cat') },
  's6-chmod': { summary: 'change a file mode, octal (s6-portable-utils)', load: () => import('./portable/chmod') },
  's6-chown': { summary: 'change a file owner, numeric ids (s6-portable-utils)', load: () => import('./portable/chown') },
  's6-ls': { summary: 'list a directory (s6-portable-utils)', load: () => import('./portable/ls') },
  's6-sort': { summary: 'sort lines (s6-portable-utils)', load: () => import('./portable/sort') },
  's6-maximumtime': {
    summary: 'run a program with a time limit, exit 99 on timeout (s6-portable-utils)',
    load: () => import('./portable/maximumtime'),
  },
  's6-format-filter': { summary: 'format every line of stdin (s6-portable-utils)', load: () => import('./portable/format-filter') },
};

/** s6's programs that scripts call (beside nuwa's svc, svstat… in main.ts), and s6-overlay's. */
export const s6Programs: Record<string, ProgramEntry> = {
  's6-svdt': { summary: "print a service's death tally (s6)", load: () => import('./tools/svdt') },
  's6-svdt-clear': { summary: "empty a service's death tally (s6)", load: () => import('./tools/svdt-clear') },
  's6-envuidgid': {
    summary: 'set UID, GID, GIDLIST from an account, then run a program (s6)',
    load: () => import('./tools/envuidgid'),
    chains: true,
  },
  's6-setlock': { summary: 'run a program holding a lock on a file (s6)', load: () => import('./tools/setlock') },
  's6-tai64n': { summary: 'prefix every line of stdin with a TAI64N stamp (s6)', load: () => import('./tools/tai64n') },
  's6-tai64nlocal': { summary: 'turn TAI64N stamps at line starts into local time (s6)', load: () => import('./tools/tai64nlocal') },
  's6-supervise': {
    summary: 'supervise one service directory, without a scanner (s6)',
    load: () => import('./supervise/applet'),
    daemon: true,
  },
  's6-ps': { summary: 'list the processes in /proc, optionally as a tree (s6-linux-utils)', load: () => import('./tools/ps') },
  's6-socklog': {
    summary: 'a minimal syslogd: datagrams on a unix socket to lines on stdout (s6)',
    load: () => import('./tools/socklog'),
    daemon: true,
  },
  'logutil-newfifo': {
    summary: 'make a FIFO with a mode and owner (s6-overlay, deprecated)',
    load: () => import('./overlay/applets/logutil-newfifo'),
  },
  'fix-attrs': { summary: 'apply fix-attrs.d lines from files or stdin (s6-overlay)', load: () => import('./overlay/applets/fix-attrs') },
};
