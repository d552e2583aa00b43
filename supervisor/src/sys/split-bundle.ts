/**
 * Libraries kept out of nuwa's main bundle. V8 keeps the source of the bundle a process runs in its heap for as long
 * as it runs (lazy functions are compiled from it), so every nuwa, PID 1 included, pays for every byte of it.
 * kubernetes-models and yaml are 0.85 MB of the 1.8 MB and only `nuwa-host kube` uses them: scripts/build.js (SPLIT)
 * bundles them apart, as `<name>.cjs` packed in the executable (and beside dist/nuwa.cjs), and turns their imports
 * into `splitBundle(name)[specifier]`. The part is compiled the first time it is wanted, without a code cache (the
 * command that wants it is a host-side generator, where ~10 ms do not matter).
 */
import * as path from 'node:path';
import { seaAsset } from './sea';

type Exports = Record<string, unknown>;

const loaded = new Map<string, Exports>();

/** The module table of the part `name`: each specifier its build kept out of the main bundle, to its exports. */
export function splitBundle(name: string): Exports {
  let exports = loaded.get(name);
  if (!exports) {
    exports = load(`${name}.cjs`);
    loaded.set(name, exports);
  }
  return exports;
}

function load(file: string): Exports {
  const packed = seaAsset(file);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a file beside dist/nuwa.cjs, known at run time only
  if (!packed) return require(path.join(__dirname, file)) as Exports;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vm = require('node:vm') as typeof import('node:vm');
  const filename = path.join(path.dirname(process.execPath), file);
  const module = { exports: {} as Exports };
  // esbuild writes the part in ASCII (non-ASCII characters escaped): latin1 is its exact decoding, without UTF-8's cost
  const body = vm.compileFunction(Buffer.from(packed).toString('latin1'), ['exports', 'require', 'module', '__filename', '__dirname'], {
    filename,
  });
  // the part requires Node's modules only (everything else is bundled in it): the executable's require serves them
  body(module.exports, require, module, filename, path.dirname(filename));
  return module.exports;
}
