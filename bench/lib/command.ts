/** Runs a short command through the stopwatch probe, so its start is timed without Node's spawn in between. */
import { execFile } from 'node:child_process';

export interface Timed {
  /** CLOCK_MONOTONIC ns just before fork. */
  t0: bigint;
  /** … and just after the command was reaped. */
  t1: bigint;
  /** Raw wait status. */
  status: number;
  stderr: string;
}

export function timedRun(stopwatch: string, command: string[], timeoutMs = 20_000): Promise<Timed> {
  return new Promise((resolve, reject) => {
    execFile(stopwatch, ['run', ...command], { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${command.join(' ')}: ${err.message.trim()}`));
      const [t0, t1, status] = stdout.trim().split(' ');
      if (t0 === undefined || t1 === undefined || status === undefined) return reject(new Error(`stopwatch said '${stdout.trim()}'`));
      resolve({ t0: BigInt(t0), t1: BigInt(t1), status: Number(status), stderr });
    });
  });
}

/** Throws with the command's stderr unless it exited 0. */
export function mustSucceed(timed: Timed, command: string[]): Timed {
  if (timed.status !== 0) {
    const how = (timed.status & 0x7f) === 0 ? `exited ${timed.status >> 8}` : `was killed by signal ${timed.status & 0x7f}`;
    throw new Error(`'${command.join(' ')}' ${how}: ${timed.stderr.trim().slice(0, 300)}`);
  }
  return timed;
}
