/**
 * Where crontabs come from and what they become: jobs with their user's account and environment.
 *
 * Defaults, as Debian's cron and cronie read them: /etc/crontab and /etc/cron.d/* (system format, with a user
 * field), per-user crontabs in /var/spool/cron/crontabs/<user> (Debian) and /var/spool/cron/<user> (cronie).
 * As those crons do, a system crontab writable by group or others, or (when nuwa cron runs as root) not owned by
 * root, is refused: whoever can write it could run anything as root. /etc/cron.d files are taken only when their
 * names use A-Z a-z 0-9 _ - (Debian's rule, so backups like `job.dpkg-old` or `job~` are not run); others are
 * named in a warning.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findUser, type Account } from '../sys/accounts';
import { parseCrontab, type CrontabKind, type Entry, type Problem } from './crontab';
import { formatMode } from '../sys/files';

export interface Source {
  path: string;
  /** system: a file or directory of files with a user field; spool: a directory of per-user files; user: one file. */
  kind: 'system' | 'spool' | 'user';
  /** A default source: quietly skipped when missing. */
  optional?: boolean;
}

export const DEFAULT_SOURCES: readonly Source[] = [
  { path: '/etc/crontab', kind: 'system', optional: true },
  { path: '/etc/cron.d', kind: 'system', optional: true },
  { path: '/var/spool/cron/crontabs', kind: 'spool', optional: true },
  { path: '/var/spool/cron', kind: 'spool', optional: true },
];

export interface Job extends Entry {
  /** How logs name the job: `<file name>:<line>`. */
  id: string;
  /** Identity across reloads: the same line, unchanged, is the same job (its running run stays guarded). */
  key: string;
  account: Account;
  shell: string;
  /** The whole environment the job gets. */
  environment: Record<string, string>;
}

export interface Loaded {
  jobs: Job[];
  problems: Problem[];
  /** Files and directories read (to watch for changes). */
  paths: string[];
}

const CRON_D_NAME = /^[A-Za-z0-9_-]+$/;

/** A file given on the command line is read in system format when it is /etc/crontab or lies in a cron.d. */
export function kindOfFile(file: string): CrontabKind {
  return path.basename(path.dirname(path.resolve(file))) === 'cron.d' || path.resolve(file) === '/etc/crontab' ? 'system' : 'user';
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

function currentAccount(): Account {
  const uid = process.getuid?.() ?? 0;
  const found = findUser(String(uid));
  // An account without a passwd entry (`podman run --user 1000`, OpenShift's arbitrary uids) is named by its number:
  // os.userInfo() would throw there.
  return found ?? { name: String(uid), uid, gid: process.getgid?.() ?? 0, home: process.env.HOME || '/' };
}

/** Why a crontab must not be trusted, or undefined. `owner`: the uid that may own it besides root. */
function unsafe(st: fs.Stats, owner?: number): string | undefined {
  if (st.mode & 0o022) return `writable by group or others (mode ${formatMode(st.mode)}); fix it with chmod go-w`;
  if ((process.getuid?.() ?? 0) === 0 && st.uid !== 0 && st.uid !== owner) return `owned by uid ${st.uid}, not root`;
  return undefined;
}

interface CrontabFile {
  file: string;
  kind: CrontabKind;
  /** The owner of a per-user crontab. */
  owner: Account | undefined;
}

function listFiles(source: Source, problems: Problem[], paths: string[]): CrontabFile[] {
  const st = statOrUndefined(source.path);
  if (!st) {
    if (!source.optional) problems.push({ file: source.path, line: 0, message: 'not found' });
    return [];
  }
  paths.push(source.path);
  if (source.kind === 'user') return [{ file: source.path, kind: kindOfFile(source.path), owner: currentAccount() }];
  if (!st.isDirectory()) return [{ file: source.path, kind: 'system', owner: undefined }];
  const files: CrontabFile[] = [];
  for (const name of fs.readdirSync(source.path).sort()) {
    const file = path.join(source.path, name);
    if (!statOrUndefined(file)?.isFile()) continue;
    if (source.kind === 'system') {
      if (name.startsWith('.')) continue;
      if (!CRON_D_NAME.test(name)) {
        problems.push({
          file,
          line: 0,
          message: "ignored: cron.d file names may only use A-Z a-z 0-9 _ - (as Debian's cron)",
          warning: true,
        });
        continue;
      }
      files.push({ file, kind: 'system', owner: undefined });
    } else {
      const owner = findUser(name);
      if (!owner) {
        problems.push({ file, line: 0, message: `no user named '${name}' (not in /etc/passwd); this crontab is ignored` });
        continue;
      }
      files.push({ file, kind: 'user', owner });
    }
  }
  return files;
}

function toJob(entry: Entry, owner: Account | undefined, problems: Problem[]): Job | undefined {
  const name = entry.user ?? owner?.name;
  const account = entry.user !== undefined ? findUser(entry.user) : owner;
  const problem = (message: string) => problems.push({ file: entry.file, line: entry.line, message });
  if (!account) {
    problem(`user '${name}' does not exist (not in /etc/passwd); job refused`);
    return undefined;
  }
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0 && account.uid !== uid) {
    problem(`job for user '${account.name}' refused: only a nuwa cron running as root can run jobs as another user`);
    return undefined;
  }
  const environment: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) environment[k] = v;
  Object.assign(environment, {
    HOME: account.home || '/',
    USER: account.name,
    LOGNAME: account.name,
    SHELL: '/bin/sh',
    PATH: process.env.PATH || '/usr/bin:/bin',
  });
  Object.assign(environment, entry.env);
  return {
    ...entry,
    id: `${path.basename(entry.file)}:${entry.line}`,
    key: [entry.file, account.name, entry.when, entry.zone, entry.command, entry.input ?? ''].join('\0'),
    account,
    shell: environment.SHELL || '/bin/sh',
    environment,
  };
}

/** Reads every source. Never throws for bad content: problems are collected with file and line. */
export function loadSources(sources: readonly Source[], zone: string): Loaded {
  const problems: Problem[] = [];
  const paths: string[] = [];
  const jobs: Job[] = [];
  for (const source of sources) {
    for (const { file, kind, owner } of listFiles(source, problems, paths)) {
      let text: string;
      let st: fs.Stats;
      try {
        st = fs.statSync(file);
        text = fs.readFileSync(file, 'utf8');
      } catch (err) {
        problems.push({ file, line: 0, message: `cannot read: ${(err as Error).message}` });
        continue;
      }
      if (source.kind !== 'user') {
        const why = unsafe(st, owner?.uid);
        if (why) {
          problems.push({ file, line: 0, message: `refused: ${why}` });
          continue;
        }
      }
      const parsed = parseCrontab(file, text, kind, zone);
      problems.push(...parsed.problems);
      for (const entry of parsed.entries) {
        const job = toJob(entry, owner, problems);
        if (job) jobs.push(job);
      }
    }
  }
  return { jobs, problems, paths };
}

/** True when the image has crontabs in the default places (for init: start nuwa cron only then). */
export function hasCrontabs(): boolean {
  return loadSources(DEFAULT_SOURCES, 'UTC').jobs.length > 0;
}

/** `file:line: message` (the severity is the logger's business). */
export function formatProblem(p: Problem): string {
  return `${p.file}${p.line > 0 ? `:${p.line}` : ''}: ${p.message}`;
}
