/**
 * nuwa svstat (alias s6-svstat): s6-svstat 2.11's legacy line, `-o` fields and short options for one service; with
 * `--json`, the same as a JSON object; given a scan dir (or nothing: $NUWA_SCANDIR, else /run/service), a table of
 * every service and logger in it (or a JSON array, or `name field…` lines with -o).
 * Exit codes as s6-svstat: 0, 1 when no supervisor runs the service, 100 usage, 111 system error.
 */
import * as fs from 'node:fs';
import type { AppletMain } from '../cli/applet';
import { isSupervised } from '../wire/lock';
import { isNormallyUp } from '../wire/servicedir';
import { readStatus, statusPath } from '../wire/status';
import { AppletError, UsageError, SystemError, reason } from '../cli/errors';
import { getopt } from '../cli/getopt';
import { isScanDir, listServices, resolveService, scanDir } from './service-dir';
import {
  fieldByPrefix,
  escapeCell,
  fieldValue,
  formatTable,
  legacyLine,
  MAX_FIELDS,
  NAME_WIDTH,
  SHORT_FIELDS,
  tableRow,
  toJson,
  viewOf,
  type FieldName,
  type ServiceView,
  type StatusJson,
} from './status-view';
import { writeOut } from '../sys/output';

const FIELD_LIST = 'up,wantedup,normallyup,ready,paused,pid,exitcode,signal,signum,updownsince,readysince,updownfor,readyfor';
const USAGE = `svstat [ -uwNrpest | -o ${FIELD_LIST} ] [ -n ] [ --json ] [ servicedir | scandir ]`;
const HELP = `usage: ${USAGE}

A scan dir (default: $NUWA_SCANDIR, else /run/service) gives a table of its services and loggers. There a name
shows a backslash as \\\\ and a control character as an escape (\\n, \\t, \\r, \\xNN), and one longer than
${NAME_WIDTH} characters is cut in the middle (…); -o gives \`name fields…\` lines with the same escapes, uncut;
--json gives the exact names.`;

interface Request {
  fields: FieldName[];
  numeric: boolean;
  json: boolean;
}

function parseFieldList(list: string, fields: FieldName[]): void {
  const pieces = list.split(',');
  if (pieces[pieces.length - 1] === '') pieces.pop(); // "up," is accepted, as by s6-svstat
  for (const piece of pieces) {
    if (piece === '') throw new UsageError('invalid null option field');
    const name = fieldByPrefix(piece);
    if (!name) throw new UsageError(`invalid option field: ${piece} (fields: ${FIELD_LIST})`);
    addField(fields, name);
  }
}

function addField(fields: FieldName[], name: FieldName): void {
  if (fields.length >= MAX_FIELDS) throw new UsageError(`too many option fields (at most ${MAX_FIELDS})`);
  fields.push(name);
}

/** Reads one service: the view, or why not (`supervised: false` when no supervisor holds its lock). */
function inspect(dir: string): { view: ServiceView } | { supervised: false } | { error: string; code: number; supervised: boolean } {
  let supervised: boolean;
  try {
    supervised = isSupervised(dir);
  } catch (err) {
    return { error: `unable to check ${dir}: ${reason(err)}`, code: 111, supervised: false };
  }
  if (!supervised) return { supervised: false };
  try {
    return { view: viewOf(readStatus(dir), isNormallyUp(dir)) };
  } catch (err) {
    return { error: `unable to read status for ${dir}: ${statusPath(dir)}: ${reason(err)}`, code: 111, supervised: true };
  }
}

function one(arg: string, dir: string, req: Request): number {
  const result = inspect(dir);
  if ('error' in result) throw new AppletError(result.error, result.code);
  if (!('view' in result)) {
    if (req.json) writeOut(`${JSON.stringify({ service: arg, dir, supervised: false } satisfies StatusJson)}\n`);
    const missing = fs.existsSync(dir) ? '' : ' (no such directory here, nor in the scan dir)';
    throw new AppletError(`unable to read status for ${dir}: no supervisor is running${missing}`, 1);
  }
  let out: string;
  if (req.json) out = JSON.stringify(toJson(arg, dir, result.view));
  else if (req.fields.length > 0) out = req.fields.map((f) => fieldValue(f, result.view)).join(' ');
  else out = legacyLine(result.view, req.numeric);
  writeOut(`${out}\n`);
  return 0;
}

function table(scandir: string, req: Request): number {
  let services: Array<{ name: string; dir: string }>;
  try {
    services = listServices(scandir);
  } catch (err) {
    throw new SystemError(`unable to read scan dir ${scandir}: ${reason(err)}`);
  }
  const rows = services.map(({ name, dir }) => {
    const result = inspect(dir);
    if ('view' in result) return { json: toJson(name, dir, result.view), view: result.view };
    // A status that cannot be read still has a supervisor: only the lock says whether one runs.
    const json: StatusJson =
      'error' in result
        ? { service: name, dir, supervised: result.supervised, error: result.error }
        : { service: name, dir, supervised: false };
    return { json, view: undefined };
  });
  let out: string;
  if (req.json)
    out = JSON.stringify(
      rows.map((r) => r.json),
      null,
      2,
    );
  else if (req.fields.length > 0) {
    const line = ({ json, view }: (typeof rows)[number]) =>
      [escapeCell(json.service), ...(view ? req.fields.map((f) => fieldValue(f, view)) : ['unsupervised'])].join(' ');
    out = rows.map(line).join('\n');
  } else out = formatTable(rows.map((r) => tableRow(r.json)));
  if (out !== '') writeOut(`${out}\n`);
  return 0;
}

export const main: AppletMain = (argv) => {
  const { options, long, operands } = getopt(argv, 'no:uwNrpest', USAGE, ['json', 'help']);
  if (long.has('help')) {
    writeOut(`${HELP}\n`);
    return 0;
  }
  const req: Request = { fields: [], numeric: false, json: long.has('json') };
  for (const [opt, arg] of options) {
    if (opt === 'n') req.numeric = true;
    else if (opt === 'o') parseFieldList(arg as string, req.fields);
    else addField(req.fields, SHORT_FIELDS[opt] as FieldName);
  }
  const arg = operands[0];
  if (arg === undefined) return table(scanDir(), req);
  if (arg === '') throw new UsageError('invalid service path');
  const dir = resolveService(arg);
  if (fs.existsSync(dir) && isScanDir(dir)) return table(dir, req);
  return one(arg, dir, req);
};
