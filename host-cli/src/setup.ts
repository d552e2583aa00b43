/** `nuwa-host setup IMAGE [DIR]`: what the tutorial's RunSetup line does, without needing jq or a shell line. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { check, run } from './exec';

/** The image's Setup label; an error naming the image when it has none. */
export async function setupLabel(image: string): Promise<string> {
  let labels: Record<string, string> | null;
  try {
    labels = JSON.parse(await check('podman', ['image', 'inspect', '-f', '{{json .Config.Labels}}', image])) as Record<
      string,
      string
    > | null;
  } catch {
    throw new Error(`no image '${image}' on this host (podman images lists them)`);
  }
  const script = labels?.Setup;
  if (!script) throw new Error(`image '${image}' has no Setup label: build it with "nuwa-host build APPDIR"`);
  return script;
}

export async function setup(image: string, dir: string): Promise<number> {
  const script = await setupLabel(image);
  fs.mkdirSync(dir, { recursive: true });
  const result = await run('bash', ['-c', script], { cwd: path.resolve(dir), env: { ...process.env, BID: image }, output: 'inherit' });
  return result.code;
}
