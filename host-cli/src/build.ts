/**
 * `nuwa-host build DIR`: the image chain nuwa/base → nuwa/python-base → nuwa/nuwa-python → the app in DIR, each a
 * Containerfile built with podman on top of the one before. Podman's layer cache makes an unchanged layer a
 * cache hit, so a re-build only redoes what changed. The app image gets the Setup and RunSetup labels.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from './exec';
import { native } from '../../supervisor/src/sys/native';
import { sleep } from '../../supervisor/src/sys/timer';
import { DEFAULT_OS_IMAGE, cacheDir, ensureDebianImage } from './os-image';
import { RUN_SETUP, setupLabel } from './setup-label';
import { nuwaExecutable, shareDir } from './share';

interface Layer {
  /** Short name: the image is localhost/nuwa/<name>. */
  name: string;
  /** The build argument its Containerfile's FROM reads. */
  fromArg: string;
}

export const CHAIN: readonly Layer[] = [
  { name: 'base', fromArg: 'OS_IMAGE' },
  { name: 'python-base', fromArg: 'BASE_IMAGE' },
  { name: 'nuwa-python', fromArg: 'PYTHON_BASE_IMAGE' },
];
/** The build argument an app's Containerfile reads for its FROM. */
export const APP_FROM_ARG = 'NUWA_PYTHON_IMAGE';

export const layerTag = (name: string) => `localhost/nuwa/${name}:latest`;

export interface BuildOptions {
  /** The image nuwa/base starts from; default: Debian bookworm from debootstrap. */
  osImage?: string;
  /** The app image's name; default: DIR's name, and `-TARGET` after it when a stage is chosen. */
  tag?: string;
  /** The stage of DIR's Containerfile to build (podman build --target); default: its last. */
  target?: string;
}

export interface BuiltImage {
  tag: string;
  id: string;
  steps: number;
  cached: number;
}

const say = (line: string) => process.stderr.write(`nuwa-host build: ${line}\n`);

/** Podman image names are lowercase; the name also becomes the default app (container) name. */
export function checkImageName(name: string): void {
  if (!/^[a-z0-9][a-z0-9_.-]{0,62}$/.test(name)) {
    throw new Error(`image name '${name}' is not allowed: lowercase letters, digits, '_', '.', '-' (or pass --tag NAME)`);
  }
}

function containerfile(dir: string): string {
  for (const name of ['Containerfile', 'Dockerfile']) if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  throw new Error(`${dir} has no Containerfile (nuwa-host build DIR takes an app folder holding one)`);
}

/** `podman build` with its output shown line by line behind `[label]`; `tag` undefined leaves the image untagged. */
async function podmanBuild(
  label: string,
  file: string,
  context: string,
  tag: string | undefined,
  buildArgs: Record<string, string>,
  target?: string,
): Promise<BuiltImage> {
  const iidfile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nuwa-iid-')), 'iid');
  // docker format: an OCI image config has no health check, so podman would drop nuwa/base's HEALTHCHECK (with a
  // warning) from it and every layer above.
  const args = ['build', '--layers', '--format', 'docker', '--file', file, '--iidfile', iidfile];
  if (tag) args.push('--tag', tag);
  if (target) args.push('--target', target);
  for (const [k, v] of Object.entries(buildArgs)) args.push('--build-arg', `${k}=${v}`);
  args.push(context);
  try {
    const result = await run('podman', args, { output: 'prefix', prefix: `[${label}] ` });
    if (result.code !== 0) throw new Error(`podman build of ${label} failed (exit ${result.code}); its output is above`);
    const output = result.stdout + result.stderr;
    const id = fs
      .readFileSync(iidfile, 'utf8')
      .trim()
      .replace(/^sha256:/, '');
    // FROM steps are never "from cache"; count the steps that are. A multi-stage build puts `[stage/stages] ` first.
    const steps = (output.match(/^(?:\[\d+\/\d+\] )?STEP \d+\/\d+: (?!FROM )/gm) ?? []).length;
    return { tag: tag ?? id, id, steps, cached: (output.match(/^--> Using cache/gm) ?? []).length };
  } finally {
    fs.rmSync(path.dirname(iidfile), { recursive: true, force: true });
  }
}

/** nuwa/base's context: its Containerfile, the repository's rootfs/ and the nuwa executable (as ./nuwa). */
function baseContext(share: string): string {
  const ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'nuwa-base-ctx-'));
  fs.copyFileSync(path.join(share, 'layers/base/Containerfile'), path.join(ctx, 'Containerfile'));
  fs.cpSync(path.join(share, 'rootfs'), path.join(ctx, 'rootfs'), { recursive: true, preserveTimestamps: true });
  const nuwa = nuwaExecutable(share);
  try {
    fs.linkSync(nuwa, path.join(ctx, 'nuwa'));
  } catch {
    fs.copyFileSync(nuwa, path.join(ctx, 'nuwa'));
  }
  return ctx;
}

/**
 * One build of the chain at a time on a host: the layer tags are shared, and two builds racing would both miss
 * the cache and tag each other's images. An fcntl lock dies with its process, so a killed build never blocks.
 */
