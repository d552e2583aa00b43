/**
 * `nuwa-host init`: prepares a host for nuwa apps. Checks (or installs) podman, jq, monit, nginx and curl; writes the
 * podman settings the machine needs; writes the host configuration the bin/ scripts read (its presence is what
 * bin/_predicate calls "initialised"); makes sure monit answers `monit status` (bin/status asks it).
 *
 * --prefix DIR writes every file under DIR instead of / (a sandbox host for trials and tests: podman does not read
 * DIR/etc/containers, so there pass CONTAINERS_CONF yourself; monit runs as `monit -c DIR/etc/monit/monitrc`). DIR
 * must be a path the bin/ scripts accept (checkPrefix), or nothing is written.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../../supervisor/src/cli/errors';
import { run } from './exec';

export interface InitOptions {
  prefix: string;
  /** Only report what is missing; install nothing. */
  checkOnly: boolean;
  /** monit's cycle in seconds for a monitrc that init writes itself (--prefix). */
  monitInterval: number;
}

const say = (line: string) => process.stderr.write(`nuwa-host init: ${line}\n`);

/** Programs the host needs, and their packages (Debian; Rocky in brackets when it differs). */
const TOOLS: { command: string; deb: string; rpm: string }[] = [
  { command: 'podman', deb: 'podman', rpm: 'podman' },
  { command: 'runc', deb: 'runc', rpm: 'runc' },
  { command: 'jq', deb: 'jq', rpm: 'jq' },
  { command: 'monit', deb: 'monit', rpm: 'monit' },
  { command: 'nginx', deb: 'nginx', rpm: 'nginx' },
  { command: 'curl', deb: 'curl', rpm: 'curl' },
  { command: 'debootstrap', deb: 'debootstrap', rpm: 'debootstrap' },
];

async function has(command: string): Promise<boolean> {
  return (await run('sh', ['-c', 'command -v "$1"', 'sh', command])).code === 0;
}

async function ensureTools(checkOnly: boolean): Promise<void> {
  const missing = [];
  for (const tool of TOOLS) if (!(await has(tool.command))) missing.push(tool);
  if (missing.length === 0) {
    say(`found ${TOOLS.map((t) => t.command).join(', ')}`);
    return;
  }
  const names = missing.map((t) => t.command).join(', ');
  if (checkOnly) throw new Error(`missing on this host: ${names} (run nuwa-host init without --check to install them)`);
  if (process.getuid?.() !== 0) throw new Error(`missing on this host: ${names}; run nuwa-host init as root to install them`);
  if (await has('apt-get')) {
    const pkgs = missing.map((t) => t.deb);
    say(`installing ${pkgs.join(' ')} with apt-get`);
    const r = await run('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { output: 'prefix', prefix: '[apt-get] ' });
    if (r.code !== 0) throw new Error(`apt-get install ${pkgs.join(' ')} failed (exit ${r.code}; see above)`);
  } else if (await has('dnf')) {
    const pkgs = missing.map((t) => t.rpm);
    say(`installing ${pkgs.join(' ')} with dnf (monit and debootstrap come from EPEL)`);
    const r = await run('dnf', ['install', '-y', ...pkgs], { output: 'prefix', prefix: '[dnf] ' });
    if (r.code !== 0) throw new Error(`dnf install ${pkgs.join(' ')} failed (exit ${r.code}; see above)`);
  } else {
    throw new Error(`missing on this host: ${names}, and neither apt-get nor dnf is here to install them`);
  }
}

function readLimit(name: string): number | undefined {
  const line = fs
    .readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(name));
  const hard = line?.slice(name.length).trim().split(/\s+/)[1];
  return hard === undefined || hard === 'unlimited' ? undefined : Number(hard);
}

/**
 * The podman settings this machine needs (measured on the Debian 12 hosts nuwa is tested on): crun refuses
 * cgroup v1 hybrid hosts whose cgroup2 has controllers, so use runc; without CAP_SYS_RESOURCE podman cannot raise
 * rlimits above the hard limits, so give default ulimits at those limits. Empty when the defaults work.
 */
export function podmanSettings(): string {
  const containers: string[] = [];
  const engine: string[] = [];
  let controllers = '';
  try {
    controllers = fs.readFileSync('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8').trim();
  } catch {
    /* no hybrid cgroup2 mount: crun is fine */
  }
  if (controllers) engine.push('runtime = "runc"');
  const capBnd = /^CapBnd:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 'ffffffffff';
  const CAP_SYS_RESOURCE = 24n;
  if (((BigInt(`0x${capBnd}`) >> CAP_SYS_RESOURCE) & 1n) === 0n) {
    const nofile = readLimit('Max open files') ?? 1048576;
    const nproc = Math.min(readLimit('Max processes') ?? 4096, 4096);
    containers.push(`default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]`);
  }
  if (!containers.length && !engine.length) return '';
  const lines = ['# Written by nuwa-host init: settings podman needs on this machine.'];
  if (containers.length) lines.push('[containers]', ...containers);
  if (engine.length) lines.push('[engine]', ...engine);
  return `${lines.join('\n')}\n`;
}

