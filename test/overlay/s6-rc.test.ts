/**
 * `s6-rc` at run time: inside a container booted by nuwa init, `s6-rc -d change X` stops X and whatever needs it (in
 * reverse dependency order), `s6-rc -u change X` starts X with what it needs, `s6-rc -a list` lists what is up, an
 * unknown name exits 3 (s6-rc's code), garbage on the request FIFO is reported once and changes nothing. Outside
 * nuwa init the applet says so in one line and exits 111. The engine's down(names) is checked on its own too.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setVerbosity } from '../../supervisor/src/sys/logger';
import { ServiceManager } from '../../supervisor/src/rc/engine';
import type { Atom, Graph } from '../../supervisor/src/rc/graph';
import type { ServiceDefinition } from '../../supervisor/src/rc/source';
import { nuwaBinary } from '../helpers';
import { boot, linesMatching, makeRoot } from './harness';

setVerbosity(0);

/** A graph of atoms named with what they need (directly; `needs` here is already the full list). */
function graphOf(needs: Record<string, string[]>, essential: string[] = []): Graph {
  const atoms = new Map<string, Atom>();
  for (const [name, deps] of Object.entries(needs)) {
    const def = {
      name,
      type: 'oneshot',
      dir: `/x/${name}`,
      contents: [],
      dependencies: deps,
      timeoutUp: 0,
      timeoutDown: 0,
      essential: essential.includes(name),
      consumerFor: [],
      notifies: false,
    } as ServiceDefinition;
    atoms.set(name, { def, needs: new Set(deps), direct: new Set(deps), pipeFrom: false });
  }
  return { atoms, bundles: new Map([['all', new Set(Object.keys(needs))]]) };
}

test(
  'engine down(names): what needs them stops first, the rest stays up; ' + 'essential services stay up, as with s6-rc without -D',
  async (t) => {
    const events: string[] = [];
    const step = async (what: string) => {
      events.push(`${what}:begin`);
      await new Promise((resolve) => setTimeout(resolve, 10));
      events.push(`${what}:end`);
      return true;
    };
    const graph = graphOf({ base: [], db: ['base'], web: ['db', 'base'], api: ['db', 'base'], other: [], keep: [] }, ['keep']);
    const manager = new ServiceManager(graph, { up: (n) => step(`up ${n}`), down: (n) => step(`down ${n}`) });
    t.is(await manager.up(['all']), 0);
    events.length = 0;
    t.is(await manager.down(['db']), 0);
    const at = (e: string) => events.indexOf(e);
    t.deepEqual(events.filter((e) => e.endsWith(':end')).sort(), ['down api:end', 'down db:end', 'down web:end']);
    t.true(at('down web:end') < at('down db:begin') && at('down api:end') < at('down db:begin'));
    t.deepEqual(
      [...manager.state]
        .filter(([, s]) => s === 'up')
        .map(([n]) => n)
        .sort(),
      ['base', 'keep', 'other'],
    );
    events.length = 0;
    t.is(await manager.down(['keep']), 0);
    t.deepEqual(events, [], 'down(names) leaves an essential service up');
    t.is(manager.state.get('keep'), 'up');
    t.is(await manager.up(['web']), 0);
    events.length = 0;
    t.is(await manager.downAll(), 0);
    t.false(events.includes('down keep:begin'), 'downAll keeps the essential service');
    t.is(manager.state.get('keep'), 'up');
    t.true(at('down web:end') < at('down db:begin') && at('down db:end') < at('down base:begin'));
  },
);

test('engine down(names) with a timeout: exit code 2 when a stop outlasts it', async (t) => {
  const graph = graphOf({ slow: [], after: ['slow'] });
  const manager = new ServiceManager(graph, {
    up: async () => true,
    down: (n) => new Promise((resolve) => setTimeout(() => resolve(true), n === 'after' ? 300 : 0)),
  });
  t.is(await manager.up(['all']), 0);
  t.is(await manager.down(['slow'], { timeoutMs: 50 }), 2);
  t.is(manager.state.get('slow'), 'up', 'what the slow stop still needs was not touched');
});