async function withBuildLock<T>(work: () => Promise<T>): Promise<T> {
  fs.mkdirSync(cacheDir(), { recursive: true });
  const file = path.join(cacheDir(), 'build.lock');
  const fd = fs.openSync(file, 'a');
  try {
    if (!native().lock(fd, true)) {
      say(`waiting for another nuwa-host build to finish (it holds ${file})`);
      while (!native().lock(fd, true)) await sleep(500);
    }
    return await work();
  } finally {
    fs.closeSync(fd); // closing the descriptor releases the lock
  }
}

/** Builds the chain, and the app when DIR is not itself one of the chain's layers. Returns every image built. */
export function build(dir: string, options: BuildOptions = {}): Promise<BuiltImage[]> {
  const plan = planBuild(dir, options); // bad input is refused at once, not after waiting for another build
  return withBuildLock(() => buildChain(plan, options));
}

interface BuildPlan {
  share: string;
  target: string;
  file: string;
  layers: typeof CHAIN;
  appName: string | undefined;
  total: number;
}

function planBuild(dir: string, options: BuildOptions): BuildPlan {
  const share = shareDir();
  const target = path.resolve(dir);
  const file = containerfile(target);
  const chainIndex = CHAIN.findIndex((l) => path.resolve(share, 'layers', l.name) === target);
  const layers = chainIndex >= 0 ? CHAIN.slice(0, chainIndex + 1) : CHAIN;
  if (chainIndex >= 0 && options.target) throw new Error(`--target chooses a stage of an app's Containerfile, not of ${dir}`);
  const appName = chainIndex >= 0 ? undefined : (options.tag ?? path.basename(target) + (options.target ? `-${options.target}` : ''));
  if (appName !== undefined) checkImageName(appName);
  return { share, target, file, layers, appName, total: layers.length + (appName ? 1 : 0) };
}

async function buildChain(plan: BuildPlan, options: BuildOptions): Promise<BuiltImage[]> {
  const { share, target, file, layers, appName, total } = plan;

  let from = options.osImage ?? (await ensureDebianImage(say));
  if (from !== DEFAULT_OS_IMAGE) say(`nuwa/base starts from ${from}`);
  const built: BuiltImage[] = [];
  const report = (n: number, b: BuiltImage) =>
    say(`[${n}/${total}] ${b.tag} = ${b.id.slice(0, 12)} (${b.cached} of ${b.steps} steps from cache)`);
  for (const [i, layer] of layers.entries()) {
    say(`[${i + 1}/${total}] building nuwa/${layer.name} from layers/${layer.name}`);
    const isBase = layer.name === 'base';
    const context = isBase ? baseContext(share) : path.join(share, 'layers', layer.name);
    try {
      const image = await podmanBuild(`nuwa/${layer.name}`, path.join(context, 'Containerfile'), context, layerTag(layer.name), {
        [layer.fromArg]: from,
      });
      report(i + 1, image);
      built.push(image);
      from = image.tag;
    } finally {
      if (isBase) fs.rmSync(context, { recursive: true, force: true });
    }
  }
  if (appName) {
    const tag = `localhost/${appName}:latest`;
    say(`[${total}/${total}] building ${tag} from ${target}${options.target ? ` (stage ${options.target})` : ''}`);
    const app = await podmanBuild(appName, file, target, undefined, { [APP_FROM_ARG]: from }, options.target);
    const image = await addSetupLabels(appName, app, tag, setupLabel(path.join(share, 'host-cli/templates'), tag));
    report(total, { ...image, steps: app.steps + image.steps, cached: app.cached + image.cached });
    built.push(image);
  }
  return built;
}

/**
 * Puts the Setup and RunSetup labels on `app` as one more (configuration-only) build step. The values travel as
 * build arguments: `podman build --label` and a literal LABEL line both run the value through the Containerfile's
 * $-substitution, which mangles a bash script, while a substituted ARG is taken as is. Podman's cache ignores
 * argument values, so the step also carries the values' hash: a changed script is a changed step.
 */
async function addSetupLabels(label: string, app: BuiltImage, tag: string, setup: string): Promise<BuiltImage> {
  const ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'nuwa-labels-'));
  try {
    const sha = crypto.createHash('sha256').update(setup).update('\0').update(RUN_SETUP).digest('hex');
    fs.writeFileSync(
      path.join(ctx, 'Containerfile'),
      [
        `FROM ${app.id}`,
        'ARG NUWA_SETUP',
        'ARG NUWA_RUN_SETUP',
        `LABEL nuwa.setup.sha256="${sha}" Setup="\${NUWA_SETUP}" RunSetup="\${NUWA_RUN_SETUP}"`,
        '',
      ].join('\n'),
    );
    return await podmanBuild(label, path.join(ctx, 'Containerfile'), ctx, tag, { NUWA_SETUP: setup, NUWA_RUN_SETUP: RUN_SETUP });
  } finally {
    fs.rmSync(ctx, { recursive: true, force: true });
  }
}
