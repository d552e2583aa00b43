/**
 * What makes a file runnable by exec(): the execute bit, and either an ELF header or a `#!` line whose interpreter
 * exists. These checks name the usual reasons for "Exec format error" and "Permission denied" (s6-overlay's issues
 * #515, #474) before anything runs: a missing shebang, CRLF line endings (the kernel then looks for `/bin/sh\r`), a
 * missing execute bit, an interpreter the image does not have.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Problems } from './problems';
import { formatMode } from '../sys/files';

const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

function head(file: string, bytes = 256): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    return buf.subarray(0, fs.readSync(fd, buf, 0, bytes, 0));
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether `file` has Windows line endings anywhere in its first 64 KiB. */
export function hasCrlf(file: string): boolean {
  return head(file, 65536).includes('\r\n');
}

/** The interpreter named on a `#!` line, or undefined for a file without one. */
export function shebangInterpreter(file: string): string | undefined {
  const start = head(file);
  if (start[0] !== 0x23 || start[1] !== 0x21) return undefined;
  const line = start.toString('latin1').slice(2).split('\n')[0] ?? '';
  return line.trim().split(/[ \t]+/)[0];
}

/** An interpreter path as the image sees it (`root` lets --check examine an image tree from outside). */
function exists(root: string, file: string): boolean {
  return fs.existsSync(path.join(root, file));
}

export interface ExecutableOptions {
  /**
   * The file is run with mode 0755 whatever its own mode (s6-rc-compile copies a longrun's run and finish with that
   * mode): a missing execute bit is then a note, not a reason the exec fails.
   */
  runAs0755?: boolean;
}

/**
 * Checks that `file` can be exec'd; reports each reason it cannot. `what` names it in the message (e.g. "run").
 * Returns false when a problem makes the exec fail for certain.
 */
export function checkExecutable(file: string, problems: Problems, service?: string, root = '/', options: ExecutableOptions = {}): boolean {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    problems.error(file, 'does not exist (or is a dangling symlink)', service);
    return false;
  }
  if (!stat.isFile()) {
    problems.error(file, 'is not a regular file', service);
    return false;
  }
  let ok = true;
  if ((stat.mode & 0o111) === 0) {
    const mode = formatMode(stat.mode);
    if (options.runAs0755) {
      problems.warn(
        file,
        `is not executable (mode ${mode}): run with mode 0755, as s6-rc-compile would copy it (chmod +x it to silence this)`,
      );
    } else {
      problems.error(file, `is not executable (mode ${mode}): chmod +x it`, service);
      ok = false;
    }
  }
  let start: Buffer;
  try {
    start = head(file);
  } catch (err) {
    problems.error(file, `cannot be read: ${(err as Error).message}`, service);
    return false;
  }
  if (start.subarray(0, 4).equals(ELF)) return ok;
  if (start.length === 0) {
    problems.error(file, 'is empty: exec would fail with "Exec format error"', service);
    return false;
  }
  if (start[0] !== 0x23 || start[1] !== 0x21) {
    problems.error(file, 'has no #! line (e.g. #!/bin/sh) and is not a binary: exec fails with "Exec format error"', service);
    return false;
  }
  if (hasCrlf(file)) {
    problems.error(
      file,
      'has Windows (CRLF) line endings: the kernel looks for an interpreter ending in \\r; convert it with dos2unix',
      service,
    );
    return false;
  }
  const interpreter = shebangInterpreter(file) ?? '';
  if (!interpreter.startsWith('/')) {
    problems.error(file, `#! line names '${interpreter}', which is not an absolute path`, service);
    return false;
  }
  if (!exists(root, interpreter)) {
    problems.error(file, `#! interpreter ${interpreter} does not exist in this image${linkHint(root, interpreter)}`, service);
    return false;
  }
  return ok;
}

/** s6-overlay put its tools in /command; an image moved to nuwa may have the same tool from a Debian package. */
function linkHint(root: string, interpreter: string): string {
  if (!interpreter.startsWith('/command/')) return '';
  const name = path.basename(interpreter);
  for (const dir of ['/usr/bin', '/bin', '/usr/lib/execline/bin', '/usr/sbin']) {
    if (exists(root, path.join(dir, name)))
      return ` (the image has ${path.join(dir, name)}: link it there, e.g. ln -s ${path.join(dir, name)} ${interpreter})`;
  }
  return name === 'execlineb'
    ? ' (install execline, e.g. apt-get install execline, and link /command/execlineb to /usr/bin/execlineb)'
    : '';
}
