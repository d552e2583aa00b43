/**
 * How the process ends once its work is done. Node's process.exit() tears the runtime down first: it joins its
 * worker threads, frees its heaps and runs destructors, ~5–10 ms on a busy machine. A PID 1 has flushed its logs by
 * then and has nothing left to free (the kernel takes everything), and the container waits for it to be gone: it
 * ends with _exit instead (sys/pid1.ts registers that). No imports: the dispatcher loads this for every applet.
 */

let atOnce: ((code: number) => never) | undefined;

/** From here on, exitProcess() ends the process with `end` (PID 1's _exit). */
export function endAtOnceWith(end: (code: number) => never): void {
  atOnce = end;
}

export function exitProcess(code: number): never {
  atOnce?.(code);
  process.exit(code);
}