function writeFile(file: string, text: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.nuwa-tmp`;
  fs.writeFileSync(tmp, text, { mode });
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
  say(`wrote ${file}`);
}

/** host.env: managed keys are (re)written, keys someone else added are kept. */
function writeHostEnv(file: string, settings: Record<string, string>): void {
  const kept = fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim() && !l.startsWith('#') && !((l.split('=')[0] as string) in settings))
    : [];
  const lines = [
    "# nuwa host configuration, written by nuwa-host init and read by every app's bin/ scripts (bin/_lib.sh).",
    '# KEY=value lines, no quoting. Its presence marks this host as initialised for nuwa.',
    ...Object.entries(settings).map(([k, v]) => `${k}=${v}`),
    ...kept,
  ];
  writeFile(file, `${lines.join('\n')}\n`);
}

/**
 * The paths the bin/ scripts accept from host.env (templates/bin/_lib.sh, nuwa_check_path): the prefix goes into
 * host.env's KEY=value lines (a newline would add a key), into monitrc (a space splits monit's words: "syntax
 * error") and into systemd units and podman -v (':' splits fields). Anything else would fail later, or worse.
 */
const SAFE_PATH = /^\/[A-Za-z0-9_./@+-]*$/;

/** Refuses a --prefix the bin/ scripts could not use, in one line naming the rule (exit 100), before anything is done. */
export function checkPrefix(prefix: string): void {
  if (SAFE_PATH.test(prefix)) return;
  throw new UsageError(
    `--prefix ${JSON.stringify(prefix)} is not allowed: an absolute path of letters, digits and '_' '.' '/' '@' '+' '-' only ` +
      '(what the bin/ scripts accept in host.env)',
  );
}

export async function init(options: InitOptions): Promise<void> {
  checkPrefix(options.prefix);
  const sandbox = options.prefix !== '/';
  const at = (p: string) => path.join(options.prefix, p);
  await ensureTools(options.checkOnly);
  if (options.checkOnly) {
    // --check reports and writes nothing: not the podman settings, not monit's, not host.env.
    const settings = podmanSettings();
    say(
      settings
        ? `podman on this machine needs: ${settings.split('\n').slice(1).join(' ').trim()}`
        : 'podman needs no settings on this machine',
    );
    const hostEnv = at('etc/nuwa/host.env');
    say(fs.existsSync(hostEnv) ? `${hostEnv} exists: this host is initialised` : `${hostEnv} is missing: run nuwa-host init to write it`);
    return;
  }

  const podmanConf = podmanSettings();
  if (podmanConf) {
    writeFile(at('etc/containers/containers.conf.d/50-nuwa.conf'), podmanConf);
    if (sandbox) say('podman reads that file only under /; in this sandbox pass CONTAINERS_CONF=<a file with those lines>');
  } else {
    say('podman needs no settings on this machine');
  }

  // monit: Debian keeps it in /etc/monit (conf.d included by the packaged monitrc), Rocky in /etc/monitrc + /etc/monit.d.
  const rocky = !sandbox && fs.existsSync('/etc/monitrc') && !fs.existsSync('/etc/monit/monitrc');
  const monitrc = rocky ? '/etc/monitrc' : at('etc/monit/monitrc');
  const monitDir = rocky ? '/etc/monit.d' : at('etc/monit/conf.d');
  fs.mkdirSync(monitDir, { recursive: true });
  const password = crypto.randomBytes(12).toString('hex');
  if (sandbox) {
    fs.mkdirSync(at('run'), { recursive: true });
    fs.mkdirSync(at('var/lib/monit'), { recursive: true });
    writeFile(
      monitrc,
      [
        '# monit for a nuwa sandbox host (nuwa-host init --prefix): run it as monit -I -c THIS_FILE',
        `set daemon ${options.monitInterval}`,
        `set pidfile ${at('run/monit.pid')}`,
        `set idfile ${at('var/lib/monit/id')}`,
        `set statefile ${at('var/lib/monit/state')}`,
        `set httpd unixsocket ${at('run/monit.sock')} allow nuwa:${password}`,
        `include ${monitDir}/*`,
        '',
      ].join('\n'),
      0o600,
    );
  } else if (!/^\s*set\s+httpd/m.test(fs.readFileSync(monitrc, 'utf8'))) {
    // `monit status` (bin/status) talks to the daemon through its httpd; a unix socket keeps it off the network.
    writeFile(
      path.join(monitDir, '00-nuwa-httpd'),
      `# Written by nuwa-host init: lets "monit status" reach the daemon.\nset httpd unixsocket /run/monit.sock allow nuwa:${password}\n`,
      0o600,
    );
  }

  const systemdDir = at('etc/systemd/system');
  fs.mkdirSync(systemdDir, { recursive: true });
  writeHostEnv(at('etc/nuwa/host.env'), { NUWA_SYSTEMD_DIR: systemdDir, NUWA_MONIT_DIR: monitDir, NUWA_MONITRC: monitrc });
  say(sandbox ? `sandbox host ready under ${options.prefix}: export NUWA_HOST_CONF=${at('etc/nuwa/host.env')}` : 'host ready');
}
