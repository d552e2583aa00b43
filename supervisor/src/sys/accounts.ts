/** Accounts from the image's /etc/passwd and /etc/group (what s6-envuidgid looks up through getpwnam). */
import * as fs from 'node:fs';

export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

function rows(file: string): string[][] {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => l.split(':'));
  } catch {
    return [];
  }
}

export function findUser(nameOrUid: string, passwd = '/etc/passwd'): Account | undefined {
  const numeric = /^\d+$/.test(nameOrUid);
  for (const f of rows(passwd)) {
    if (f.length < 4) continue;
    if (numeric ? f[2] === nameOrUid : f[0] === nameOrUid) {
      return { name: f[0] as string, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '/' };
    }
  }
  return undefined;
}

export function findGroup(nameOrGid: string, group = '/etc/group'): number | undefined {
  if (/^\d+$/.test(nameOrGid)) return Number(nameOrGid);
  const row = rows(group).find((f) => f[0] === nameOrGid);
  return row && row[2] !== undefined ? Number(row[2]) : undefined;
}

/** Supplementary groups of `user` (the groups listing it as a member), plus its primary group. */
export function groupsOf(user: Account, group = '/etc/group'): number[] {
  return [...new Set<number>([user.gid, ...memberGroups(user, group)])];
}

/** The groups whose member list names `user` (s6-envuidgid's GIDLIST: the primary group only if listed). */
export function memberGroups(user: Account, group = '/etc/group'): number[] {
  return rows(group)
    .filter((f) => (f[3] ?? '').split(',').includes(user.name))
    .map((f) => Number(f[2]));
}

/** id → name for every row of /etc/passwd or /etc/group (both keep the id in the third field), as s6-ps shows them. */
export function namesById(file: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const f of rows(file)) if (f[2] !== undefined && !names.has(Number(f[2]))) names.set(Number(f[2]), f[0] as string);
  return names;
}
