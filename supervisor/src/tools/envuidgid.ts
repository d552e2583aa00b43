/**
 * `s6-envuidgid [-i | -D UID:GID:GIDLIST] [-u | -g | -B] [-n] ACCOUNT PROG…`: sets UID, GID and GIDLIST from the
 * account database, then execs PROG. -u: only UID (ACCOUNT a user), -g: only GID (a group), -B or -n: UID and GID
 * from `user:group` (an empty part is 0; -n also takes numbers). An unknown account is fatal (exit 1) unless -D gives
 * the values to use instead.
 */
import { UsageError } from '../cli/errors';
import { getopt, scanUint } from '../cli/getopt';
import { findGroup, findUser, memberGroups } from '../sys/accounts';
import { execInto } from '../sys/exec';

const USAGE = 's6-envuidgid [ -i | -D defaultuid:defaultgid:defaultgidlist ] [ -u | -g | -B ] [ -n ] account prog...';

interface Defaults {
  uid: string;
  gid: string;
  gidlist: string;
}

class Unknown extends Error {}

function parseDefaults(text: string): Defaults {
  const [uid = '0', gid = '0', gidlist = ''] = text.split(':');
  const id = (text: string) => text === '' || scanUint(text) !== undefined;
  if (!id(uid) || !id(gid) || !gidlist.split(',').every(id)) throw new UsageError(`usage: ${USAGE}`);
  return { uid: uid || '0', gid: gid || '0', gidlist };
}

function userId(name: string, numeric: boolean, fallback: string | undefined): string {
  if (numeric && /^\d+$/.test(name)) return name;
  const user = /^\d+$/.test(name) ? undefined : findUser(name);
  if (user) return String(user.uid);
  if (fallback === undefined) throw new Unknown(`unknown user: ${name}`);
  return fallback;
}

function groupId(name: string, numeric: boolean, fallback: string | undefined): string {
  if (numeric && /^\d+$/.test(name)) return name;
  const gid = /^\d+$/.test(name) ? undefined : findGroup(name);
  if (gid !== undefined) return String(gid);
  if (fallback === undefined) throw new Unknown(`unknown group: ${name}`);
  return fallback;
}

/** The variables to set for ACCOUNT in `mode`. */
function variables(mode: string, account: string, numeric: boolean, defaults: Defaults | undefined): Record<string, string> {
  if (mode === 'u') return { UID: userId(account, false, defaults?.uid) };
  if (mode === 'g') return { GID: groupId(account, false, defaults?.gid) };
  if (mode === 'B') {
    const colon = account.indexOf(':');
    const [user, group] = colon === -1 ? [account, ''] : [account.slice(0, colon), account.slice(colon + 1)];
    const gid = group === '' ? (defaults?.gid ?? '0') : groupId(group, numeric, defaults?.gid);
    return { UID: user === '' ? (defaults?.uid ?? '0') : userId(user, numeric, defaults?.uid), GID: gid };
  }
  const user = /^\d+$/.test(account) ? undefined : findUser(account);
  if (user) return { UID: String(user.uid), GID: String(user.gid), GIDLIST: memberGroups(user).join(',') };
  if (!defaults) throw new Unknown(`unknown user: ${account}`);
  return { UID: defaults.uid, GID: defaults.gid, GIDLIST: defaults.gidlist };
}

export function main(argv: string[]): number | Promise<number> {
  const parsed = getopt(argv, 'iD:ugBn', USAGE, {});
  let mode = '';
  let numeric = false;
  let defaults: Defaults | undefined;
  for (const [flag, value] of parsed.options) {
    if (flag === 'i') defaults = undefined;
    else if (flag === 'D') defaults = parseDefaults(value as string);
    else if (flag === 'n') numeric = true;
    else mode = flag;
  }
  if (numeric && mode === '') mode = 'B';
  const [account, ...prog] = parsed.operands;
  if (account === undefined || prog.length === 0) throw new UsageError(`usage: ${USAGE}`);
  let set: Record<string, string>;
  try {
    set = variables(mode, account, numeric, defaults);
  } catch (err) {
    if (!(err instanceof Unknown)) throw err;
    process.stderr.write(`s6-envuidgid: fatal: ${err.message}\n`);
    return 1;
  }
  return execInto('s6-envuidgid', prog, { ...process.env, ...set });
}
