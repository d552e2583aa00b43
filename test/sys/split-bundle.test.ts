/**
 * V8 keeps the source of nuwa's bundle in the heap of every nuwa for as long as it runs, PID 1 included: libraries
 * only some commands use are built apart (scripts/split-bundle.js) and loaded by those commands alone
 * (sys/split-bundle.ts): kubernetes-models and yaml (half the bundle) for `nuwa-host kube`, winston for JSON or
 * syslog logging, cron-parser for `nuwa cron`. That each still finds its part inside the executable, and works, is
 * the commands' own tests' (test/host/kube.test.ts, test/log/syslog.test.ts, test/cron/*: each runs dist/nuwa or a
 * copy of it, whose part is read from the executable, never from beside it).
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nuwaBinary, ROOT } from '../helpers';

/** The modules a bundle holds, as esbuild names them (`node_modules/PACKAGE/…`), by package. */
function packagesIn(file: string): Set<string> {
  const text = fs.readFileSync(file, 'latin1');
  return new Set([...text.matchAll(/node_modules\/((?:@[\w.-]+\/)?[\w.-]+)\//g)].map((m) => m[1] as string));
}

const PARTS: Record<string, string[]> = {
  'kube-libs.cjs': ['kubernetes-models', '@kubernetes-models/validate', 'yaml'],
  'log-libs.cjs': ['winston', 'winston-syslog', 'logform'],
  'cron-libs.cjs': ['cron-parser', 'luxon'],
};

test('the bundle every nuwa runs holds none of the libraries only some commands use; each is in a part of its own', (t) => {
  nuwaBinary(); // built together with dist/nuwa.cjs, the bundle packed in it
  const main = packagesIn(path.join(ROOT, 'dist/nuwa.cjs'));
  for (const [file, names] of Object.entries(PARTS)) {
    const part = packagesIn(path.join(ROOT, 'dist', file));
    for (const name of names) {
      t.false(main.has(name), `${name} is in the main bundle`);
      t.true(part.has(name), `${name} is not in ${file}`);
    }
  }
  t.true(main.has('chokidar'), 'the main bundle still holds what svscan uses');
});
