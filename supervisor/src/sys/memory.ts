/**
 * Keeping a long-running nuwa small at rest. Three things grow while it works and do not shrink by themselves once
 * it is quiet: V8's heap (garbage left in old space, a young generation grown during start-up; V8 gives pages back only
 * in a memory-reducing collection, which nothing starts in a process that allocates little), glibc's arenas (one per
 * thread that allocated; freed chunks stay resident) and the pages of the executable that start-up touched. Once
 * start-up has settled, and again once a burst of child exits is over, all three are given back.
 *
 * Measured (bench footprint, 10 services at rest after 1,000 crash-restarts): 26 MB anonymous before, 17 after; the
 * collection is the most, the arenas ~2.5 MB (bench/README.md, "Memory at rest"). A release blocks the event loop for one full
 * collection (~10 ms on an idle core), only when no child has exited for QUIET_MS, at most once per MIN_GAP_MS.
 */
import { logger } from './logger';
import { native } from './native';
import { reaper } from './reaper';
import { after, type Timer } from './timer';

/** Start-up: the services are spawned and the first readiness lines read well before this. */
const SETTLE_MS = 3000;
/** A burst of exits is over once no child has exited for this long. */
const QUIET_MS = 500;
/** Exits since the last release that make a burst worth one: a lone restart leaves little behind. */
const BURST = 50;
/** A crash loop that pauses now and then costs at most one release per this long. */
const MIN_GAP_MS = 30_000;

const log = logger('memory');

type GcOptions = { type: 'major'; flavor: 'last-resort'; execution: 'sync' };

/**
 * V8's collection that returns memory: several full rounds with compaction, the young generation shrunk to its
 * initial size, empty pages unmapped. Node offers it only as `gc()` under --expose-gc; the flag, set at run time,
 * takes effect in contexts created after it, so a throw-away context lends its `gc` (collected with the next one).
 */
function collectAllGarbage(): void {
  // required here, not at the top: tools never release memory, and each start would pay for loading them
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const v8 = require('node:v8') as typeof import('node:v8');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vm = require('node:vm') as typeof import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as (options: GcOptions) => void;
  v8.setFlagsFromString('--no-expose-gc');
  gc({ type: 'major', flavor: 'last-resort', execution: 'sync' });
}

/** Heap first (its collection frees malloc'd side tables), then the arenas, then the executable's pages. */
function release(): void {
  try {
    collectAllGarbage();
  } catch (err) {
    log.debug(`cannot collect V8's garbage: ${(err as Error).message}`);
  }
  try {
    native().trimMalloc();
    if (native().releaseExecutablePages() < 0) log.debug("the executable's pages cannot be released: they stay resident");
  } catch (err) {
    log.debug(`cannot release memory: ${(err as Error).message}`);
  }
}

let exitsSinceRelease = BURST; // start-up counts as a burst
let lastExit = 0;
let lastRelease = -Infinity;
let pending: Timer | undefined;

function check(): void {
  pending = undefined;
  const wait = Math.max(lastExit + QUIET_MS, lastRelease + MIN_GAP_MS) - Date.now();
  if (wait > 0) {
    pending = after(wait, check, { unref: true });
    return;
  }
  exitsSinceRelease = 0;
  lastRelease = Date.now();
  release();
}

function noteExit(): void {
  lastExit = Date.now();
  if (++exitsSinceRelease >= BURST) pending ??= after(QUIET_MS, check, { unref: true });
}

/** Releases memory once start-up has settled, then after each burst of child exits (no polling: timers armed by exits). */
export function keepSmallAtRest(): void {
  pending ??= after(SETTLE_MS, check, { unref: true });
  reaper.on('exit', noteExit);
}
