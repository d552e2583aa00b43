/**
 * The real s6-overlay v3.1.5.0 (../shared/s6-overlay-ref, or S6_OVERLAY_REF) laid into a test root, as its README
 * says: its rootfs copied in, /command completed with Debian's execline and s6 programs (what the arch tarball would
 * bring), and /usr/bin links to every /command program (the symlinks tarballs). The Debian bookworm root is the
 * host's own /usr (Debian's s6 and execline installed, as for test/s6-diff), seen read-only through an overlayfs whose
 * upper layer holds what s6-overlay adds to /usr — built once per test process, so no debootstrap is needed.
 * The reference as stored in ../shared has lost its symbolic links: each is a small file holding the link's target
 * (no newline, unlike every real file of the tree); copies get them back as links (`restoreLinks`). It has lost its
 * empty folders too: the user bundles' contents.d, which s6-rc-compile requires, are made again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, tempDir } from '../helpers';

/** Where the reference is: S6_OVERLAY_REF (relative to the repository), default ../shared/s6-overlay-ref. */
export function referenceDir(): string {
  const dir = path.resolve(ROOT, process.env.S6_OVERLAY_REF ?? '../shared/s6-overlay-ref');
  const init = path.join(dir, 'rootfs/init');
  if (!fs.existsSync(init)) {
    throw new Error(
      `the real s6-overlay is missing: no ${init} (set S6_OVERLAY_REF to a folder holding s6-overlay v3.1.5.0's rootfs/, ` +
        'as built by its build-recipe.sh)',
    );
  }
  return dir;
}

/** Debian's programs the arch tarball would put in /command (execline's and s6's), as the reference's README lists. */
function debianCommands(): string[] {
  const execline = '/usr/lib/execline/bin';
  const s6 = fs.readdirSync('/usr/bin').filter((name) => name.startsWith('s6-'));
  const found = [
    ...(fs.existsSync(execline) ? fs.readdirSync(execline).map((name) => path.join(execline, name)) : []),
    '/usr/bin/execlineb',
    ...s6.map((name) => path.join('/usr/bin', name)),
  ];
  if (!found.some((p) => p.endsWith('/s6-svscan')) || !fs.existsSync('/usr/bin/execlineb')) {
    throw new Error("prerequisite missing: Debian's s6 and execline (apt-get install s6 execline; .ci/run installs them)");
  }
  return found;
}

/** A file that stands for a lost symbolic link: not executable, one line without a newline, a path. */
function lostLink(file: string, st: fs.Stats): string | undefined {
  if (!st.isFile() || st.size === 0 || st.size > 255 || (st.mode & 0o111) !== 0) return undefined;
  const text = fs.readFileSync(file, 'utf8');
  return /^[\w./+-]+$/.test(text) ? text : undefined;
}

/** Makes every lost link below `dir` a symbolic link again. */
function restoreLinks(dir: string): void {
  for (const entry of fs.readdirSync(dir)) {
    const file = path.join(dir, entry);
    const st = fs.lstatSync(file);
    if (st.isDirectory()) {
      restoreLinks(file);
      continue;
    }
    const target = lostLink(file, st);
    if (target === undefined) continue;
    fs.rmSync(file);
    fs.symlinkSync(target, file);
  }
}

/** Copies a folder of the reference's rootfs to `to` (merging into what is there), its links restored. */
function copyReference(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true, force: false });
  restoreLinks(to);
}

let layer: string | undefined;

/** The folder laid over the host's /usr: s6-overlay's usr/ plus a usr/bin link to each /command program. */
export function referenceUsrLayer(): string {
  if (layer) return layer;
  const rootfs = path.join(referenceDir(), 'rootfs');
  const dir = tempDir('nuwa-ovref-usr-');
  fs.chmodSync(dir, 0o755);
  copyReference(path.join(rootfs, 'usr'), dir);
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  const commands = [...fs.readdirSync(path.join(rootfs, 'command')), ...debianCommands().map((p) => path.basename(p))];
  for (const name of new Set(commands)) {
    const link = path.join(dir, 'bin', name);
    if (!fs.existsSync(path.join('/usr/bin', name)) && !fs.existsSync(link)) fs.symlinkSync(`/command/${name}`, link);
  }
  layer = dir;
  return dir;
}

/** Turns a root made by test/overlay's makeRoot (nuwa's /init and /command links) into one of the real s6-overlay. */
export function useReferenceOverlay(root: string): void {
  const rootfs = path.join(referenceDir(), 'rootfs');
  fs.rmSync(path.join(root, 'init'));
  fs.rmSync(path.join(root, 'command'), { recursive: true });
  fs.copyFileSync(path.join(rootfs, 'init'), path.join(root, 'init'));
  fs.chmodSync(path.join(root, 'init'), 0o755);
  for (const entry of ['command', 'package', 'etc/s6-overlay']) copyReference(path.join(rootfs, entry), path.join(root, entry));
  for (const bundle of ['user', 'user2'])
    fs.mkdirSync(path.join(root, 'etc/s6-overlay/s6-rc.d', bundle, 'contents.d'), { recursive: true });
  for (const program of debianCommands()) {
    const link = path.join(root, 'command', path.basename(program));
    if (!fs.existsSync(link)) fs.symlinkSync(program, link);
  }
}
