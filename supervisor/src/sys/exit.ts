/**
 * How the process ends once its work is done. Node's process.exit() tears the runtime down first: it joins its
 * worker threads, frees its heaps and runs destructors, ~5 ms of CPU and ~5–10 ms of wall time on a busy machine
 * (measured on `nuwa svstat`). By then nuwa has written its output with write(2) (sys/output.ts; process.stdout and
 * stderr are synchronous on Linux for files, pipes and terminals), its logs are flushed, and the kernel takes back
 * everything else. So once the addon is loaded (sys/native.ts registers it: every PID 1, and the tools that read a
 * lock or a FIFO), the process ends with the addon's _exit; a process that never needed the addon does not load it
 * only for this. An 'exit' listener would be skipped by _exit (nuwa has none; the build's code-cache warm-up adds
 * one), so while one exists process.exit() runs as before. No imports: the dispatcher loads this for every applet.
 */

let atOnce: ((code: number) => never) | undefined;

/** From here on, exitProcess() ends the process with `end` (the addon's _exit). */
export function endAtOnceWith(end: (code: number) => never): void {
  atOnce = end;
}

export function exitProcess(code: number): never {
  if (process.listenerCount('exit') === 0) atOnce?.(code);
  process.exit(code);
}
