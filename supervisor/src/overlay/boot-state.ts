/**
 * The one object the stages of an s6-overlay boot share (overlay/boot.ts runs them): what stage 1 prepared, what
 * stage 2 started, and the halt that ends stage 2 and starts stage 3. Each field says which stage sets it.
 */
import type { ServiceManager } from '../rc/engine';
import type { CatchAll } from './catchall';
import type { BootContext } from './context';
import type { RunningCmd } from './cmd';
import { overlayPath, treeEnvironment } from './container-env';
import type { HaltKind } from './halt';
import type { RcRequestServer } from './rc-requests';
import type { Scanner } from './scanner';
import { readSettings, type OverlaySettings } from './settings';

export class Deferred<T> {
  resolve!: (value: T) => void;
  readonly promise = new Promise<T>((resolve) => (this.resolve = resolve));
}

export class BootState {
  /** The environment /init was started with (the image's ENV and the runtime's -e). */
  readonly original: NodeJS.ProcessEnv;
  /** S6_* settings as the environment gave them, before cont-init scripts could change the container environment. */
  readonly early: OverlaySettings;
  /** s6-overlay's PATH: /command, /usr/bin and /bin in front of the user's. */
  readonly path: string;
  /** Stage 1's environment: the original with s6-overlay's PATH. */
  readonly bootEnv: NodeJS.ProcessEnv;
  /** The environment of the supervision tree, oneshots and scripts: PATH only, unless S6_KEEP_ENV. */
  readonly treeEnv: NodeJS.ProcessEnv;
  /** The directory CMD runs in (s6-overlay keeps it in /run/s6/workdir). */
  readonly workdir = process.cwd();
  /** CMD shares our terminal: the signals a terminal sends to its foreground group reached CMD already. */
  readonly terminal = process.stdin.isTTY === true;
  /** Aborted when the container starts to stop: long boot steps give up. */
  readonly stopping = new AbortController();
  /** Set by the first halt request; later ones change nothing. */
  halting: HaltKind | undefined;
  private readonly halted = new Deferred<HaltKind>();

  /** Stage 1: the catch-all logger (S6_LOGGING 1 or 2) and the server of run-time `s6-rc` calls. */
  catchAll: CatchAll | undefined;
  rcRequests: RcRequestServer | undefined;
  /** Stage 2: the supervision tree's scanner, the s6-rc engine once the tree is read, and CMD while it runs. */
  scanner: Scanner | undefined;
  manager: ServiceManager | undefined;
  /** What every transition of the tree needs (settings, dirs, scanner): set once stage 2 has read the tree. */
  ctx: BootContext | undefined;
  cmd: RunningCmd | undefined;
  /** S6_CMD_RECEIVE_SIGNALS as last read: init's signals go to CMD while it runs. */
  receiveSignals: boolean;
  /** Run-time `s6-rc` calls are served once the boot's own change is over (or stage 2 gave up before it). */
  readonly rcReady = new Deferred<ServiceManager | undefined>();
  /** Undone by stage 3, last first: signal routing, the halt FIFO, the keep-alive timer. */
  readonly cleanups: (() => void)[] = [];

  constructor(original: NodeJS.ProcessEnv) {
    this.original = original;
    this.early = readSettings((name) => original[name]);
    this.path = overlayPath(original.PATH);
    this.bootEnv = { ...original, PATH: this.path };
    this.treeEnv = treeEnvironment(original, this.early.keepEnv, this.path);
    this.receiveSignals = this.early.cmdReceiveSignals;
  }

  /** The halt (from a signal, the halt applet, CMD's exit or a failed stage 2); the first one wins. */
  requestHalt(kind: HaltKind): void {
    if (this.halting) return;
    this.halting = kind;
    this.halted.resolve(kind);
  }

  get halt(): Promise<HaltKind> {
    return this.halted.promise;
  }

  cleanUp(): void {
    for (const undo of this.cleanups.splice(0).reverse()) undo();
  }
}
