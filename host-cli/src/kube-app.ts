/**
 * What `nuwa-host kube` knows about an app: its folder's nuwa.env (written by the image's Setup), the image's config
 * (labels, environment, volumes, user) and the stop budget of its service tree, read from the image's files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { check, run } from './exec';

export interface AppFacts {
  /** NUWA_NAME, else the folder's name. */
  name: string;
  /** NUWA_IMAGE: the local image the facts come from. */
  image: string;
  /** The image's first tag (what a cluster can pull once pushed), else its id. */
  imageRef: string;
  /** Label nuwa.port, else the only EXPOSEd port. */
  port: number;
  /** nuwa.env's container variables (every key but NUWA_*), in file order. */
  env: Array<[string, string]>;
  /** Keys of `env` that go into the Secret: NUWA_SECRETS (comma or space separated) and SECRET_* keys. */
  secretKeys: Set<string>;
  domain: string | undefined;
  /** The image's VOLUMEs. */
  volumes: string[];
  /** The image's own environment (ENV), before nuwa.env's variables. */
  imageEnv: Record<string, string>;
  /** The image's USER ('' is root). */
  user: string;
  /** The longest timeout-kill and timeout-finish among the tree's services (ms; 0 when none sets one). */
  longestKillMs: number;
  longestFinishMs: number;
  /** Scripts in /etc/cont-finish.d (each may run S6_KILL_FINISH_MAXTIME at shutdown). */
  contFinishScripts: number;
}

/** nuwa.env as bin/_lib.sh reads it: KEY=value lines taken literally, # comments, a later key wins. */
export function parseNuwaEnv(file: string): Map<string, string> {
  const values = new Map<string, string>();
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      const line = raw.replace(/\r$/, '');
      if (/^\s*(#|$)/.test(line)) return;
      const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
      if (!match) throw new Error(`${file} line ${i + 1}: expected KEY=value, got '${line}'`);
      values.delete(match[1] as string);
      values.set(match[1] as string, match[2] as string);
    });
  return values;
}

interface ImageConfig {
  Id: string;
  RepoTags: string[] | null;
  Config: {
    Labels: Record<string, string> | null;
    Env: string[] | null;
    ExposedPorts: Record<string, unknown> | null;
    Volumes: Record<string, unknown> | null;
    User: string;
  };
}

async function inspect(image: string): Promise<ImageConfig> {
  try {
    const [config] = JSON.parse(await check('podman', ['image', 'inspect', image])) as ImageConfig[];
    if (config) return config;
  } catch {
    // fall through: one message for both
  }
  throw new Error(`no image '${image}' on this host (NUWA_IMAGE in nuwa.env; podman images lists them)`);
}

function imagePort(image: string, config: ImageConfig['Config']): number {
  const label = config.Labels?.['nuwa.port'];
  const exposed = Object.keys(config.ExposedPorts ?? {}).flatMap((p) => /^(\d+)\/tcp$/.exec(p)?.[1] ?? []);
  const text = label ?? (exposed.length === 1 ? exposed[0] : undefined);
  if (text === undefined)
    throw new Error(`image ${image} has no label nuwa.port and not exactly one EXPOSEd port: which port does it serve?`);
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535)
    throw new Error(`image ${image}: nuwa.port '${text}' is not a port number (1-65535)`);
  return port;
}

/** The longest value of `setting` among the service dirs under `dirs` (ms), 0 when none has it. */
function longest(root: string, dirs: string[], setting: string): number {
  let max = 0;
  for (const dir of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(path.join(root, dir));
    } catch {
      continue;
    }
    for (const name of names) {
      try {
        const value = Number(fs.readFileSync(path.join(root, dir, name, setting), 'utf8').trim());
        if (Number.isFinite(value)) max = Math.max(max, value);
      } catch {
        // no such setting for this service
      }
    }
  }
  return max;
}

/** Reads the service tree's stop settings from the image's files (podman image mount: root only, as bin/run). */
async function treeTimes(
  image: string,
  scandir: string | undefined,
): Promise<Pick<AppFacts, 'longestKillMs' | 'longestFinishMs' | 'contFinishScripts'>> {
  const root = (await check('podman', ['image', 'mount', image])).trim();
  try {
    const dirs = ['etc/s6-overlay/s6-rc.d', 'etc/services.d', ...(scandir ? [scandir.replace(/^\/+/, '')] : [])];
    let contFinishScripts = 0;
    try {
      contFinishScripts = fs.readdirSync(path.join(root, 'etc/cont-finish.d')).length;
    } catch {
      // none
    }
    return {
      longestKillMs: longest(root, dirs, 'timeout-kill'),
      longestFinishMs: longest(root, dirs, 'timeout-finish'),
      contFinishScripts,
    };
  } finally {
    await run('podman', ['image', 'unmount', image]);
  }
}

export async function readApp(dir: string): Promise<AppFacts> {
  const envFile = path.join(dir, 'nuwa.env');
  if (!fs.existsSync(envFile)) {
    throw new Error(`${dir} has no nuwa.env: not an app folder (run the image's Setup line there first, or nuwa-host setup IMAGE ${dir})`);
  }
  const conf = parseNuwaEnv(envFile);
  const image = conf.get('NUWA_IMAGE');
  if (!image) throw new Error(`${envFile} has no NUWA_IMAGE: which image is the app? (run the image's Setup line again)`);
  const config = await inspect(image);
  const imageEnv = Object.fromEntries((config.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  const env = [...conf].filter(([key]) => !key.startsWith('NUWA_'));
  const listed = (conf.get('NUWA_SECRETS') ?? '').split(/[\s,]+/).filter(Boolean);
  for (const key of listed)
    if (!env.some(([k]) => k === key)) throw new Error(`${envFile}: NUWA_SECRETS names ${key}, which nuwa.env does not set`);
  return {
    name: conf.get('NUWA_NAME') || path.basename(path.resolve(dir)),
    image,
    imageRef: config.RepoTags?.[0] ?? config.Id,
    port: imagePort(image, config.Config),
    env,
    secretKeys: new Set([...listed, ...env.map(([k]) => k).filter((k) => k.startsWith('SECRET_'))]),
    domain: conf.get('NUWA_DOMAIN') || undefined,
    volumes: Object.keys(config.Config.Volumes ?? {}).sort(),
    imageEnv,
    user: config.Config.User ?? '',
    ...(await treeTimes(image, imageEnv.NUWA_SCANDIR)),
  };
}
