/** Name → builtin, for the chain (names.ts lists the same names for main.ts). */
import type { Builtin } from './chain';
import { execlineb } from './execlineb';
import { background, exec, exit, foreground, ifBuiltin, ifelse, loopwhilex } from './builtins/control';
import { wait } from './builtins/wait';
import { fdclose, fdmove, fdreserve, heredoc, piperw, pipeline, redirfd } from './builtins/descriptors';
import { cd, emptyenv, exportBuiltin, unexport } from './builtins/environment';
import { caseBuiltin } from './builtins/case';
import { eltest } from './builtins/eltest';
import { elglob } from './builtins/glob';
import { trap } from './builtins/trap';
import { forstdin, forx } from './builtins/loops';
import { backtick, define, getcwd, importas, multidefine, multisubstitute, withstdinas } from './builtins/substitution';
import type { EXECLINE_PROGRAMS } from './names';

export const BUILTINS: Record<(typeof EXECLINE_PROGRAMS)[number], Builtin> = {
  execlineb,
  importas,
  if: ifBuiltin,
  foreground,
  fdmove,
  exec,
  export: exportBuiltin,
  redirfd,
  background,
  define,
  multisubstitute,
  backtick,
  ifelse,
  unexport,
  cd,
  forx,
  getcwd,
  exit,
  emptyenv,
  piperw,
  pipeline,
  withstdinas,
  heredoc,
  fdclose,
  fdreserve,
  wait,
  loopwhilex,
  forstdin,
  multidefine,
  eltest,
  case: caseBuiltin,
  elglob,
  trap,
};
