/**
 * s6-log's logging script: directives in argv order, compiled to a list of actions, each with the selection steps
 * before it and a snapshot of the control settings in force when it was written (control directives are sticky,
 * the timestamps `t` and `T` are not: they apply to the next action only).
 *
 * nuwa adds one action, `@TAG`: forward the selected lines to syslog tagged TAG (`@` alone: the service's name).
 */
import { UsageError } from '../cli/errors';

export interface LogdirSettings {
  /** `n`: archived files kept. */
  keep: number;
  /** `s`: rotate when current approaches this many bytes. */
  maxSize: number;
  /** `S`: total bytes of archives kept (0: no limit). */
  maxTotal: number;
  /** `l`: rotate once current is within this many bytes of `maxSize`. */
  tolerance: number;
  /** `r`: ms between retries after an error. */
  cooldownMs: number;
  /** `!` / `?`: the processor run on each rotated file, or undefined. */
  processor: Processor | undefined;
}

export interface Processor {
  /** `!`: execlineb -Pc; `?`: /bin/sh -c. */
  interpreter: 'execline' | 'sh';
  command: string;
}

export interface Stamps {
  tai64n: boolean;
  iso: boolean;
}

export type Action =
  | { kind: 'logdir'; dir: string; settings: LogdirSettings }
  | { kind: 'stdout' }
  | { kind: 'alert'; size: number }
  | { kind: 'status'; file: string; size: number }
  | { kind: 'syslog'; tag: string | undefined };

export type Selector = { kind: 'plus' | 'minus'; re: RegExp } | { kind: 'fallback' };

export interface Step {
  selectors: Selector[];
  action: Action;
  stamps: Stamps;
  /** `p`: text put before each line, after the timestamps. */
  prefix: string;
}

export interface Script {
  steps: Step[];
  /** Directives after the last action (s6-log warns about them). */
  trailing: string[];
}

export const DEFAULTS: LogdirSettings = {
  keep: 10,
  maxSize: 99999,
  maxTotal: 0,
  tolerance: 2000,
  cooldownMs: 2000,
  processor: undefined,
};

/** POSIX bracket classes have no JS spelling: translate the ones ERE users write. */
const CLASSES: Record<string, string> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: '0-9A-Za-z',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
  cntrl: '\\x00-\\x1f\\x7f',
  print: '\\x20-\\x7e',
  graph: '\\x21-\\x7e',
};

export function compileRegexp(source: string, directive: string): RegExp {
  const translated = source.replace(/\[:([a-z]+):\]/g, (whole, name: string) => CLASSES[name] ?? whole);
  try {
    return new RegExp(translated);
  } catch (err) {
    throw new UsageError(`invalid regular expression in directive '${directive}': ${(err as Error).message}`);
  }
}

function number(directive: string, min: number, max: number): number {
  const text = directive.slice(1);
  if (!/^\d+$/.test(text)) throw new UsageError(`directive '${directive}': '${text}' is not a number`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`directive '${directive}': must be between ${min} and ${max}`);
  return value;
}

/** What the directives read so far leave in force, and the steps compiled from them. */
interface ParseState {
  steps: Step[];
  /** Sticky control directives: each action gets the values in force when it is written. */
  settings: LogdirSettings;
  alertSize: number;
  statusSize: number;
  prefix: string;
  /** Selection and timestamps gathered for the next action only. */
  selectors: Selector[];
  stamps: Stamps;
  /** Directives since the last action: what is left at the end is `trailing`. */
  pending: string[];
}

export function parseScript(directives: readonly string[]): Script {
  const state: ParseState = {
    steps: [],
    settings: { ...DEFAULTS },
    alertSize: 200,
    statusSize: 1001,
    prefix: '',
    selectors: [],
    stamps: { tai64n: false, iso: false },
    pending: [],
  };
  for (const directive of directives) {
    state.pending.push(directive);
    const known = selectionDirective(state, directive) || controlDirective(state, directive) || actionDirective(state, directive);
    if (!known) throw new UsageError(`unknown directive '${directive}'`);
  }
  if (state.steps.length === 0) throw new UsageError('the logging script has no action directive (e.g. a logdir such as /var/log/app)');
  checkLogdirsUnique(state.steps);
  return { steps: state.steps, trailing: state.pending };
}

/** `+re`, `-re`, `f`: selection for the next action. False when `directive` is not one of them. */
function selectionDirective(state: ParseState, directive: string): boolean {
  const head = directive[0];
  const rest = directive.slice(1);
  switch (head) {
    case '+':
    case '-':
      state.selectors.push({ kind: head === '+' ? 'plus' : 'minus', re: compileRegexp(rest, directive) });
      return true;
    case 'f':
      if (rest !== '') throw new UsageError(`unknown directive '${directive}'`);
      state.selectors.push({ kind: 'fallback' });
      return true;
    default:
      return false;
  }
}

