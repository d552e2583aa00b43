// Libraries bundled apart from nuwa's main bundle (used by scripts/build.js). V8 keeps the main bundle's source in the
// heap of every nuwa for as long as it runs, PID 1 included: a library only a host-side command uses is bundled as a
// part of its own, packed in the executable and loaded by supervisor/src/sys/split-bundle.ts when that command runs.
'use strict';
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const loader = path.join(root, 'supervisor/src/sys/split-bundle.ts');

/**
 * Each part: its name (`<name>.cjs`) and the imports that go to it. kube-libs: 0.85 MB of the 1.8 MB bundle, used by
 * `nuwa-host kube` alone. log-libs: winston and its syslog transport (0.24 MB), loaded only for NUWA_LOG_FORMAT,
 * NUWA_SYSLOG or a log script's syslog output. cron-libs: cron-parser and luxon (0.15 MB), for `nuwa cron` alone.
 * What they spare PID 1 at rest: bench/README.md, "Memory at rest".
 */
const SPLIT = [
  { name: 'kube-libs', imports: /^(kubernetes-models|yaml)(\/|$)/ },
  { name: 'log-libs', imports: /^(winston|winston-syslog|winston-transport)(\/|$)/ },
  { name: 'cron-libs', imports: /^cron-parser(\/|$)/ },
];

/**
 * For the main bundle: every import a part takes becomes `splitBundle(part)[specifier]`. Records the specifiers seen,
 * per part, so that each part is built with exactly those.
 */
function splitPlugin(seen) {
  return {
    name: 'split-bundle',
    setup(build) {
      for (const part of SPLIT) {
        seen.set(part.name, new Set());
        build.onResolve({ filter: part.imports }, (args) => ({ path: args.path, namespace: `split:${part.name}` }));
        build.onLoad({ filter: /.*/, namespace: `split:${part.name}` }, (args) => {
          seen.get(part.name).add(args.path);
          const contents =
            `module.exports = require(${JSON.stringify(loader)}).splitBundle(${JSON.stringify(part.name)})` +
            `[${JSON.stringify(args.path)}];`;
          return { contents, loader: 'js', resolveDir: root };
        });
      }
    },
  };
}

/** Builds each part the main bundle imported (its module table: specifier → exports) into `<name>.cjs` under `dir`. */
async function buildParts(esbuild, options, seen, dir) {
  const files = [];
  for (const [name, specifiers] of seen) {
    if (!specifiers.size) continue;
    const table = [...specifiers].map((s) => `  ${JSON.stringify(s)}: require(${JSON.stringify(s)}),`);
    await esbuild.build({
      ...options,
      stdin: { contents: `module.exports = {\n${table.join('\n')}\n};\n`, resolveDir: root, sourcefile: `${name}.js` },
      outfile: path.join(dir, `${name}.cjs`),
      // the loader decodes the part as latin1: non-ASCII characters escaped (esbuild's default, said here on purpose)
      charset: 'ascii',
    });
    files.push(`${name}.cjs`);
  }
  return files;
}

module.exports = { splitPlugin, buildParts };
