/**
 * `nuwa init --check`: validates a whole s6-overlay tree and prints every problem at once, one line each, naming
 * the file — dependency cycles and missing services, unknown types, missing or non-executable run files, #! lines,
 * CRLF endings, shell scripts in oneshot up/down files, pipelines, cont-init.d/cont-finish.d scripts, services.d,
 * fix-attrs.d. The boot runs the same checks on the s6-rc tree and services.d before starting anything.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { overlayPath } from './container-env';
import { checkExecutable } from '../rc/executable';
import { commandLineProblems, scriptProgramProblems } from './check-programs';
import { legacyServiceNames, legacyServiceProblems, scriptsIn } from './legacy';
import { configDirs, hasOverlayTree, type ConfigDirs } from './paths';
import { Problems, formatProblem, type Problem } from '../rc/problems';
import { findProgram } from '../sys/run-program';
import { readSettings } from './settings';
import { loadTree, type Tree } from './tree';

/** execlineb as the image at `root` would find it on s6-overlay's PATH. */
export function imageExeclineb(root: string, pathValue: string): string | undefined {
  for (const dir of pathValue.split(':')) {
    if (!dir.startsWith('/')) continue;
    const found = findProgram(path.join(root, dir, 'execlineb'), undefined);
    if (found) return path.join(dir, 'execlineb');
  }
  return undefined;
}

/** Problems the boot itself reports before starting anything (the s6-rc tree, services.d, pipelines). */
export function bootProblems(tree: Tree, dirs: ConfigDirs, root = '/'): Problem[] {
  const list = [...tree.problems.list, ...legacyServiceProblems(dirs.services, root).list];
  const piped = [...tree.graph.atoms.values()].find((a) => a.pipeTo !== undefined || a.pipeFrom);
  if (piped && !fs.existsSync(path.join(root, 'bin/sh'))) {
    list.push({
      file: path.join(piped.def.dir, 'producer-for'),
      message: 'pipelines need /bin/sh in the image (it opens the pipe FIFOs)',
      service: piped.def.name,
    });
  }
  return list;
}

export function checkTree(root: string, env: NodeJS.ProcessEnv = process.env): { problems: Problem[]; summary: string } {
  const settings = readSettings((name) => env[name]);
  const dirs = configDirs(settings, root);
  const tree = loadTree(dirs, imageExeclineb(root, overlayPath(env.PATH)), root);
  const problems: Problem[] = bootProblems(tree, dirs, root);
  const scripts = new Problems();
  for (const dir of [dirs.contInit, dirs.contFinish])
    for (const name of scriptsIn(dir)) checkExecutable(path.join(dir, name), scripts, undefined, root);
  problems.push(...scripts.list, ...programProblems(tree, dirs, { root, pathValue: overlayPath(env.PATH) }));
  const services = [...tree.defs.values()].filter((d) => d.type !== 'bundle' && !d.internal).length + tree.invalid.size;
  const summary =
    `${services} s6-rc service(s), ${scriptsIn(dirs.contInit).length} cont-init.d, ` +
    `${scriptsIn(dirs.contFinish).length} cont-finish.d, ${scriptsIn(dirs.services).length} services.d`;
  return { problems, summary };
}

/** Programs the scripts call that the image lacks (check-programs.ts), over every script the boot may run. */
function programProblems(tree: Tree, dirs: ConfigDirs, finder: { root: string; pathValue: string }): Problem[] {
  const scripts: string[] = [];
  const commandLines: string[] = [];
  for (const def of tree.defs.values()) {
    if (def.internal) continue;
    if (def.type === 'longrun') scripts.push(path.join(def.dir, 'run'), path.join(def.dir, 'finish'));
    if (def.type === 'oneshot') commandLines.push(path.join(def.dir, 'up'), path.join(def.dir, 'down'));
  }
  for (const dir of [dirs.contInit, dirs.contFinish]) scripts.push(...scriptsIn(dir).map((name) => path.join(dir, name)));
  for (const name of legacyServiceNames(dirs.services)) {
    for (const file of ['run', 'finish', 'log/run']) scripts.push(path.join(dirs.services, name, file));
  }
  return [
    ...scripts.flatMap((file) => scriptProgramProblems(file, finder)),
    ...commandLines.flatMap((file) => commandLineProblems(file, finder)),
  ];
}

export function runCheck(root: string): number {
  if (!hasOverlayTree(root)) {
    process.stdout.write(
      `nuwa init --check: no s6-overlay tree under ${root} (no /etc/s6-overlay, cont-init.d, services.d, …): ` +
        'nuwa init runs CMD as tini would\n',
    );
    return 0;
  }
  const { problems, summary } = checkTree(root);
  for (const p of problems) process.stdout.write(`${p.warning ? 'warning' : 'error'}: ${formatProblem(p)}\n`);
  const errors = problems.filter((p) => !p.warning).length;
  const warnings = problems.length - errors;
  process.stdout.write(`nuwa init --check: ${summary}: ${errors} error(s), ${warnings} warning(s)\n`);
  return errors > 0 ? 1 : 0;
}
