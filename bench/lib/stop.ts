/** Stopping a PID 1 the way a container runtime does (SIGTERM), timed by the stopwatch probe with a pidfd. */
import { execFile } from 'node:child_process';
import type { Pid1 } from './namespace';

/** SIGTERM to PID 1, returns ms until it has exited; kills the namespace and throws when it outlives `timeoutMs`. */
export async function timeShutdown(stopwatch: string, pid1: Pid1, timeoutMs: number): Promise<number> {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(stopwatch, ['term', String(pid1.hostPid), String(timeoutMs)], { encoding: 'utf8' }, (err, out) => {
      if (err && !out.startsWith('timeout')) reject(new Error(`stopwatch term: ${err.message.trim()}`));
      else resolve(out);
    });
  });
  if (stdout.startsWith('timeout')) {
    await pid1.kill();
    throw new Error(`PID 1 was still running ${timeoutMs} ms after SIGTERM`);
  }
  await pid1.exited;
  const [t0, t1] = stdout.trim().split(' ').map(BigInt) as [bigint, bigint];
  return Number(t1 - t0) / 1e6;
}
