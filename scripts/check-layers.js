#!/usr/bin/env node
// npm run lint: the folders of supervisor/src are layers, each importing only from the ones below it (the order is
// docs/architecture.md's); host-cli/src and bench have no import cycle between their folders. Prints every
// offending import (file → target) and exits 1.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

/** supervisor/src from the ground up. A folder may import its own modules and those of folders listed before it. */
const SUPERVISOR_LAYERS = [
  'sys',
  'wire',
  'cli',
  'execline',
  'portable',
  'supervise',
  'scan',
  'log',
  'cron',
  'rc',
  'tools',
  'overlay',
  'init',
  '.',
];

function sourceFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)'(\.[^']*)'/gm;

function resolveImport(file, spec) {
  const base = path.resolve(path.dirname(file), spec);
  return [`${base}.ts`, path.join(base, 'index.ts'), base].find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
}

/** Every relative import under `dir` as [file, imported file], both relative to `dir`. */
function imports(dir) {
  const edges = [];
  for (const file of sourceFiles(dir)) {
    for (const match of fs.readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = resolveImport(file, match[1]);
      if (target) edges.push([path.relative(dir, file), path.relative(dir, target)]);
    }
  }
  return edges;
}

/** The top folder of a path relative to the tree ('.' for a file at the top, '..' for one outside). */
function folderOf(rel) {
  if (rel.startsWith('..')) return '..';
  const parts = rel.split(path.sep);
  return parts.length === 1 ? '.' : parts[0];
}

function checkLayers(dir, layers) {
  const problems = [];
  for (const [from, to] of imports(dir)) {
    const a = folderOf(from);
    const b = folderOf(to);
    if (a === b || b === '..') continue;
    const rankA = layers.indexOf(a);
    const rankB = layers.indexOf(b);
    if (rankA === -1) problems.push(`${from}: folder '${a}' is not in the layer list of scripts/check-layers.js`);
    else if (rankB === -1) problems.push(`${to}: folder '${b}' is not in the layer list of scripts/check-layers.js`);
    else if (rankB > rankA) problems.push(`${from} imports ${to}: '${a}' is below '${b}' (layers: ${layers.join(' → ')})`);
  }
  return problems;
}

/** Folder-level cycles, found by a depth-first walk of the folder graph; each cycle reported with one import per hop. */
function checkCycles(dir) {
  const graph = new Map();
  for (const [from, to] of imports(dir)) {
    const a = folderOf(from);
    const b = folderOf(to);
    if (a === b || b === '..') continue;
    if (!graph.has(a)) graph.set(a, new Map());
    if (!graph.get(a).has(b)) graph.get(a).set(b, `${from} → ${to}`);
  }
  const problems = [];
  const state = new Map(); // undefined: new, 1: on the current path, 2: done
  const trail = [];
  const visit = (node) => {
    state.set(node, 1);
    trail.push(node);
    for (const [next, example] of graph.get(node) ?? []) {
      if (state.get(next) === 1) {
        const cycle = trail.slice(trail.indexOf(next));
        problems.push(`cycle ${[...cycle, next].join(' → ')} (e.g. ${example})`);
      } else if (state.get(next) === undefined) visit(next);
    }
    trail.pop();
    state.set(node, 2);
  };
  for (const node of graph.keys()) if (state.get(node) === undefined) visit(node);
  return problems;
}

const problems = [
  ...checkLayers(path.join(root, 'supervisor/src'), SUPERVISOR_LAYERS).map((p) => `supervisor/src/${p}`),
  ...checkCycles(path.join(root, 'host-cli/src')).map((p) => `host-cli/src: ${p}`),
  ...checkCycles(path.join(root, 'bench')).map((p) => `bench: ${p}`),
];
for (const p of problems) process.stderr.write(`check-layers: ${p}\n`);
process.exit(problems.length > 0 ? 1 : 0);
