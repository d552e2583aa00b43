/**
 * `s6-setuidgid ACCOUNT PROG…`: runs PROG as ACCOUNT — a user name from /etc/passwd (its uid, primary gid and
 * supplementary groups), or `uid:gid` numbers — as s6's s6-setuidgid does. Only root can do this.
 */
import { HelpRequest, UsageError } from '../cli/errors';
import { findUser, groupsOf } from '../sys/accounts';
import { execInto } from '../sys/exec';
import { native } from '../sys/native';

export function main(argv: string[]): number | Promise<number> {
  if (argv[0] === '--help') throw new HelpRequest('usage: s6-setuidgid ACCOUNT PROG [ARGS...]');
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  const [account, ...prog] = args;
  if (account === undefined || account.startsWith('-') || prog.length === 0)
    throw new UsageError('usage: s6-setuidgid ACCOUNT PROG [ARGS...]');
  let uid: number;
  let gid: number;
  let groups: number[];
  const numeric = /^(\d+):(\d+)$/.exec(account);
  if (numeric) {
    uid = Number(numeric[1]);
    gid = Number(numeric[2]);
    groups = [gid];
  } else {
    const user = findUser(account);
    if (!user) {
      process.stderr.write(`s6-setuidgid: fatal: unknown user: ${account}\n`);
      return 1;
    }
    ({ uid, gid } = user);
    groups = groupsOf(user);
  }
  // The addon that execs PROG is loaded while we are still who we were (root: from /run/nuwa): loaded after the
  // switch, it would be unpacked as ACCOUNT, into a $TMPDIR/nuwa-<uid> left behind for every account used.
  native();
  try {
    process.setgroups?.(groups);
    process.setgid?.(gid);
    process.setuid?.(uid);
  } catch (err) {
    process.stderr.write(`s6-setuidgid: fatal: unable to become ${account} (${uid}:${gid}): ${(err as Error).message}\n`);
    return 111;
  }
  return execInto('s6-setuidgid', prog, process.env);
}
