/**
 * The OS image under nuwa/base when no registry is reachable: a Debian bookworm rootfs made by debootstrap
 * (--variant=minbase), cached as a tarball so re-builds and tests never bootstrap twice, imported with PATH set
 * (an imported image has no Env at all, which breaks anything that looks up a program).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { check, run } from './exec';

export const DEFAULT_OS_IMAGE = 'localhost/nuwa/os:debian-bookworm';
export const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const SUITE = 'bookworm';

export function cacheDir(): string {
  return process.env.NUWA_CACHE_DIR || '/var/cache/nuwa';
}

/** The Debian mirror the host itself uses (deb822 .sources or one-line sources.list), else deb.debian.org. */
export function debianMirror(): string {
  if (process.env.NUWA_DEBIAN_MIRROR) return process.env.NUWA_DEBIAN_MIRROR;
  const files = ['/etc/apt/sources.list'];
  try {
    for (const f of fs.readdirSync('/etc/apt/sources.list.d'))
      if (/\.(list|sources)$/.test(f)) files.push(path.join('/etc/apt/sources.list.d', f));
  } catch {
    /* no sources.list.d: fine */
  }
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const urls = [...text.matchAll(/^(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s+)?)(https?:\/\/\S+)/gm)].map((m) => m[1] as string);
    const main = urls.find((u) => !/security/.test(u) && /debian\/?$/.test(u));
    if (main) return main;
  }
  return 'http://deb.debian.org/debian';
}

type Say = (line: string) => void;

/** The cached rootfs tarball, made on first use (about 30 s and 200 MB). */
export async function debianTarball(say: Say): Promise<string> {
  const dir = cacheDir();
  const tarball = path.join(dir, `debian-${SUITE}-minbase.tar`);
  if (fs.existsSync(tarball)) return tarball;
  fs.mkdirSync(dir, { recursive: true });
  const work = fs.mkdtempSync(path.join(dir, `.debootstrap-${SUITE}-`));
  try {
    const mirror = debianMirror();
    say(`debootstrap --variant=minbase ${SUITE} from ${mirror} (once; cached in ${tarball})`);
    const root = path.join(work, 'rootfs');
    const boot = await run('debootstrap', ['--variant=minbase', SUITE, root, mirror], { output: 'prefix', prefix: '[debootstrap] ' });
    if (boot.code !== 0) throw new Error(`debootstrap failed (exit ${boot.code}); its log is above (is ${mirror} reachable?)`);
    // Package lists and downloaded .debs are stale the day after; the image's first RUN fetches fresh lists.
    for (const sub of ['var/lib/apt/lists', 'var/cache/apt/archives']) {
      for (const entry of fs.readdirSync(path.join(root, sub))) {
        if (entry !== 'partial' && entry !== 'lock') fs.rmSync(path.join(root, sub, entry), { recursive: true, force: true });
      }
    }
    const partial = path.join(work, 'rootfs.tar');
    await check('tar', ['--numeric-owner', '-C', root, '-cf', partial, '.']);
    fs.renameSync(partial, tarball); // only a complete tarball ever has the cached name
    return tarball;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export async function imageExists(image: string): Promise<boolean> {
  return (await run('podman', ['image', 'exists', image])).code === 0;
}

/** Makes sure the default OS image exists: imported from the cached tarball (debootstrapped when missing). */
export async function ensureDebianImage(say: Say): Promise<string> {
  if (await imageExists(DEFAULT_OS_IMAGE)) return DEFAULT_OS_IMAGE;
  const tarball = await debianTarball(say);
  say(`podman import ${tarball} as ${DEFAULT_OS_IMAGE}`);
  await check('podman', ['import', '--change', `ENV PATH=${IMAGE_PATH}`, '--change', 'CMD ["/bin/bash"]', tarball, DEFAULT_OS_IMAGE]);
  return DEFAULT_OS_IMAGE;
}
