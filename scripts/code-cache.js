// V8's code cache for the executable, made after a warm-up run of the bundle (used by scripts/build.js).
//
// Node's `useCodeCache` compiles the SEA's main and serializes it before it ever ran: the cache holds the top-level
// code, and each function an applet runs is compiled at every start. Here the same bundle runs, under the runtime the
// executable is built from, the commands of the warm-up below; after each, V8 serializes what is compiled by then
// (script.createCachedData()), and the next step starts from that cache, so the last one holds every step's functions.
// scripts/sea-main.js loads it in the executable. V8 rejects a cache made under other flags: checkAccepted() asks the
// built executable whether it took its own (NUWA_DEBUG_CODE_CACHE).
//
// `node scripts/code-cache.js WRAPPED CACHE_IN|'' CACHE_OUT ARGS…` is one step (run by makeCodeCache, not by hand).
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { setTimeout } = require('node:timers');
const vm = require('node:vm');

/** The bundle as the executable runs it: a CommonJS module function (scripts/sea-main.js calls it). */
const WRAP = ['(function (exports, require, module, __filename, __dirname) {', '\n})'];

/**
 * What the warm-up runs: the start-up of any tool, then what the bench's start-up rows (and a health check, a user's
 * `svc`) run, on a service a supervisor runs. A step that exits otherwise than expected fails the build: its cache
 * would hold an error's path.
 */
const STEPS = (service) => [
  { args: ['--version'], status: 0 },
  { args: ['--help'], status: 0 },
  { args: ['svc'], status: 100 },
  { args: ['svstat', service], status: 0 },
  { args: ['svok', service], status: 0 },
  { args: ['svc', '-r', service], status: 0 },
  { args: ['svstat', '-o', 'up,pid,ready', service], status: 0 },
  { args: ['svc', '-dx', service], status: 0 },
];

/** One step, in a child of the runtime: runs the bundle for `args` and writes V8's cache when the process exits. */
function runStep([wrapped, cacheIn, cacheOut, ...args]) {
  const cachedData = cacheIn ? fs.readFileSync(cacheIn) : undefined;
  const script = new vm.Script(fs.readFileSync(wrapped, 'latin1'), { filename: wrapped, cachedData });
  if (cachedData && script.cachedDataRejected) {
    process.stderr.write(`code cache: V8 rejected the cache of the previous step (${cacheIn})\n`);
    process.exit(120);
  }
  // an applet may end with process.exit(): 'exit' is the one moment every path passes through
  process.on('exit', () => fs.writeFileSync(cacheOut, script.createCachedData()));
  process.argv = [process.argv[0], 'nuwa', ...args];
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, require, mod, wrapped, path.dirname(wrapped));
}

/** Waits (sleeping, at most 20 s) until `file` exists. */
function waitForFile(file, what) {
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (const deadline = Date.now() + 20_000; !fs.existsSync(file);) {
    if (Date.now() > deadline) throw new Error(`code cache: ${what}: ${file} did not appear within 20 s`);
    Atomics.wait(nap, 0, 0, 20);
  }
}

/** A service under a supervisor (the bundle's s6-supervise): svstat, svok and svc act on a real one. */
function startService(node, bundle, dir) {
  const service = path.join(dir, 'svc');
  fs.mkdirSync(service);
  fs.writeFileSync(path.join(service, 'run'), '#!/bin/sh\nexec sleep 600\n', { mode: 0o755 });
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const supervisor = spawn(node, [bundle, 's6-supervise', service], { stdio: 'ignore', env });
  waitForFile(path.join(service, 'supervise', 'status'), 's6-supervise did not start the service');
  return { service, env, supervisor };
}

/**
 * Writes `${stage}/nuwa.js` (the wrapped bundle) and `${stage}/nuwa.cache` (V8's cache after the warm-up) from
 * `bundle` (the staged dist/nuwa.cjs, beside its addon), with `node`: the runtime the executable is made of.
 */
async function makeCodeCache({ node, bundle, stage }) {
  const text = fs.readFileSync(bundle, 'latin1');
  // scripts/sea-main.js reads the source one byte a character
  const wide = /[^\x00-\x7f]/.exec(text); // eslint-disable-line no-control-regex
  if (wide) throw new Error(`code cache: ${bundle} holds a character beyond ASCII at offset ${wide.index}`);
  const wrapped = path.join(stage, 'nuwa.js');
  fs.writeFileSync(wrapped, WRAP[0] + text + WRAP[1], 'latin1');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nuwa-code-cache-'));
  const { service, env, supervisor } = startService(node, bundle, dir);
  const exited = new Promise((resolve) => {
    supervisor.once('exit', resolve);
    setTimeout(resolve, 20_000).unref(); // left to the SIGKILL below
  });
  try {
    let cache = '';
    for (const [i, { args, status }] of STEPS(service).entries()) {
      const next = path.join(dir, `cache.${i}`);
      const run = spawnSync(node, [path.join(__dirname, 'code-cache.js'), wrapped, cache, next, ...args], {
        env,
        encoding: 'utf8',
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      if (run.status !== status) throw new Error(`code cache: warm-up step 'nuwa ${args.join(' ')}' exited ${run.status}: ${run.stderr}`);
      cache = next;
    }
    fs.copyFileSync(cache, path.join(stage, 'nuwa.cache'));
    await exited; // the last step, svc -dx, stopped the service and its supervisor
  } finally {
    supervisor.kill('SIGKILL'); // nothing if it is gone already
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return fs.statSync(path.join(stage, 'nuwa.cache')).size;
}

/** Fails unless the built executable `exe` accepts the code cache packed in it. */
function checkAccepted(exe) {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', NUWA_DEBUG_CODE_CACHE: '1' };
  const { stderr } = spawnSync(exe, ['--version'], { env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (!stderr.includes('nuwa: code cache accepted')) throw new Error(`code cache: ${exe} does not accept its code cache: ${stderr.trim()}`);
}

if (require.main === module) runStep(process.argv.slice(2));

module.exports = { makeCodeCache, checkAccepted };
