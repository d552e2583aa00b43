/**
 * Where nuwa-host finds what it builds from: layers/, rootfs/ and host-cli/templates/ (the "share" tree: the repo
 * checkout, or a copy installed under /usr/local/share/nuwa), and the nuwa executable that becomes the images' /init.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isSea } from '../../supervisor/src/sys/sea';

const MARKERS = ['layers/base/Containerfile', 'host-cli/templates/bin/_lib.sh'];

function isShare(dir: string): boolean {
  return MARKERS.every((m) => fs.existsSync(path.join(dir, m)));
}

function ancestors(start: string): string[] {
  const out: string[] = [];
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    out.push(dir);
    if (path.dirname(dir) === dir) return out;
  }
}

/** The share tree: $NUWA_SHARE, else the checkout holding this code or the running executable, else the installed copy. */
export function shareDir(): string {
  const fromEnv = process.env.NUWA_SHARE;
  if (fromEnv) {
    if (!isShare(fromEnv)) throw new Error(`NUWA_SHARE=${fromEnv} does not hold ${MARKERS.join(' and ')}`);
    return fromEnv;
  }
  const starts = [__dirname, path.dirname(fs.realpathSync(process.execPath))];
  const candidates = [...starts.flatMap(ancestors), '/usr/local/share/nuwa', '/usr/share/nuwa'];
  const found = candidates.find(isShare);
  if (!found)
    throw new Error(
      `cannot find nuwa's layers/ and host-cli/templates/ (looked above ${starts.join(', ')} and in /usr/local/share/nuwa): set NUWA_SHARE`,
    );
  return found;
}

/**
 * The nuwa executable copied into images as /init: $NUWA_BINARY, else this very executable when it is the single
 * executable (dist/nuwa), else the share tree's dist/nuwa (when running from sources under node).
 */
export function nuwaExecutable(share: string): string {
  const candidate = process.env.NUWA_BINARY || (isSea() ? process.execPath : path.join(share, 'dist/nuwa'));
  if (!fs.existsSync(candidate)) throw new Error(`${candidate} is missing: run "npm run build" in ${share} (or set NUWA_BINARY)`);
  return candidate;
}
