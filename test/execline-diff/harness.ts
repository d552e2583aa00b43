/**
 * The execline differential harness: one script, run under Debian's execline 2.9.3 (/usr/bin/execlineb, its
 * programs in /usr/lib/execline/bin) and under nuwa's (execlineb and the builtins as symlinks to dist/nuwa), each in a
 * fresh folder, with the same stdin, environment and arguments. Compared is what a user can see:
 *  - the exit code and stdout,
 *  - stderr's class: each line's program and kind (`if: fatal`, `importas: usage`) without the wording,
 *  - the state the chain leaves to its final program, seen by a probe run as that program: environment, working
 *    directory, uid/gid/groups, and each open descriptor with what it points to and its status flags,
 *  - the files the script wrote in its folder.
 * Folder paths and pipe inode numbers are blanked, so two runs compare equal when they behave alike.
 */
import type { ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXECLINE_PROGRAMS } from '../../supervisor/src/execline/names';
import { NUWA, requireCommand, tempDir } from '../helpers';

export type Implementation = 'execline' | 'nuwa';

export interface Run {
  /** The script's text; `PROBE` in it names the probe program (the chain's final program that reports its state). */
  script: string;
  /** execlineb's options (default -P); set to [] for a script taking positional parameters. */
  options?: string[];
  args?: string[];
  stdin?: string;
  env?: Record<string, string>;
  /** Files to create in the run's folder first (name → content). */
  files?: Record<string, string>;
  /** Run as a `#!` script file rather than with -c. */
  asFile?: boolean;
  /** nuwa runs s6-overlay's with-contenv script (an execline script) rather than its with-contenv applet. */
  overlayScripts?: boolean;
  /** A command the script file is run under (e.g. strace), for asFile runs. */
  wrapper?: string[];
}

export interface Outcome {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string[];
  /** The probe's report, when the chain reached it. */
  state?: string[];
  files: Record<string, string>;
}

/** What a probe reports: descriptors (target and status flags), cwd, ids, environment (sorted). */
const PROBE = String.raw`#!/usr/bin/perl
my $out = shift;
opendir(my $d, "/proc/self/fd");
my @fds = grep { /^\d+$/ } readdir($d);
my $dfd = fileno($d);
my @lines;
for my $fd (sort { $a <=> $b } @fds) {
  next if $fd == $dfd;
  my $target = readlink("/proc/self/fd/$fd");
  next unless defined $target;
  open(my $info, "<", "/proc/self/fdinfo/$fd");
  my ($flags) = map { /^flags:\s*(\d+)/ ? oct($1) & 07777 : () } <$info>;
  close $info;
  push @lines, sprintf("fd %d %s flags %o", $fd, $target, $flags);
}
closedir($d);
use Cwd;
push @lines, "cwd " . getcwd();
push @lines, "ids $< $> " . join(",", split(/ /, $( ));
push @lines, map { "env $_=$ENV{$_}" } grep { !/^(PATH|PWD|OLDPWD|SHLVL|_)$/ } sort keys %ENV;
push @lines, "argv " . join(" ", @ARGV);
open(my $o, ">", $out);
print $o join("\n", @lines), "\n";
`;

let nuwaBin: string | undefined;
let debianBin: string | undefined;
/** nuwa's programs, but s6-overlay's with-contenv script (read by nuwa's execlineb) instead of nuwa's applet. */
let nuwaScriptBin: string | undefined;
let probe: string | undefined;

/** s6-overlay's own with-contenv (an execline script), run by Debian's execlineb on the reference side. */
const WITH_CONTENV = path.resolve(__dirname, '../../../shared/s6-overlay-ref/rootfs/package/admin/s6-overlay-3.1.5.0/command/with-contenv');

interface Setup {
  nuwaBin: string;
  debianBin: string;
  nuwaScriptBin: string;
  probe: string;
}

