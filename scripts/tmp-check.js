#!/usr/bin/env node
// The end of `npm test`: fails when the run left anything new in the temp dir (os.tmpdir(), /tmp here), one line per
// leftover naming it. Tests remove what they make (test/helpers/index.ts: tempDir() and removeOnExit() remove at the
// test process's exit, passed or failed); this is the check that they did.
//
//   node scripts/tmp-check.js run CMD [ARGS...]  `before`, runs CMD (stdio inherited), `after`; exits with CMD's code
//                                                when CMD failed, else 1 when something was left, else 0. npm test's
//                                                extra arguments (npm test -- FILE) reach CMD, the last word of the script.
//   node scripts/tmp-check.js before [KEY]       records the names now in the temp dir in build/tmp-check/KEY.json
//   node scripts/tmp-check.js after [KEY]        compares with that record (then deletes it); exit 1 on leftovers
//
// What counts: an entry of the temp dir (not what is below it) that did not exist before and whose name starts with
// "nuwa" — every test's prefix (nuwa-test-, nuwa-overlay-*, nuwa-s6diff-, nuwa-t-*, nuwa-t7-*, nuwa-t8-*, ...) and
// the names nuwa itself makes there (nuwa-<uid> for the native addon, nuwa-host build's nuwa-iid-*, nuwa-labels-*,
// nuwa-base-ctx-*, the benchmark's nuwa-bench-*). Anything else is left out on purpose: other processes on this
// machine share the temp dir (a shell's mktemp tmp.*, tsx's compile cache tsx-<uid>, ...). Another test run of this
// project on the same machine makes nuwa-* entries too: those a live process still uses are named but not counted
// (the checked run's own processes have all ended by then); one that ended and left something is counted.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const TMP = os.tmpdir();
const OURS = /^nuwa/;
const STATE_DIR = path.resolve(__dirname, '../build/tmp-check'); // build/ is git-ignored, and not in the temp dir

function names() {
  return fs.readdirSync(TMP);
}

function describe(name) {
  const full = path.join(TMP, name);
  try {
    const st = fs.lstatSync(full);
    const type = st.isDirectory() ? 'folder' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'special file';
    return `${full} (${type}, uid ${st.uid}, made ${st.mtime.toISOString()})`;
  } catch {
    return full;
  }
}

/** A live process using `full` (its cwd, an open file, or its command line names it below `full`), if any. */
function userOf(full) {
  const below = (p) => p === full || p.startsWith(`${full}/`);
  // `sh -c 'exec < /tmp/nuwa-x/gate'` names it inside a word
  const mentions = (word) => word.split(/[\s'"=<>]+/).some(below);
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
      const links = [`/proc/${pid}/cwd`, ...fs.readdirSync(`/proc/${pid}/fd`).map((fd) => `/proc/${pid}/fd/${fd}`)];
      const uses = (link) => {
        try {
          return below(fs.readlinkSync(link));
        } catch {
          return false; // closed meanwhile
        }
      };
      if (argv.some(mentions) || links.some(uses)) return `pid ${pid}: ${argv.join(' ').trim().slice(0, 100)}`;
    } catch {
      // gone meanwhile, or not ours to look at
    }
  }
  return undefined;
}

/**
 * Prints one line per leftover; returns how many there were. An entry a live process still uses is not counted (it
 * says so): by the time this runs, the run's own processes have ended (nuwa init --plain ends what ava left), so that
 * is another test run of this project, on the same machine, still at work.
 */
function report(before) {
  const known = new Set(before);
  const left = [];
  for (const name of names()
    .filter((n) => !known.has(n) && OURS.test(n))
    .sort()) {
    const user = userOf(path.join(TMP, name));
    if (user) process.stderr.write(`tmp-check: not counted, in use by another process (${user}): ${path.join(TMP, name)}\n`);
    else left.push(name);
  }
  for (const name of left) process.stderr.write(`tmp-check: left behind by the tests: ${describe(name)}\n`);
  if (left.length > 0) {
    const what = `${left.length} new entr${left.length === 1 ? 'y' : 'ies'} in ${TMP}`;
    process.stderr.write(`tmp-check: ${what}: whatever makes a temp file must remove it (test/helpers' tempDir() and removeOnExit() do)\n`);
  } else {
    process.stderr.write(`tmp-check: nothing new left in ${TMP}\n`);
  }
  return left.length;
}

function stateFile(key) {
  if (!/^[\w.-]+$/.test(key)) throw new Error(`tmp-check: bad key ${JSON.stringify(key)}`);
  return path.join(STATE_DIR, `${key}.json`);
}

function before(key) {
  fs.mkdirSync(STATE_DIR, { recursive: true });
  fs.writeFileSync(stateFile(key), JSON.stringify({ tmp: TMP, names: names() }));
}

function after(key) {
  const file = stateFile(key);
  let recorded;
  try {
    recorded = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    process.stderr.write(`tmp-check: no record of the temp dir before the run (${err.message}): run "tmp-check.js before" first\n`);
    return 2;
  }
  fs.rmSync(file, { force: true });
  return report(recorded.names) > 0 ? 1 : 0;
}

function run(command) {
  if (command.length === 0) {
    process.stderr.write('tmp-check: run needs a command\n');
    process.exit(2);
  }
  const key = `run-${process.pid}`; // build/tmp-check/run-PID.json: concurrent runs in one checkout keep their own
  before(key);
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit' });
  // Ctrl-C reaches the whole foreground process group, the command included: wait for it to end, then check.
  // A TERM or HUP sent to this process alone is passed on.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => {
    process.stderr.write(`tmp-check: cannot run ${command[0]}: ${err.message}\n`);
    fs.rmSync(stateFile(key), { force: true });
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    const status = code ?? 128 + (os.constants.signals[signal] ?? 0);
    const check = after(key);
    process.exit(status !== 0 ? status : check);
  });
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'run') run(rest[0] === '--' ? rest.slice(1) : rest);
else if (mode === 'before') before(rest[0] ?? 'default');
else if (mode === 'after') process.exit(after(rest[0] ?? 'default'));
else {
  process.stderr.write('usage: tmp-check.js run CMD [ARGS...] | before [KEY] | after [KEY]\n');
  process.exit(2);
}
