/**
 * Which directory a tool's argument names. A path is used as given (relative to the current directory, as s6's tools
 * do); a bare name that is not a directory here is looked up in the scan dir: `svc -r gunicorn` means
 * /run/service/gunicorn, or $NUWA_SCANDIR/gunicorn.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const DEFAULT_SCANDIR = '/run/service';

export function scanDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.NUWA_SCANDIR || DEFAULT_SCANDIR;
}

export function resolveService(arg: string, env: NodeJS.ProcessEnv = process.env): string {
  if (path.isAbsolute(arg) || arg.startsWith('./') || arg.startsWith('../') || fs.existsSync(arg)) return arg;
  const inScanDir = path.join(scanDir(env), arg);
  return fs.existsSync(inScanDir) ? inScanDir : arg;
}

/**
 * A scan dir rather than a service dir: s6-svscan's control dir is there, or it has no run and no supervise/ of its
 * own but holds at least one service (a subdirectory with a run file).
 */
export function isScanDir(dir: string): boolean {
  if (fs.existsSync(path.join(dir, '.s6-svscan'))) return true;
  if (fs.existsSync(path.join(dir, 'run')) || fs.existsSync(path.join(dir, 'supervise'))) return false;
  try {
    return listServices(dir).some((service) => fs.existsSync(path.join(service.dir, 'run')));
  } catch {
    return false;
  }
}

/** The services of a scan dir as s6-svscan sees them: subdirectories not starting with '.', each with its log/. */
export function listServices(scandir: string): Array<{ name: string; dir: string }> {
  const found: Array<{ name: string; dir: string }> = [];
  for (const name of fs.readdirSync(scandir).sort()) {
    if (name.startsWith('.')) continue;
    const dir = path.join(scandir, name);
    if (!isDirectory(dir)) continue;
    found.push({ name, dir });
    if (isDirectory(path.join(dir, 'log'))) found.push({ name: `${name}/log`, dir: path.join(dir, 'log') });
  }
  return found;
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory(); // follows symlinks, as s6-svscan does
  } catch {
    return false;
  }
}
