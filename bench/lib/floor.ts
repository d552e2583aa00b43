/**
 * The runtime's floor: an empty single executable of the Node nuwa is built on, packed the way dist/nuwa is
 * (scripts/sea.js: same binary, code cache, strip, postject). No Node program starts faster, so every start-up row
 * of nuwa is also shown as a ratio to this one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface SeaScripts {
  pinnedRuntime(): { version: string };
  packSea(options: { main: string; exe: string; stage: string }): Promise<string | undefined>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const sea = require('../../scripts/sea.js') as SeaScripts;

/** The pinned runtime's version, or why it is unknown. */
export function runtimeVersion(): string {
  try {
    return sea.pinnedRuntime().version;
  } catch (err) {
    return `unknown (${(err as Error).message})`;
  }
}

export interface Floor {
  path?: string;
  /** Why there is no floor executable. */
  missing?: string;
}

export async function buildFloor(scratch: string): Promise<Floor> {
  const stage = path.join(scratch, 'floor');
  fs.mkdirSync(stage, { recursive: true });
  const main = path.join(stage, 'empty.js');
  fs.writeFileSync(main, '');
  const exe = path.join(stage, 'empty-sea');
  try {
    await sea.packSea({ main, exe, stage });
    return { path: exe };
  } catch (err) {
    return { missing: `cannot build the empty single executable: ${(err as Error).message}` };
  }
}

/**
 * What a container's process sees: `env -i` with PATH and HOME only (the caller's NODE_EXTRA_CA_CERTS, say, costs a
 * Node start ~40 ms on Node 20). Every subject the bench starts inherits it.
 */
export const CONTAINER_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root' };

export function useContainerEnv(): string {
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, CONTAINER_ENV);
  return `env -i ${Object.entries(CONTAINER_ENV)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`;
}
