/**
 * The labels that make an image install itself: "Setup" (templates/setup.sh with every file of templates/bin/
 * inlined as a quoted here-document) and "RunSetup" (the one line a human runs, shown by podman inspect).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The tutorial's command, word for word: run in the app folder with BID exported. */
export const RUN_SETUP =
  `bash -c "\`podman inspect -f '{{json .Config.Labels}}' $BID | jq -rn '(try input catch null) | .Setup // ` +
  `"echo nuwa: BID=$BID names no image with a Setup label, see podman images >&2; exit 1"'\`"`;

const PLACEHOLDER = '# @@NUWA_BIN_FILES@@';
/** bash -c receives the script as one argument, and Linux caps one argument at 128 KiB (MAX_ARG_STRLEN). */
const MAX_SCRIPT_BYTES = 120 * 1024;

export interface BinFile {
  name: string;
  mode: number;
  text: string;
}

/** Every file in templates/bin (the scripts of this issue and of later ones alike), in name order. */
export function binFiles(templates: string): BinFile[] {
  const dir = path.join(templates, 'bin');
  return fs
    .readdirSync(dir)
    .filter((name) => fs.statSync(path.join(dir, name)).isFile())
    .sort()
    .map((name) => {
      if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) throw new Error(`${path.join(dir, name)}: not a usable script name`);
      const file = path.join(dir, name);
      return { name, mode: fs.statSync(file).mode & 0o111 ? 0o755 : 0o644, text: fs.readFileSync(file, 'utf8') };
    });
}

function hereDocument(file: BinFile): string {
  const text = file.text.endsWith('\n') ? file.text : `${file.text}\n`;
  let delimiter = `NUWA_EOF_${file.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  while (text.split('\n').includes(delimiter)) delimiter += `_${crypto.randomBytes(3).toString('hex')}`;
  return [
    `cat >"$stage/bin/${file.name}" <<'${delimiter}'`,
    text + delimiter,
    `chmod ${file.mode.toString(8)} "$stage/bin/${file.name}"`,
  ].join('\n');
}

/** The Setup label's script for an image built as `image`. */
export function setupScript(templates: string, image: string): string {
  const skeleton = fs.readFileSync(path.join(templates, 'setup.sh'), 'utf8');
  if (!skeleton.includes(PLACEHOLDER)) throw new Error(`${path.join(templates, 'setup.sh')} lacks the line '${PLACEHOLDER}'`);
  const files = binFiles(templates);
  const script = skeleton
    .replace(/^#!.*\n/, `# nuwa Setup for ${image}: bin/ holds ${files.map((f) => f.name).join(' ')}\n`)
    .replace(PLACEHOLDER, () => files.map(hereDocument).join('\n'));
  const size = Buffer.byteLength(script);
  if (size > MAX_SCRIPT_BYTES)
    throw new Error(`the Setup script is ${size} bytes; bash -c takes at most ${MAX_SCRIPT_BYTES}: make templates/bin smaller`);
  return script;
}
