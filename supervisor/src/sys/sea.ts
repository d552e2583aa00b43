/** Whether this process is the single executable (a Node SEA, dist/nuwa) or the same bundle under node. */

interface SeaApi {
  isSea(): boolean;
  getRawAsset(key: string): ArrayBuffer;
}

function seaApi(): SeaApi | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sea = require('node:sea') as SeaApi;
    return sea.isSea() ? sea : undefined;
  } catch {
    return undefined; // node:sea does not exist outside a single executable on older Node versions
  }
}

export function isSea(): boolean {
  return seaApi() !== undefined;
}

/** An asset packed into the single executable; undefined when not running as one. */
export function seaAsset(key: string): ArrayBuffer | undefined {
  return seaApi()?.getRawAsset(key);
}
