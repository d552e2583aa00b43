// Packing a Node single executable application with the pinned runtime: used by scripts/build.js for dist/nuwa and by
// the bench for the runtime's floor (an empty executable made the same way).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

/** The pinned runtime package (package.json devDependencies): its node binary, headers and version. */
function pinnedRuntime() {
  const name = `node-${process.platform}-${process.arch}`;
  let manifest;
  try {
    manifest = require.resolve(`${name}/package.json`, { paths: [root] });
  } catch {
    throw new Error(`${name} is not installed: run npm ci (nuwa's runtime is the Node pinned in package.json)`);
  }
  const dir = path.dirname(manifest);
  const node = path.join(dir, 'bin/node');
  if (!fs.existsSync(path.join(dir, 'include/node/node_api.h'))) throw new Error(`${name} has no include/node/node_api.h`);
  return { dir, node, version: require(manifest).version };
}

/**
 * Packs `main` (one CommonJS file) and `assets` into `exe`, a stripped copy of the pinned node, working in `stage`.
 * Returns undefined, or why the start-limits stub could not be added (scripts/start-limits-stub.js).
 */
async function packSea({ main, exe, stage, assets = {} }) {
  const runtime = pinnedRuntime();
  const config = path.join(stage, `${path.basename(exe)}.sea-config.json`);
  const blob = path.join(stage, `${path.basename(exe)}.blob`);
  fs.writeFileSync(
    config,
    JSON.stringify({
      main,
      output: blob,
      disableExperimentalSEAWarning: true,
      // V8's compiled code for `main`, made here before it ever ran. dist/nuwa's main is scripts/sea-main.js, which runs
      // the bundle from its own cache, made after a warm-up (scripts/code-cache.js); the bench's floor is packed the same way
      useCodeCache: true,
      // NODE_OPTIONS (an image's, meant for its Node app) is never applied to nuwa itself: it can neither reach PID 1
      // (an --inspect port, a --require) nor make V8 reject the code cache; children still inherit the variable
      execArgvExtension: 'none',
      assets,
    }),
  );
  execFileSync(runtime.node, ['--experimental-sea-config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  fs.copyFileSync(runtime.node, exe);
  execFileSync('strip', [exe], { stdio: ['ignore', 'ignore', 'pipe'] }); // ~10 MB less; the SEA fuse and blob section survive stripping
  const { inject } = require('postject');
  await inject(exe, 'NODE_SEA_BLOB', fs.readFileSync(blob), { sentinelFuse: 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2' });
  // last, on the file postject wrote: the entry stub (saves the open-files limit before Node raises it, and makes sure
  // Node's threads can be created)
  const elf = fs.readFileSync(exe);
  const noStub = require('./start-limits-stub').addStartLimitsStub(elf, stage);
  if (!noStub) fs.writeFileSync(exe, elf);
  fs.chmodSync(exe, 0o755); // postject rewrites the file: set the mode last
  fs.rmSync(config, { force: true });
  fs.rmSync(blob, { force: true });
  return noStub;
}

module.exports = { pinnedRuntime, packSea };
