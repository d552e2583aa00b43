/** `nuwa cron` as the tests start it: its stdout and stderr collected in one log. */
import { spawn, type ChildProcess } from 'node:child_process';
import { nuwaBinary } from '../helpers';

export interface Cron {
  child: ChildProcess;
  log(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * `nuwa cron ARGS` with `env` added to the test's environment; `wrapper` goes before it (it must exec nuwa, so that
 * signals reach nuwa: `unshare -m sh -c '…; exec "$@"' sh`).
 */
export function startCron(args: string[], options: { env?: NodeJS.ProcessEnv; wrapper?: string[] } = {}): Cron {
  const argv = [...(options.wrapper ?? []), nuwaBinary(), 'cron', ...args];
  const child = spawn(argv[0] as string, argv.slice(1), { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    log: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
