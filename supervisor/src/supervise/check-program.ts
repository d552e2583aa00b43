/**
 * Looks at `run` (or `finish`) before spawning it, for two reasons:
 *  - to name the problem in words a user can act on (CRLF line endings, missing interpreter, no shebang) where exec()
 *    only says ENOENT or ENOEXEC;
 *  - to refuse what s6 refuses: glibc's execvp (which libuv uses) quietly runs a shebang-less script with /bin/sh,
 *    where s6-supervise's execve fails with ENOEXEC. nuwa must not start a service s6 would not start.
 * A few syscalls per start; the contents are never cached, since s6 re-reads everything at each start.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const HEAD_BYTES = 256;

/** undefined when `dir/file` looks runnable; otherwise one line saying what is wrong. */
export function programProblem(dir: string, file: string): string | undefined {
  const full = path.join(dir, file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(full);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `no ${file} file` : `cannot stat ${file}: ${code}`;
  }
  if (!stat.isFile()) return `${file} is not a regular file`;
  try {
    fs.accessSync(full, fs.constants.X_OK);
  } catch {
    return `${file} is not executable (chmod +x ${file})`;
  }
  const head = Buffer.alloc(HEAD_BYTES);
  let length: number;
  try {
    const fd = fs.openSync(full, 'r');
    try {
      length = fs.readSync(fd, head, 0, HEAD_BYTES, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined; // execute-only file: the kernel will judge it
  }
  const bytes = head.subarray(0, length);
  if (bytes[0] === 0x7f && bytes.subarray(1, 4).toString('latin1') === 'ELF') return undefined;
  if (bytes.subarray(0, 2).toString('latin1') !== '#!') {
    return `${file} has no shebang line and is not a binary (exec format error): make its first line e.g. #!/bin/sh`;
  }
  const nl = bytes.indexOf(0x0a);
  const line = bytes.subarray(2, nl === -1 ? bytes.length : nl).toString('latin1');
  if (line.endsWith('\r')) {
    return (
      `${file} has CRLF (Windows) line endings, so its interpreter is "${line.trim()}\\r": ` +
      `convert it with dos2unix or sed -i 's/\\r$//'`
    );
  }
  const interpreter = line.trim().split(/[ \t]+/)[0] ?? '';
  if (interpreter === '') return `${file} has an empty shebang line`;
  const resolved = path.resolve(dir, interpreter);
  try {
    fs.accessSync(resolved, fs.constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? `${file}'s interpreter ${interpreter} does not exist`
      : `${file}'s interpreter ${interpreter} is not executable (${code})`;
  }
  return undefined;
}
