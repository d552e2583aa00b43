// The single executable's main (scripts/build.js packs it; it is not run by npm). It runs nuwa's bundle from V8's code
// cache made at build time AFTER a warm-up run (scripts/code-cache.js): Node's own `useCodeCache` is made before the
// bundle ever ran and holds little more than its top-level code, so every function an applet runs (the dispatcher, the
// applet, wire/ parsers) would be compiled again at each start. The bundle is packed already wrapped as a CommonJS
// module function, and is given what Node gives a SEA's main: builtins-only require, this module, the executable's path.
'use strict';
const sea = require('node:sea');
const vm = require('node:vm');
const { Buffer } = require('node:buffer');
const path = require('node:path');

// getRawAsset: the bytes in the executable's mapped section, not a copy; V8 makes its own copy of the source (all ASCII)
const source = Buffer.from(sea.getRawAsset('nuwa.js')).latin1Slice();
const script = new vm.Script(source, { filename: process.execPath, cachedData: Buffer.from(sea.getRawAsset('nuwa.cache')) });
// A rejected cache (V8 built with other flags) is not fatal, the bundle is compiled as it runs; the build and
// test/cli/code-cache.test.ts check through this line that the executable accepts its own.
if (process.env.NUWA_DEBUG_CODE_CACHE) process.stderr.write(`nuwa: code cache ${script.cachedDataRejected ? 'rejected' : 'accepted'}\n`);
script.runInThisContext()(module.exports, require, module, process.execPath, path.dirname(process.execPath));
