/**
 * The C probes (bench/probes/*.c), compiled with gcc into the run's scratch dir. They do the timing inside the
 * measured window, so neither Node's start-up nor its event loop sits between two timestamps.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Probes {
  /** A service's `run`: stamps its exec, signals readiness (see service.c). */
  service: string;
  /** Subscribes to event/ fifodirs, prints each event with its time (see listen.c). */
  listen: string;
  /** Creates N orphans at once and times their reaping (see orphans.c). */
  orphans: string;
  /** term / run / repeat / stamp (see stopwatch.c). */
  stopwatch: string;
  /** A main program with N children that stop on SIGTERM (see group.c). */
  group: string;
}

const SOURCES = path.resolve(__dirname, '../probes');

export function buildProbes(scratch: string): Probes {
  const out = path.join(scratch, 'probes');
  fs.mkdirSync(out, { recursive: true });
  const build = (name: keyof Probes): string => {
    const exe = path.join(out, name);
    try {
      execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', exe, path.join(SOURCES, `${name}.c`)], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
      if (e.code === 'ENOENT') throw new Error('prerequisite missing: gcc (apt-get install gcc) to build bench/probes', { cause: err });
      throw new Error(`cannot compile bench/probes/${name}.c: ${e.stderr?.toString() ?? e.message}`, { cause: err });
    }
    return exe;
  };
  return {
    service: build('service'),
    listen: build('listen'),
    orphans: build('orphans'),
    stopwatch: build('stopwatch'),
    group: build('group'),
  };
}