/**
 * Control directives: logdir settings, alert and status sizes, prefix (sticky), timestamps (next action only).
 * `settings` is replaced, never changed in place: the steps already compiled keep their snapshot.
 * False when `directive` is not one of them.
 */
function controlDirective(state: ParseState, directive: string): boolean {
  const head = directive[0];
  const rest = directive.slice(1);
  switch (head) {
    case 'n':
      state.settings = { ...state.settings, keep: number(directive, 0, 1_000_000) };
      return true;
    case 's':
      state.settings = { ...state.settings, maxSize: number(directive, 4096, 268435455) };
      return true;
    case 'S':
      state.settings = { ...state.settings, maxTotal: number(directive, 0, Number.MAX_SAFE_INTEGER) };
      return true;
    case 'l':
      state.settings = { ...state.settings, tolerance: number(directive, 0, Number.MAX_SAFE_INTEGER) };
      return true;
    case 'r':
      state.settings = { ...state.settings, cooldownMs: number(directive, 0, 86_400_000) };
      return true;
    case 'E':
      state.alertSize = number(directive, 0, Number.MAX_SAFE_INTEGER);
      return true;
    case '^':
      state.statusSize = number(directive, 0, Number.MAX_SAFE_INTEGER);
      return true;
    case 'p':
      state.prefix = rest;
      return true;
    case '!':
    case '?':
      state.settings = {
        ...state.settings,
        processor: rest === '' ? undefined : { interpreter: head === '!' ? 'execline' : 'sh', command: rest },
      };
      return true;
    case 't':
    case 'T':
      if (rest !== '') throw new UsageError(`unknown directive '${directive}'`);
      state.stamps = { ...state.stamps, [head === 't' ? 'tai64n' : 'iso']: true };
      return true;
    default:
      return false;
  }
}

/** Action directives: `1`, `2`/`e`, `=file`, a logdir, `@TAG`. False when `directive` is not one of them. */
function actionDirective(state: ParseState, directive: string): boolean {
  const head = directive[0];
  const rest = directive.slice(1);
  switch (head) {
    case '1':
      if (rest !== '') throw new UsageError(`unknown directive '${directive}'`);
      act(state, { kind: 'stdout' });
      return true;
    case '2':
    case 'e':
      if (rest !== '') throw new UsageError(`unknown directive '${directive}'`);
      act(state, { kind: 'alert', size: state.alertSize });
      return true;
    case '=':
      if (rest === '') throw new UsageError(`directive '=' needs a file name`);
      act(state, { kind: 'status', file: rest, size: state.statusSize });
      return true;
    case '/':
    case '.':
      // s6-log refuses a tolerance above half the size when the logdir is declared; so do we.
      if (state.settings.tolerance > state.settings.maxSize / 2) {
        throw new UsageError(
          `logdir '${directive}': tolerance l${state.settings.tolerance} is more than half of s${state.settings.maxSize}`,
        );
      }
      act(state, { kind: 'logdir', dir: directive, settings: state.settings });
      return true;
    case '@':
      act(state, { kind: 'syslog', tag: rest === '' ? undefined : rest });
      return true;
    default:
      return false;
  }
}

/** Compiles one step; the selection and timestamps start afresh for the next action. */
function act(state: ParseState, action: Action): void {
  state.steps.push({ selectors: state.selectors, action, stamps: state.stamps, prefix: state.prefix });
  state.selectors = [];
  state.stamps = { tai64n: false, iso: false };
  state.pending = [];
}

function checkLogdirsUnique(steps: readonly Step[]): void {
  for (const step of steps) {
    if (step.action.kind !== 'logdir') continue;
    const dir = step.action.dir;
    if (steps.filter((s) => s.action.kind === 'logdir' && s.action.dir === dir).length > 1) {
      throw new UsageError(`logdir '${dir}' appears twice in the script`);
    }
  }
}

/**
 * s6-log's selection walk for one line: the selected flag carries over from one action to the next; `f` selects
 * exactly the lines no action took so far. Returns the indexes of the steps that take the line.
 */
export function selectSteps(steps: readonly Step[], text: string): number[] {
  const taken: number[] = [];
  let selected = true;
  for (let i = 0; i < steps.length; i++) {
    for (const selector of (steps[i] as Step).selectors) {
      if (selector.kind === 'fallback') selected = taken.length === 0;
      else if (selector.kind === 'plus') selected ||= selector.re.test(text);
      else selected &&= !selector.re.test(text);
    }
    if (selected) taken.push(i);
  }
  return taken;
}
