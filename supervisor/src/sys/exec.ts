/**
 * Chain-loading, execline style: replace this process with `argv` under `env`. For the small applets scripts put in
 * front of a program (with-contenv, s6-setuidgid, s6-envdir, …): no Node process stays behind.
 */
import { native } from './native';

/**
 * Where an applet running inside an execline chain (execline/chain.ts) hands its program on: the chain runs it in
 * this same process when it is one of nuwa's own, and execs it otherwise.
 */
type Continuation = (argv: string[]) => Promise<number>;
let continuation: Continuation | undefined;

export function continueChainWith(next: Continuation | undefined): void {
  continuation = next;
}

/** Replaces the process; returns an exit code only when the exec failed (after one line on stderr). */
export function execInto(applet: string, argv: readonly string[], env: NodeJS.ProcessEnv): number | Promise<number> {
  replaceEnvironment(env);
  if (continuation) return continuation([...argv]);
  try {
    native().execvp([...argv]);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const reason =
      code === 'ENOENT'
        ? 'not found'
        : code === 'EACCES'
          ? 'permission denied (is it executable?)'
          : code === 'ENOEXEC'
            ? 'exec format error (no #! line?)'
            : (err as Error).message;
    process.stderr.write(`${applet}: fatal: unable to exec ${argv[0]}: ${reason}\n`);
    return code === 'ENOENT' ? 127 : 126;
  }
  return 111; // not reached: execvp returns only by throwing
}

/** Makes `env` this process's environment; process.env writes through to the C environ that children and exec get. */
export function replaceEnvironment(env: NodeJS.ProcessEnv): void {
  for (const name of Object.keys(process.env)) if (!(name in env)) delete process.env[name];
  for (const [name, value] of Object.entries(env)) if (value !== undefined) process.env[name] = value;
}
