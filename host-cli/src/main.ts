/**
 * `nuwa-host`: the host half of nuwa. `init` prepares a host, `build` makes the image chain, `setup` unpacks an
 * image's bin/ into an app folder, and every other command runs that folder's bin/ script of the same name
 * (run, kill, shell, status, get_bid, get_cid, and those later issues add), so there is one implementation of each.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../../supervisor/src/cli/errors';
import { build } from './build';
import { run } from './exec';
import { init } from './host-init';
import { setup } from './setup';

const HELP = `usage: nuwa-host COMMAND ...

  init [--check] [--prefix DIR] [--monit-interval S]
                          prepare this host: podman, jq, monit, nginx, curl; podman settings; /etc/nuwa/host.env
  build [--os-image IMAGE] [--tag NAME] [--target STAGE] DIR
                          build nuwa/base, nuwa/python-base, nuwa/nuwa-python and the app in DIR (its Containerfile;
                          --target: that stage of it, named DIR-STAGE); prints the app image's id as the last line
  setup IMAGE [DIR]       unpack IMAGE's bin/ and nuwa.env into DIR (default: here), as its RunSetup line does
  run DIR                 start the app in DIR (DIR/bin/run); likewise kill, shell, status [--json], get_bid,
  SCRIPT DIR [ARGS...]    get_cid, and any other script in DIR/bin
  install DIR, uninstall DIR
                          put the app on the web (ACME certificate, nginx site, renewal job) / take it off again
  archive DIR [--list [ARCHIVE] | --restore ARCHIVE [DEST] | --init]
                          back up DIR/volumes with borg, list or restore backups (DIR/bin/archive_volumes)
  migrate DIR [--output D] [--to USER@HOST:DIR] [--live]
                          pack DIR/volumes into one self-unpacking volumes-APP.tar.gz.sh and print the scp line
  deploy DIR [IMAGE]      health-gated switch to IMAGE (default $BID) with no failed request through nginx
  rollback DIR [RELEASE]  the same switch back to a kept release; releases DIR [--json] lists them
  logs DIR [-f] [-n N] [--since T], start DIR, stop DIR, restart DIR
                          the live container's output; start/stop it with monit told (and systemd when it is PID 1)
  kube DIR [--replicas N] [--namespace NS] [--image REF] [-o FILE] [--storage SIZE] [--health-port P]
       [--ingress-class C] [--tls-secret S] [--writable PATH]...
                          Kubernetes manifests for the app in DIR (Deployment, Service, ConfigMap/Secret from
                          nuwa.env, a claim per volume, Ingress for NUWA_DOMAIN): docs/kubernetes.md

Every command answers --help (and SCRIPT DIR --help, the script's own usage) without doing anything.

environment: NUWA_HOST_CONF (default /etc/nuwa/host.env), NUWA_CACHE_DIR (default /var/cache/nuwa),
NUWA_SHARE (where layers/ and host-cli/templates/ are), NUWA_BINARY (the nuwa executable for /init)`;

type Spec = NonNullable<ParseArgsConfig['options']>;

/** A subcommand's options (GNU style, node's util.parseArgs); a problem is a usage error naming the subcommand. */
function parse<T extends Spec>(command: string, args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const option = /'(--?[^' ]+)/.exec((err as Error).message)?.[1] ?? '?';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`${command}: unknown option '${option}' (nuwa-host --help)`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${option} needs a value (nuwa-host --help)`);
    throw new UsageError(`${command}: ${(err as Error).message} (nuwa-host --help)`);
  }
}

async function fail(what: () => Promise<number | void>): Promise<number> {
  try {
    return (await what()) ?? 0;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    process.stderr.write(`nuwa-host: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** `nuwa-host SCRIPT DIR [ARGS]`: DIR/bin/SCRIPT run from DIR, as the tutorial runs it. */
async function runScript(script: string, args: string[]): Promise<number> {
  const [dir, ...rest] = args;
  if (dir === undefined) throw new UsageError(`${script}: which app folder? (nuwa-host ${script} DIR)`);
  if (dir.startsWith('-'))
    throw new UsageError(`${script}: unknown option '${dir}': the app folder comes first (nuwa-host ${script} DIR ...)`);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(script)) throw new UsageError(`unknown command '${script}' (nuwa-host --help)`);
  const file = path.join(dir, 'bin', script);
  if (!fs.existsSync(file)) {
    throw new UsageError(
      fs.existsSync(path.join(dir, 'bin'))
        ? `unknown command '${script}': ${file} does not exist (nuwa-host --help)`
        : `${dir} has no bin/: unpack it first with "nuwa-host setup IMAGE ${dir}"`,
    );
  }
  return (await run(path.join('bin', script), rest, { cwd: path.resolve(dir), output: 'inherit' })).code;
}

function kubeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse('kube', args, {
    replicas: { type: 'string', default: '1' },
    namespace: { type: 'string' },
    image: { type: 'string' },
    output: { type: 'string', short: 'o' },
    storage: { type: 'string', default: '1Gi' },
    'health-port': { type: 'string', default: '9000' },
    'ingress-class': { type: 'string' },
    'tls-secret': { type: 'string' },
    writable: { type: 'string', multiple: true, default: [] },
  });
  const [dir, ...extra] = positionals;
  if (dir === undefined || extra.length) throw new UsageError('kube takes one app folder (nuwa-host kube DIR [OPTIONS])');
  const replicas = Number(values.replicas);
  const healthPort = Number(values['health-port']);
  if (!/^\d+$/.test(values.replicas) || replicas < 1)
    throw new UsageError(`--replicas takes a whole number >= 1, got '${values.replicas}'`);
  if (!/^\d+$/.test(values['health-port']) || healthPort < 1 || healthPort > 65535)
    throw new UsageError('--health-port takes a port (1-65535)');
  if (!/^\d+(\.\d+)?([KMGTPE]i?)?$/.test(values.storage))
    throw new UsageError(`--storage takes a Kubernetes quantity (1Gi, 500Mi), got '${values.storage}'`);
  for (const folder of values.writable)
    if (!path.isAbsolute(folder)) throw new UsageError(`--writable takes absolute paths, got '${folder}'`);
  return fail(async () => {
    const { kube } = await import('./kube'); // kubernetes-models and yaml are loaded for this command only
    await kube({
      dir,
      replicas,
      namespace: values.namespace,
      image: values.image,
      output: values.output,
      storage: values.storage,
      healthPort,
      ingressClass: values['ingress-class'],
      tlsSecret: values['tls-secret'],
      writable: values.writable,
    });
  });
}

const isHelp = (arg: string | undefined) => arg === '-h' || arg === '--help';

/**
 * Every line of nuwa-host's starts `nuwa-host: `, as fail() writes them, whether it was called as `nuwa-host` or as
 * `nuwa nuwa-host`: a usage error too, rather than the dispatcher's `nuwa nuwa-host: ` (main.ts runEntry).
 */
export async function main(argv: string[]): Promise<number> {
  try {
    return await runCommand(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`nuwa-host: ${err.message}\n`);
    return err.code;
  }
}

async function runCommand(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  // --help never acts: for init, build, setup and kube anywhere in the line; for a script command, in place of DIR
  // (after DIR it is the script's own --help).
  const builtin = command === 'init' || command === 'build' || command === 'setup' || command === 'kube';
  if (command !== undefined && (builtin ? args.some(isHelp) : isHelp(args[0]))) {
    const script = command === 'archive' ? 'archive_volumes' : command;
    const usage = `usage: nuwa-host ${command} DIR [ARGS...]: runs DIR/bin/${script} from DIR (DIR --help: the script's own usage)`;
    process.stdout.write(`${builtin || isHelp(command) || command === 'help' ? HELP : usage}\n`);
    return 0;
  }
  switch (command) {
    case undefined:
      process.stdout.write(`${HELP}\n`);
      return 100;
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${HELP}\n`);
      return 0;
    case 'init': {
      const { values, positionals } = parse('init', args, {
        prefix: { type: 'string', default: '/' },
        'monit-interval': { type: 'string', default: '30' },
        check: { type: 'boolean', default: false },
      });
      const prefix = values.prefix;
      const interval = Number(values['monit-interval']);
      const checkOnly = values.check;
      if (positionals.length) throw new UsageError(`init takes no arguments, got '${positionals[0]}'`);
      if (!Number.isInteger(interval) || interval < 1) throw new UsageError('--monit-interval takes whole seconds (>= 1)');
      return fail(() => init({ prefix: path.resolve(prefix), checkOnly, monitInterval: interval }));
    }
    case 'build': {
      const { values, positionals } = parse('build', args, {
        'os-image': { type: 'string' },
        tag: { type: 'string' },
        target: { type: 'string' },
      });
      const { 'os-image': osImage, tag, target } = values;
      const [dir, ...extra] = positionals;
      if (dir === undefined || extra.length) throw new UsageError('build takes one app folder (nuwa-host build DIR)');
      return fail(async () => {
        const images = await build(dir, { osImage, tag, target });
        process.stdout.write(`${(images.at(-1) as { id: string }).id}\n`);
      });
    }
    case 'setup': {
      const [image, dir = '.', ...extra] = parse('setup', args, {}).positionals;
      if (image === undefined || extra.length) throw new UsageError('setup takes an image and a folder (nuwa-host setup IMAGE [DIR])');
      return fail(() => setup(image, dir));
    }
    case 'kube':
      return kubeCommand(args);
    case 'archive': // the user's Setup label names the script archive_volumes
      return runScript('archive_volumes', args);
    default:
      return runScript(command, args);
  }
}
