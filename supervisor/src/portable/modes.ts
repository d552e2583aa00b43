/** Mode arguments as s6-portable-utils reads them: octal digits only (no `u+x`), a bad one is a usage error. */
import { UsageError } from '../cli/errors';

export function parseOctal(text: string, usage: string): number {
  if (!/^[0-7]+$/.test(text)) throw new UsageError(`usage: ${usage}`);
  return parseInt(text, 8) & 0o7777;
}
