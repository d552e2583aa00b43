/**
 * /run/s6/nuwa-boot-state: how far an s6-overlay boot is, one line written by nuwa init's stages and read by
 * `nuwa health`: `booting` (stage 2 has not brought `top` up yet), `up`, `failed N` (s6-rc's code for the boot's
 * change), `stopping` (stage 3). Absent when the container was not booted from an s6-overlay tree.
 */
import * as fs from 'node:fs';

export const BOOT_STATE_FILE = '/run/s6/nuwa-boot-state';

export type BootProgress = 'booting' | 'up' | `failed ${number}` | 'stopping';

/** Written whole (write then rename), so a reader never sees half a line. Best effort: health is not worth a boot. */
export function writeBootProgress(state: BootProgress, file = BOOT_STATE_FILE): void {
  try {
    fs.writeFileSync(`${file}.new`, `${state}\n`);
    fs.renameSync(`${file}.new`, file);
  } catch {
    // /run is checked writable at stage 1; a failure here only leaves `nuwa health` with an older state
  }
}

export function readBootProgress(file = BOOT_STATE_FILE): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}
