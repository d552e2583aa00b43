/**
 * Podman images of the overlay fixtures, built the way test/helpers/minimal-image.ts builds its image: dist/nuwa as
 * /init, /bin/sh and the few tools the fixtures' scripts call, with only the libraries they need (no Node.js, no
 * execline, so oneshot command lines take nuwa's own path), Debian's s6-log for the logger, the /command links an
 * image gets, an `app` account (uid 1000) owning /run, and the fixture's /etc.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, podman, removeOnExit, requireCommand } from '../helpers';
import { makeRootfs } from '../helpers/minimal-image';
import { APP_UID, COMMAND_NAMES, FIXTURES } from './harness';

const TOOLS = [
  '/bin/sh',
  '/bin/sleep',
  '/bin/cat',
  '/bin/ls',
  '/bin/true',
  '/bin/kill',
  '/bin/id',
  '/bin/touch',
  '/bin/rm',
  '/bin/mkdir',
  '/bin/echo',
  '/usr/bin/s6-log',
];

const built = new Map<string, string>();

/** Builds (once per test process) `localhost/nuwa-t5-overlay-<fixture>` and returns its name. */
export function overlayImage(fixture: string): string {
  const cached = built.get(fixture);
  if (cached) return cached;
  requireCommand('podman');
  requireCommand('s6-log', 's6');
  const root = makeRootfs(TOOLS, { [nuwaBinary()]: '/init' });
  fs.cpSync(path.join(FIXTURES, fixture), root, { recursive: true, verbatimSymlinks: true });
  fs.mkdirSync(path.join(root, 'command'), { recursive: true });
  for (const name of COMMAND_NAMES) fs.symlinkSync('../init', path.join(root, 'command', name));
  fs.writeFileSync(path.join(root, 'etc/passwd'), `root:x:0:0:root:/root:/bin/sh\napp:x:${APP_UID}:${APP_UID}:app:/home/app:/bin/sh\n`);
  fs.writeFileSync(path.join(root, 'etc/group'), `root:x:0:\napp:x:${APP_UID}:\n`);
  fs.mkdirSync(path.join(root, 'var'), { recursive: true });
  fs.symlinkSync('/run', path.join(root, 'var/run'));
  // An image meant to run as a non-root USER gives it /run (s6-overlay's README says the same).
  fs.chownSync(path.join(root, 'run'), APP_UID, APP_UID);
  const tag = `localhost/nuwa-t5-overlay-${fixture}:latest`;
  const tar = removeOnExit(`${root}.tar`); // beside the root, in the temp dir
  execFileSync('tar', ['--numeric-owner', '-C', root, '-cf', tar, '.']);
  podman(['import', '--change', 'ENTRYPOINT ["/init"]', '--change', 'ENV PATH=/usr/bin:/bin', tar, tag]);
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(tar, { force: true });
  built.set(fixture, tag);
  return tag;
}
