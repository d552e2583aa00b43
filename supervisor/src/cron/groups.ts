/**
 * How a job is started as its user: with the supplementary groups /etc/group gives that user, as cron(8) does
 * (Debian's cron and cronie call initgroups() before setuid() for every job), so that a job as `app`, a member of
 * `ssl-cert`, can read that group's files.
 *
 * The mechanism, and why this one:
 * - Node's spawn cannot: given uid/gid, libuv calls setgroups(0, NULL) in the child, and has no option for
 *   supplementary groups.
 * - Not setgroups() in nuwa cron itself: they would become nuwa cron's own groups, for every later job and every file
 *   it opens, in a multi-threaded process.
 * - Not the native addon: the only place where one child's groups can be set is between its fork and its exec, and
 *   that code is libuv's. The addon would have to fork and exec jobs itself, taking their stdio pipes, process group
 *   and exit status away from libuv and the reaper: far from small, and not safe to get slightly wrong.
 * - Not nuwa's own s6-setuidgid applet in between: a Node runtime started as root for every run (~70 ms, tens of MB),
 *   which would also act on NODE_OPTIONS from the job's environment, as root.
 * - So util-linux's setpriv (`--reuid --regid --init-groups`): a small C program, started as root, that sets the
 *   gid, calls initgroups() (the very call cron(8) makes, through the same NSS), sets real, effective and saved uid,
 *   and execs the job's shell in place. The pid, process group, stdio pipes and exit status stay the ones libuv set
 *   up. Debian's util-linux is essential, and cronie's images (Rocky) have it too.
 *
 * It is used only when it changes something: nuwa cron runs as root (only root can set groups) and /etc/group lists
 * the account in a group other than its primary one, read at each run (a group given later counts from the next run,
 * as with cron(8)). Every other job is spawned as before. Where setpriv is missing or cannot do it (busybox's setpriv
 * has no --init-groups: one trial run, once, tells), the job runs as before, without those groups, with a warning.
 *
 * setpriv runs as root, so the environment it gets must not steer the dynamic loader or libc: a per-user crontab is
 * written by its user, and `LD_PRELOAD=/home/app/x.so` there would run app's code as root. Those variables (the ones
 * glibc drops for set-user-ID programs, the LD_, GLIBC_ and MALLOC_ families, TZ) are held back from setpriv and set
 * by env(1) after the switch, running as the user. Only they travel on a command line (visible in ps for the instant
 * before the shell starts): the rest of the environment, where secrets live, never does.
 */
import { groupsOf, type Account } from '../sys/accounts';
import { findProgram } from '../sys/run-program';
import { spawn } from '../sys/spawner';
import { shellExitCode } from '../sys/wait-status';

/** Where setpriv and env are looked for: the system's directories, not whatever PATH the image or a crontab sets. */
const SYSTEM_PATH = '/usr/bin:/bin:/usr/sbin:/sbin';

/** glibc's UNSECURE_ENVVARS (dropped for set-user-ID programs), plus TZ; and the prefixes below. */
const HELD_BACK = new Set([
  'GCONV_PATH',
  'GETCONF_DIR',
  'HOSTALIASES',
  'LOCALDOMAIN',
  'LOCPATH',
  'NIS_PATH',
  'NLSPATH',
  'RESOLV_HOST_CONF',
  'RES_OPTIONS',
  'TMPDIR',
  'TZ',
  'TZDIR',
]);
const HELD_BACK_PREFIX = /^(LD_|GLIBC_|MALLOC_)/;

export interface JobSpec {
  account: Account;
  shell: string;
  command: string;
  environment: Record<string, string>;
}

/** What to spawn. uid/gid are for spawn (libuv sets them, dropping every supplementary group); unset with setpriv. */
export interface Launch {
  file: string;
  args: string[];
  env: Record<string, string>;
  uid?: number;
  gid?: number;
  /** Set when the account has supplementary groups the job does not get, with the reason. */
  without?: { groups: number[]; reason: string };
}

export class Launcher {
  /** setpriv's path once a trial run showed it works, or why it cannot be used. */
  private setpriv?: Promise<{ path: string } | { reason: string }>;

  constructor(
    private readonly groupFile = '/etc/group',
    private readonly searchPath = SYSTEM_PATH,
  ) {}

  async launch(job: JobSpec): Promise<Launch> {
    const { account } = job;
    const direct: Launch = { file: job.shell, args: ['-c', job.command], env: job.environment, uid: account.uid, gid: account.gid };
    if ((process.getuid?.() ?? 0) !== 0) return direct; // only root can set groups: nothing to do
    const extra = groupsOf(account, this.groupFile).filter((gid) => gid !== account.gid);
    if (extra.length === 0) return direct;
    const setpriv = await (this.setpriv ??= this.trySetpriv());
    if ('reason' in setpriv) return { ...direct, without: { groups: extra, reason: setpriv.reason } };

    const env: Record<string, string> = {};
    const heldBack: string[] = [];
    for (const [name, value] of Object.entries(job.environment)) {
      if (HELD_BACK.has(name) || HELD_BACK_PREFIX.test(name)) heldBack.push(`${name}=${value}`);
      else env[name] = value;
    }
    let prefix: string[] = [];
    if (heldBack.length > 0) {
      const envProgram = findProgram('env', this.searchPath);
      if (!envProgram) {
        const names = heldBack.map((a) => a.slice(0, a.indexOf('='))).join(', ');
        return {
          ...direct,
          without: { groups: extra, reason: `env(1) is not installed, and it is needed to set ${names} after the switch to the user` },
        };
      }
      prefix = [envProgram, ...heldBack];
    }
    return {
      file: setpriv.path,
      args: [`--reuid=${account.uid}`, `--regid=${account.gid}`, '--init-groups', '--', ...prefix, job.shell, '-c', job.command],
      env,
    };
  }

  /** Finds setpriv and runs it once as it will be run (as root, for root): busybox's, or a missing capability, fail here. */
  private async trySetpriv(): Promise<{ path: string } | { reason: string }> {
    const path = findProgram('setpriv', this.searchPath);
    if (!path) return { reason: 'setpriv (util-linux) is not installed' };
    try {
      const trial = await spawn(path, ['--reuid=0', '--regid=0', '--init-groups', '--', path, '--version'], {
        env: {},
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      const said = new Promise<void>((resolve) => {
        const stream = trial.child.stderr;
        if (!stream) return resolve();
        stream.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
        stream.on('error', () => resolve());
        stream.on('end', () => resolve());
      });
      const [termination] = await Promise.all([trial.exited, said]);
      const code = shellExitCode(termination);
      if (code === 0) return { path };
      const first = stderr.trim().split('\n')[0];
      return { reason: `${path} --init-groups does not work here (exit ${code}${first ? `: ${first}` : ''})` };
    } catch (err) {
      return { reason: (err as Error).message };
    }
  }
}
