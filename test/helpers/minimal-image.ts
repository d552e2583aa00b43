/**
 * A minimal container image holding dist/nuwa, /bin/sh and a few tools with only the shared libraries they need:
 * proves the executable needs no Node.js, and builds in a second without any registry.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, podman, removeOnExit, requireCommand, tempDir } from './index';

export const TOOLS = ['/bin/sh', '/bin/sleep', '/bin/cat', '/bin/ls', '/bin/true', '/bin/kill'];

/** Shared libraries `binaries` need, as ldd reports them (plus the dynamic loader). */
export function sharedLibraries(binaries: string[]): string[] {
  const libs = new Set<string>();
  for (const bin of binaries) {
    const out = execFileSync('ldd', [bin], { encoding: 'utf8' });
    for (const match of out.matchAll(/(\/\S+) \(0x/g)) libs.add(match[1] as string);
  }
  return [...libs];
}

/** A folder with `binaries` (keeping their paths, /usr-merged) and their libraries. */
export function makeRootfs(binaries: string[], extra: Record<string, string> = {}): string {
  const root = tempDir('nuwa-rootfs-');
  const copy = (from: string, to = from) => {
    const target = path.join(root, to);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(fs.realpathSync(from), target);
    fs.chmodSync(target, fs.statSync(fs.realpathSync(from)).mode);
  };
  for (const bin of binaries) copy(bin);
  for (const lib of sharedLibraries([...binaries, ...Object.keys(extra)])) copy(lib);
  for (const [from, to] of Object.entries(extra)) copy(from, to);
  for (const dir of ['tmp', 'run', 'proc', 'dev', 'sys', 'etc']) fs.mkdirSync(path.join(root, dir), { recursive: true });
  fs.chmodSync(path.join(root, 'tmp'), 0o1777);
  return root;
}

let built: string | undefined;

/** Builds (once per test process) `localhost/nuwa-test-minimal` with /init = dist/nuwa. */
export function minimalImage(): string {
  if (built) return built;
  requireCommand('podman');
  const nuwa = nuwaBinary();
  const root = makeRootfs(TOOLS, { [nuwa]: '/init' });
  built = importRootfs(root, 'localhost/nuwa-test-minimal:latest', ['ENTRYPOINT ["/init"]', 'ENV PATH=/usr/bin:/bin']);
  return built;
}

/** Makes image `tag` of the folder `root` (then removed) with Containerfile-like `changes`; returns the tag. */
export function importRootfs(root: string, tag: string, changes: string[]): string {
  const tar = removeOnExit(path.join(root, '..', `${path.basename(root)}.tar`)); // beside the root, in the temp dir
  execFileSync('tar', ['-C', root, '-cf', tar, '.']);
  podman(['import', ...changes.flatMap((change) => ['--change', change]), tar, tag]);
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(tar, { force: true });
  return tag;
}
