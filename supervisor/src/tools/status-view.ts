/**
 * What s6-svstat (2.11) prints for a decoded supervise/status: the legacy line, the `-o` fields, and nuwa's JSON and
 * table views of the same facts. Definitions follow s6-svstat.c: "up" is a run process (not finish), "ready" in -o
 * needs a pid, the legacy line shows ", ready N seconds" whenever the ready flag is set (for a down service: since
 * finish ended), and a stamp in the future is read as now.
 */
import { isUp, type SupervisorStatus } from '../wire/status';
import { formatTain, now, type Tain } from '../wire/tai64n';
import { rawExited, rawSignaled, signalName } from '../sys/wait-status';

export interface ServiceView {
  status: SupervisorStatus;
  /** No `down` file in the service dir. */
  normallyUp: boolean;
  /** When the status was read (stamps later than this are clamped to it). */
  at: Tain;
}

export function viewOf(status: SupervisorStatus, normallyUp: boolean, at: Tain = now()): ServiceView {
  return { status: { ...status, stamp: status.stamp > at ? at : status.stamp }, normallyUp, at };
}

function secondsSince(view: ServiceView, stamp: Tain): number {
  return stamp >= view.at ? 0 : Number((view.at - stamp) / 1_000_000_000n);
}

function exitCode(s: SupervisorStatus): number {
  return !isUp(s) && rawExited(s.wstat) ? (s.wstat >> 8) & 0xff : -1;
}

function signum(s: SupervisorStatus): number {
  return !isUp(s) && rawSignaled(s.wstat) ? s.wstat & 0x7f : -1;
}

/** s6-svstat 2.11's -o fields, in its table order: that order decides which field a prefix ("re", "s") names. */
const FIELDS = {
  up: (v) => String(isUp(v.status)),
  wantedup: (v) => String(v.status.wantUp),
  normallyup: (v) => String(v.normallyUp),
  ready: (v) => String(v.status.pid !== 0 && v.status.ready),
  paused: (v) => String(v.status.paused),
  pid: (v) => String(isUp(v.status) ? v.status.pid : -1),
  exitcode: (v) => String(exitCode(v.status)),
  signal: (v) => (signum(v.status) === -1 ? 'NA' : signalName(signum(v.status))),
  signum: (v) => String(signum(v.status)),
  updownsince: (v) => formatTain(v.status.stamp),
  readysince: (v) => formatTain(v.status.readyStamp),
  updownfor: (v) => String(secondsSince(v, v.status.stamp)),
  readyfor: (v) => String(secondsSince(v, v.status.readyStamp)),
} satisfies Record<string, (v: ServiceView) => string>;

export type FieldName = keyof typeof FIELDS;
export const FIELD_NAMES = Object.keys(FIELDS) as FieldName[];
/** s6-svstat's short options, each naming one field. */
export const SHORT_FIELDS: Record<string, FieldName> = {
  u: 'up',
  w: 'wantedup',
  N: 'normallyup',
  r: 'ready',
  p: 'pid',
  e: 'exitcode',
  s: 'signal',
  t: 'updownfor',
};
export const MAX_FIELDS = 16;

/** 2.11 matches a field by prefix, first in table order ("s" is signal, "p" is paused). Undefined: no such field. */
export function fieldByPrefix(text: string): FieldName | undefined {
  return FIELD_NAMES.find((name) => name.startsWith(text));
}

export function fieldValue(name: FieldName, view: ServiceView): string {
  return FIELDS[name](view);
}

/** The legacy line, e.g. `up (pid 1234) 12 seconds, ready 10 seconds` (no newline). */
export function legacyLine(view: ServiceView, numericSignal = false): string {
  const s = view.status;
  const up = isUp(s);
  let line: string;
  if (up) line = `up (pid ${s.pid}) `;
  else if (rawSignaled(s.wstat)) line = `down (signal ${numericSignal ? s.wstat & 0x7f : signalName(s.wstat & 0x7f)}) `;
  else line = `down (exitcode ${(s.wstat >> 8) & 0xff}) `;
  line += `${secondsSince(view, s.stamp)} seconds`;
  if (up && !view.normallyUp) line += ', normally down';
  if (!up && view.normallyUp) line += ', normally up';
  if (up && s.paused) line += ', paused';
  if (!up && s.wantUp) line += ', want up';
  if (up && !s.wantUp) line += ', want down';
  if (s.ready) line += `, ready ${secondsSince(view, s.readyStamp)} seconds`;
  return line;
}