/** s6-overlay's with-contenv as `execlineb` at `execlineb` reads it, in `dir`. */
function withContenvScript(dir: string, execlineb: string): void {
  fs.mkdirSync(dir);
  const text = fs.readFileSync(WITH_CONTENV, 'utf8').replace(/^#!\S+/, `#!${execlineb}`);
  fs.writeFileSync(path.join(dir, 'with-contenv'), text, { mode: 0o755 });
}

function setup(): Setup {
  if (!nuwaBin || !debianBin || !nuwaScriptBin || !probe) {
    requireCommand('execlineb', 'execline');
    requireCommand('perl', 'perl-base');
    const dir = tempDir('nuwa-eldiff-');
    fs.chmodSync(dir, 0o755); // the probe runs as nobody after s6-setuidgid
    nuwaBin = path.join(dir, 'bin');
    fs.mkdirSync(nuwaBin);
    for (const name of [...EXECLINE_PROGRAMS, 's6-setuidgid', 's6-envdir', 'with-contenv']) {
      fs.symlinkSync(NUWA, path.join(nuwaBin, name));
    }
    debianBin = path.join(dir, 'debian-bin');
    withContenvScript(debianBin, '/usr/bin/execlineb');
    nuwaScriptBin = path.join(dir, 'nuwa-script-bin');
    withContenvScript(nuwaScriptBin, path.join(nuwaBin, 'execlineb'));
    probe = path.join(dir, 'probe');
    fs.writeFileSync(probe, PROBE, { mode: 0o755 });
  }
  return { nuwaBin, debianBin, nuwaScriptBin, probe };
}

/** The execlineb an implementation runs, and its PATH. */
function implementation(kind: Implementation, dirs: Setup, run: Run): { execlineb: string; path: string } {
  if (kind === 'execline') return { execlineb: '/usr/bin/execlineb', path: `${dirs.debianBin}:/usr/lib/execline/bin:/usr/bin:/bin` };
  const bin = run.overlayScripts ? `${dirs.nuwaScriptBin}:${dirs.nuwaBin}` : dirs.nuwaBin;
  return { execlineb: path.join(dirs.nuwaBin, 'execlineb'), path: `${bin}:/usr/bin:/bin` };
}

/** `PROG: fatal|usage|warning: …` as `PROG: kind`; execline's cd calls itself execline-cd. */
function stderrClass(text: string, dir: string): string[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const m = /^(\S+): (fatal|usage|warning):/.exec(l);
      if (!m) return l.replaceAll(dir, '$DIR');
      return `${m[1] === 'execline-cd' ? 'cd' : m[1]}: ${m[2]}`;
    });
}

/** Run folders, pipe inodes, $! and the path of the execlineb that ran (its $0 under -c) blanked. */
function blank(text: string, dir: string, execlineb: string): string {
  return text
    .replaceAll(execlineb, 'EXECLINEB')
    .replaceAll(dir, '$DIR')
    .replace(/(pipe|socket):\[\d+\]/g, '$1')
    .replace(/^env !=\d+$/gm, 'env !=PID');
}

/** The command line that runs `run` (its script file written in `dir` when asFile). */
function commandLine(run: Run, execlineb: string, script: string, dir: string): string[] {
  const options = run.options ?? ['-P'];
  if (!run.asFile) return [execlineb, ...options, '-c', script, ...(run.args ?? [])];
  const file = path.join(dir, '.script');
  fs.writeFileSync(file, `#!${execlineb} ${options.join('')}\n${script}\n`, { mode: 0o755 });
  return [...(run.wrapper ?? []), file, ...(run.args ?? [])];
}

/** The command line, environment and folder of `run` under `kind` (for runs the test drives itself, e.g. with signals). */
export function prepare(kind: Implementation, run: Run): { argv: string[]; env: Record<string, string>; dir: string } {
  const dirs = setup();
  const { execlineb, path: pathValue } = implementation(kind, dirs, run);
  const dir = fs.realpathSync(tempDir(`nuwa-eldiff-${kind}-`));
  for (const [name, content] of Object.entries(run.files ?? {})) fs.writeFileSync(path.join(dir, name), content);
  return { argv: commandLine(run, execlineb, run.script, dir), env: { PATH: pathValue, ...run.env }, dir };
}

export function runUnder(kind: Implementation, run: Run): Outcome {
  const dirs = setup();
  const probeFile = dirs.probe;
  const { execlineb, path: pathValue } = implementation(kind, dirs, run);
  const dir = fs.realpathSync(tempDir(`nuwa-eldiff-${kind}-`));
  fs.chmodSync(dir, 0o777); // written by the probe, which may run as nobody
  for (const [name, content] of Object.entries(run.files ?? {})) fs.writeFileSync(path.join(dir, name), content);
  const state = path.join(dir, '.state');
  const script = run.script.replaceAll('PROBE', `${probeFile} ${state}`);
  const argv = commandLine(run, execlineb, script, dir);
  const result = spawnSync(argv[0] as string, argv.slice(1), {
    cwd: dir,
    env: { PATH: pathValue, ...run.env },
    input: run.stdin ?? '',
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.error) throw result.error;
  const files: Record<string, string> = {};
  for (const name of fs.readdirSync(dir)) {
    if (name.startsWith('.') || run.files?.[name] !== undefined) continue;
    const file = path.join(dir, name);
    files[name] = fs.statSync(file).isFile() ? blank(fs.readFileSync(file, 'utf8'), dir, execlineb) : '(not a file)';
  }
  return {
    code: result.status,
    signal: result.signal,
    stdout: blank(result.stdout, dir, execlineb),
    stderr: stderrClass(result.stderr, dir),
    state: fs.existsSync(state) ? blank(fs.readFileSync(state, 'utf8'), dir, execlineb).trimEnd().split('\n') : undefined,
    files,
  };
}

/** Runs under both and asserts the outcomes are the same; returns nuwa's for further checks. */
export function assertSame(t: ExecutionContext, run: Run): Outcome {
  const reference = runUnder('execline', run);
  const ours = runUnder('nuwa', run);
  t.deepEqual(ours, reference, `script: ${run.script}`);
  return ours;
}
