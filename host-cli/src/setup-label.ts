/**
 * The labels that make an image install itself: "Setup" (templates/setup.sh with every file of templates/bin/
 * inlined as a quoted here-document, gzip-compressed and base64-encoded behind a few lines of POSIX sh that unpack
 * and run it) and "RunSetup" (the one line a human runs, shown by podman inspect).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

/** The tutorial's command, word for word: run in the app folder with BID exported. */
export const RUN_SETUP =
  `bash -c "\`podman inspect -f '{{json .Config.Labels}}' $BID | jq -rn '(try input catch null) | .Setup // ` +
  `"echo nuwa: BID=$BID names no image with a Setup label, see podman images >&2; exit 1"'\`"`;

const PLACEHOLDER = '# @@NUWA_BIN_FILES@@';
/**
 * Podman refuses a label value over 120 KiB, and the tutorial's `bash -c "…"` hands the label to bash as one argument,
 * which Linux caps at 128 KiB (MAX_ARG_STRLEN). The script itself, once unpacked, is never an argument (see below).
 */
export const LABEL_CAP = 120 * 1024;

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
  return script;
}

/**
 * The Setup label: setupScript() gzip-compressed (to under half its size) and base64-encoded, behind POSIX sh that needs
 * only sh, base64 and gzip (what Debian, RHEL and Alpine servers have) besides the bash the scripts need anyway. It
 * runs the same whether bash -c gets it (the tutorial's line), sh reads it from a pipe (`… | sh`) or a file holds it.
 * bash gets the packed text as an argument and evals what it unpacks, so the script's own size has no limit but the
 * label's. NUWA_SETUP_PRINT=1 prints the script instead of running it, to read what a label would do.
 */
export function setupLabel(templates: string, image: string): string {
  const script = setupScript(templates, image);
  const packed = zlib.gzipSync(script, { level: 9 }).toString('base64');
  const label = [
    script.slice(0, script.indexOf('\n')), // "# nuwa Setup for IMAGE: bin/ holds …"
    "# The bash script that unpacks bin/ is below, gzip'd and base64'd (podman caps a label at 120 KiB); this sh part",
    '# unpacks and runs it. NUWA_SETUP_PRINT=1 prints it instead.',
    `p='${packed}'`,
    'for c in bash base64 gzip; do',
    '  command -v "$c" >/dev/null 2>&1 || { echo "nuwa Setup: $c is not installed (Setup needs bash, base64 and gzip)" >&2; exit 1; }',
    'done',
    'if [ "${NUWA_SETUP_PRINT:-}" = 1 ]; then printf \'%s\' "$p" | base64 -d | gzip -dc; exit; fi',
    '# shellcheck disable=SC2016 # (bash expands these, not sh)',
    'exec bash -c \'s=$(printf %s "$1" | base64 -d | gzip -dc) && [ -n "$s" ] || { echo "nuwa Setup: the Setup label does not ' +
      'unpack (base64 -d | gzip -dc failed): the image is damaged" >&2; exit 1; }; set --; eval "$s"\' nuwa-setup "$p"',
    '',
  ].join('\n');
  const size = Buffer.byteLength(label);
  if (size > LABEL_CAP) throw new Error(`the Setup label is ${size} bytes; podman takes at most ${LABEL_CAP}: make templates/bin smaller`);
  return label;
}