/** `svstat --json`: the same facts with names that need no s6 manual. Times are ISO 8601 UTC. */
export interface StatusJson {
  service: string;
  dir: string;
  supervised: boolean;
  up?: boolean;
  wantedUp?: boolean;
  normallyUp?: boolean;
  /** Up and has notified readiness. */
  ready?: boolean;
  paused?: boolean;
  /** finish is running (run has died). */
  finishing?: boolean;
  /** run's pid while up; finish's pid while finishing; null otherwise. */
  pid?: number | null;
  exitCode?: number | null;
  signal?: string | null;
  upDownSince?: string;
  upDownFor?: number;
  readySince?: string;
  readyFor?: number;
  error?: string;
}

function iso(t: Tain): string {
  return new Date(Number(t / 1_000_000n)).toISOString();
}

export function toJson(service: string, dir: string, view: ServiceView): StatusJson {
  const s = view.status;
  const code = exitCode(s);
  const sig = signum(s);
  return {
    service,
    dir,
    supervised: true,
    up: isUp(s),
    wantedUp: s.wantUp,
    normallyUp: view.normallyUp,
    ready: isUp(s) && s.ready,
    paused: s.paused,
    finishing: s.finishing,
    pid: s.pid === 0 ? null : s.pid,
    exitCode: code === -1 ? null : code,
    signal: sig === -1 ? null : signalName(sig),
    upDownSince: iso(s.stamp),
    upDownFor: secondsSince(view, s.stamp),
    readySince: iso(s.readyStamp),
    readyFor: secondsSince(view, s.readyStamp),
  };
}

/** "42s", "3m05s", "2h03m", "4d07h": short enough for a table column. */
export function shortDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h${String(Math.floor(seconds / 60) % 60).padStart(2, '0')}m`;
  return `${Math.floor(seconds / 86400)}d${String(Math.floor(seconds / 3600) % 24).padStart(2, '0')}h`;
}

const HEADER = ['SERVICE', 'STATE', 'PID', 'FOR', 'READY', 'LAST EXIT', 'NOTES'];

/** The longest name the table shows whole: one long name must not pad every row. */
export const NAME_WIDTH = 40;
/** How a shortened name ends: its last characters stay, so `…/log` still tells a logger from its service. */
const NAME_TAIL = 9;

const ESCAPES: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };

/**
 * A text as one table cell on one line: a backslash is doubled and a control character shown as an escape (`\n`,
 * `\t`, `\r`, else `\xNN`), so a name with a newline cannot break its row, nor one with an escape code the terminal.
 */
export function escapeCell(text: string): string {
  let out = '';
  for (const c of text) {
    const code = c.charCodeAt(0);
    if (c === '\\') out += '\\\\';
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) out += ESCAPES[c] ?? `\\x${code.toString(16).padStart(2, '0')}`;
    else out += c;
  }
  return out;
}

/** A service name as the table shows it: escaped, and past NAME_WIDTH characters cut in the middle (`…`). */
export function tableName(name: string): string {
  const chars = [...escapeCell(name)];
  if (chars.length <= NAME_WIDTH) return chars.join('');
  return `${chars.slice(0, NAME_WIDTH - NAME_TAIL - 1).join('')}…${chars.slice(-NAME_TAIL).join('')}`;
}

/** One table row per service: the human view of `svstat` on a scan dir. */
export function tableRow(json: StatusJson): string[] {
  const name = tableName(json.service);
  if (json.error !== undefined) return [name, 'error', '-', '-', '-', '-', escapeCell(json.error)];
  if (!json.supervised) return [name, 'unsupervised', '-', '-', '-', '-', ''];
  const state = json.up ? 'up' : json.finishing ? 'finishing' : 'down';
  const notes: string[] = [];
  if (json.paused) notes.push('paused');
  if (json.up && !json.wantedUp) notes.push('want down');
  if (!json.up && json.wantedUp) notes.push('want up');
  if (!json.normallyUp) notes.push('normally down');
  const last = json.exitCode !== null && json.exitCode !== undefined ? `exitcode ${json.exitCode}` : (json.signal ?? '-');
  return [
    name,
    state,
    json.pid === null || json.pid === undefined ? '-' : String(json.pid),
    shortDuration(json.upDownFor ?? 0),
    json.up ? (json.ready ? 'yes' : 'no') : '-',
    json.up ? '-' : last,
    notes.join(', '),
  ];
}

export function formatTable(rows: string[][]): string {
  const all = [HEADER, ...rows];
  const width = (cell: string) => [...cell].length; // characters, not UTF-16 units: '…' and other names line up
  const widths = HEADER.map((_, col) => Math.max(...all.map((row) => width(row[col] ?? ''))));
  return all
    .map((row) =>
      row
        .map((cell, col) => (col === row.length - 1 ? cell : cell + ' '.repeat((widths[col] as number) - width(cell))))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
