/** What every step of the boot needs to know: settings, directories, the environment services get, the scanner. */
import type { ConfigDirs } from './paths';
import type { Scanner } from './scanner';
import type { OverlaySettings } from './settings';

export interface BootContext {
  settings: OverlaySettings;
  dirs: ConfigDirs;
  /** The environment of the supervision tree, oneshots and scripts: PATH only, unless S6_KEEP_ENV. */
  treeEnv: NodeJS.ProcessEnv;
  scanner: Scanner;
  /** The image's execlineb, when it has one on PATH (else nuwa's own runs the oneshot lines that need execline). */
  execlineb: string | undefined;
  /** Aborted when the container starts to stop: long boot steps give up. */
  stopping: AbortSignal;
  /** The /etc/services.d services services-up linked into the scan dir (services-down unlinks them). */
  legacyStarted: string[];
}
