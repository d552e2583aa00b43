/** `halt`, `poweroff`, `reboot` (s6-overlay: /run/s6/basedir/bin/halt): ask nuwa init to stop the container. */
import * as path from 'node:path';
import { requestHalt, type HaltKind } from '../halt';

function kindOf(name: string): HaltKind {
  return name === 'poweroff' || name === 'reboot' ? name : 'halt';
}

/** `nuwa halt`, or nuwa called as halt/poweroff/reboot through a symlink. */
export function main(argv: string[]): number {
  const called = path.basename(process.argv[1] ?? 'halt');
  const kind = argv[0] === 'poweroff' || argv[0] === 'reboot' || argv[0] === 'halt' ? argv[0] : kindOf(called);
  return requestHalt(kind);
}
