/**
 * The container's exit code, kept where s6-overlay keeps it: /run/s6-linux-init-container-results/exitcode, written
 * by CMD's end, a failed stage 2 or `halt`'s caller, and read once everything has stopped.
 */
import * as fs from 'node:fs';
import { logger } from '../sys/logger';
import type { HaltKind } from './halt';
import { EXITCODE_FILE } from './paths';

const log = logger('init');

export function writeExitCode(code: number): void {
  try {
    fs.writeFileSync(EXITCODE_FILE, `${code}\n`);
  } catch (err) {
    log.warn(`cannot record the exit code in ${EXITCODE_FILE}: ${(err as Error).message}`);
  }
}

/** The container's exit code after a halt: the exitcode file, as s6-linux-init's finish script reads it. */
export function exitCodeAfterHalt(kind: HaltKind): number {
  if (kind === 'reboot') return 128 + 1; // the kernel kills a namespace init calling reboot(2) with SIGHUP…
  if (kind === 'poweroff') return 128 + 2; // …and with SIGINT for poweroff
  let text: string;
  try {
    text = fs.readFileSync(EXITCODE_FILE, 'utf8').trim();
  } catch {
    return 0;
  }
  if (text === '') return 0;
  if (!/^\d+$/.test(text)) {
    log.warn(`${EXITCODE_FILE} holds ${JSON.stringify(text)}, not an exit code: exiting 0`);
    return 0;
  }
  return Number(text) & 0xff;
}
