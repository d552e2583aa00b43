/**
 * A pids cgroup of the test's own, what `podman run --pids-limit N` gives a container: every task (process or thread)
 * in it counts, whatever its account and RLIMIT_NPROC. cgroup v1 (a `pids` hierarchy) and v2 (the unified one with
 * the pids controller on) are both found; neither is a missing prerequisite, and fails the test.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitFor } from './index';

function pidsHierarchy(): string {
  const v1 = '/sys/fs/cgroup/pids';
  if (fs.existsSync(path.join(v1, 'cgroup.procs'))) return v1;
  const v2 = '/sys/fs/cgroup';
  const controllers = (file: string) => fs.readFileSync(path.join(v2, file), 'utf8').split(/\s+/);
  if (fs.existsSync(path.join(v2, 'cgroup.subtree_control'))) {
    if (!controllers('cgroup.subtree_control').includes('pids')) fs.writeFileSync(path.join(v2, 'cgroup.subtree_control'), '+pids');
    return v2;
  }
  throw new Error('prerequisite missing: a pids cgroup controller (/sys/fs/cgroup/pids or cgroup v2 with "pids"), as root');
}

export interface PidsCgroup {
  dir: string;
  /** `sh -c` words that move the shell into the cgroup, then exec COMMAND there. */
  run(command: string[]): [string, ...string[]];
  /** Removes the cgroup once what ran in it is gone. */
  remove(): Promise<void>;
}

/** A new pids cgroup named `name` (give it a prefix of your own) holding at most `max` tasks. */
export function pidsCgroup(name: string, max: number): PidsCgroup {
  const dir = path.join(pidsHierarchy(), `${name}-${process.pid}`);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'pids.max'), String(max));
  return {
    dir,
    run: (command): [string, ...string[]] => ['sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', dir, ...command],
    async remove() {
      await waitFor(`the tasks of ${dir} to end`, () => fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').trim() === '');
      fs.rmdirSync(dir);
    },
  };
}