const MARKERS = '/tmp/markers';
const CMD = `
exec 2>&1
up() { s6-svstat -o up /run/service/web; }
markers() { tr '\\n' ',' < ${MARKERS}; }
echo "boot: web=$(up) list=$(s6-rc -a list | tr '\\n' ' ')"
s6-rc -d change init-db; echo "down: exit $? web=$(up) markers=$(markers)"
echo "down: list=$(s6-rc -a list | tr '\\n' ' ') downlist=$(s6-rc -da list | tr '\\n' ' ')"
printf 'this is not a request\\n' > /run/s6/nuwa-rc-requests
printf 'nuwa-rc1 {"op":"change","down":true\\n' > /run/s6/nuwa-rc-requests
printf 'stray bytes, no newline' > /run/s6/nuwa-rc-requests
s6-rc -v2 -t 10000 -u change web; echo "up: exit $? web=$(up) markers=$(markers)"
s6-rc -u change web no-such-service; echo "unknown: exit $?"
echo "end: list=$(s6-rc -a list | tr '\\n' ' ')"
exit 7
`;

test('s6-rc inside the container: -d change stops the dependents first, -u change brings them back, -a list, unknown names', async (t) => {
  const marker = (what: string) => `#!/bin/sh\necho ${what} >> ${MARKERS}\n`;
  const root = makeRoot(undefined, {
    'etc/s6-overlay/s6-rc.d/init-db/type': { content: 'oneshot\n' },
    'etc/s6-overlay/s6-rc.d/init-db/up': { content: '/etc/scripts/init-db-up\n' },
    'etc/s6-overlay/s6-rc.d/init-db/down': { content: '/etc/scripts/init-db-down\n' },
    'etc/scripts/init-db-up': { content: marker('init-db-up'), mode: 0o755 },
    'etc/scripts/init-db-down': { content: marker('init-db-down'), mode: 0o755 },
    'etc/s6-overlay/s6-rc.d/web/type': { content: 'longrun\n' },
    'etc/s6-overlay/s6-rc.d/web/run': { content: '#!/bin/sh\nexec sleep 1000\n', mode: 0o755 },
    'etc/s6-overlay/s6-rc.d/web/finish': { content: marker('web-finish'), mode: 0o755 },
    'etc/s6-overlay/s6-rc.d/web/dependencies.d/init-db': { content: '' },
    'etc/s6-overlay/s6-rc.d/user/contents.d/init-db': { content: '' },
    'etc/s6-overlay/s6-rc.d/user/contents.d/web': { content: '' },
  });
  fs.symlinkSync('../init', path.join(root, 'command/s6-rc')); // what install-symlinks gives an image
  const { code, output } = await boot(root, ['sh', '-c', CMD]).finished;
  t.is(code, 7, output);
  const seen = linesMatching(output, /^(boot|down|up|unknown|end|s6-rc):/);
  t.deepEqual(seen, [
    'boot: web=true list=fix-attrs init-db legacy-cont-init legacy-services web ',
    // legacy-services depends on the whole user bundle, as in s6-overlay: it goes down with init-db
    'down: exit 0 web=false markers=init-db-up,web-finish,init-db-down,',
    'down: list=fix-attrs legacy-cont-init  downlist=init-db legacy-services web ',
    'up: exit 0 web=true markers=init-db-up,web-finish,init-db-down,init-db-up,',
    's6-rc: fatal: unknown service name: no-such-service',
    'unknown: exit 3',
    'end: list=fix-attrs init-db legacy-cont-init web ',
  ]);
  t.is(linesMatching(output, /nuwa-rc-requests: ignoring/).length, 1, output);
});

test('s6-rc outside a container booted by nuwa init: one line saying so, exit 111', (t) => {
  const r = spawnSync(nuwaBinary(), ['s6-rc', '-u', 'change', 'web'], { encoding: 'utf8' });
  t.is(r.status, 111);
  t.is(r.stdout, '');
  t.is(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
  t.regex(r.stderr, /^s6-rc: fatal: nuwa init is not serving s6-rc here/);
});
