/** How nuwa's s6-style tools fail: one line on stderr, and s6's exit codes (100 usage, 111 system error, …). */
import { UsageError } from './applet';

/** A fatal error: the dispatcher prints `nuwa APPLET: message` as one line and exits with `code`. */
export class Fatal extends UsageError {}

export function warn(tool: string, message: string): void {
  process.stderr.write(`nuwa ${tool}: warning: ${message}\n`);
}

/** "No such file or directory" rather than Node's "ENOENT: no such file or directory, open '/x'". */
export function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const match = /^[A-Z0-9]+: (.*?)(?:, \w+ '.*')?$/.exec(message);
  return match ? (match[1] as string) : message;
}
