/**
 * Where s6-overlay keeps things, so that scripts written for it find them at the same places under nuwa.
 * The configuration side depends on S6_RUNTIME_PROFILE (a profile reads /etc/cont-profile.d/<profile>/… instead of
 * /etc/…); the run-time side is fixed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OverlaySettings } from './settings';

export const RUN = '/run';
export const S6_RUN = '/run/s6';
/** The scan directory: one entry per supervised service (s6-overlay v3's /run/service). */
export const SCANDIR = '/run/service';
/** Envdir dump of the container's environment, read by with-contenv and printcontenv. */
export const CONTAINER_ENV = '/run/s6/container_environment';
/** Exit code of the container, written by CMD's end or by a user's finish script before it calls halt. */
export const RESULTS_DIR = '/run/s6-linux-init-container-results';
export const EXITCODE_FILE = '/run/s6-linux-init-container-results/exitcode';
/** The image's WORKDIR, recorded at boot: CMD runs there. */
export const WORKDIR_FILE = '/run/s6/workdir';
/** Where `halt`, `poweroff` and `reboot` live for scripts that call them (s6-overlay: /run/s6/basedir/bin/halt). */
export const BASEDIR_BIN = '/run/s6/basedir/bin';
/** PID of CMD while it runs and S6_CMD_RECEIVE_SIGNALS is set. */
export const CMDPID_FILE = '/run/s6/cmdpid';
/** Live copies of the s6-rc longruns (s6-rc-init's servicedirs), linked from SCANDIR. */
export const RC_SERVICEDIRS = '/run/s6-rc/servicedirs';
/** FIFOs that join an s6-rc pipeline's producers to their consumer. */
export const RC_PIPES = '/run/s6-rc/pipes';
/** Live copies of /etc/services.d (s6-overlay: /run/s6/legacy-services). */
export const LEGACY_SERVICES = '/run/s6/legacy-services';
/**
 * s6-overlay v2's paths that v2 scripts still name (17 of 151 surveyed images): /var/run/s6/services (the scan dir:
 * `s6-svscanctl -t /var/run/s6/services` in a finish script) and /var/run/s6/etc (v2's copy of /etc's s6 folders).
 * s6-overlay v3 dropped them; nuwa links them (/var/run is /run) so those scripts do what their authors meant.
 */
export const V2_LINKS: readonly [link: string, target: string][] = [
  ['/run/s6/services', '/run/service'],
  ['/run/s6/etc', '/etc'],
];
/** The catch-all logger's directory (S6_LOGGING=1 or 2). */
export const UNCAUGHT_LOGS = '/run/uncaught-logs';
/** nuwa init's own control FIFO: `halt`, `poweroff` and `reboot` write one letter to it. */
export const INIT_CONTROL = '/run/s6/nuwa-init-control';
/** nuwa init's s6-rc request FIFO: the `s6-rc` applet writes one request line to it (see rc-requests.ts). */
export const RC_REQUESTS = '/run/s6/nuwa-rc-requests';
/** Each `s6-rc` call makes its own reply FIFO in S6_RUN, named this prefix + its pid. */
export const RC_REPLY_PREFIX = 'nuwa-rc-reply.';

/** The configuration directories, honouring S6_RUNTIME_PROFILE and S6_RUNTIME_BUNDLEDIR. */
export interface ConfigDirs {
  /** /etc or /etc/cont-profile.d/<profile> */
  etc: string;
  /** <etc>/s6-overlay/s6-rc.d */
  rcSource: string;
  /** <etc>/s6-overlay/user-bundles.d (or S6_RUNTIME_BUNDLEDIR) */
  bundles: string;
  contInit: string;
  contFinish: string;
  services: string;
  fixAttrs: string;
}

export function configDirs(settings: Pick<OverlaySettings, 'runtimeProfile' | 'runtimeBundleDir'>, root = '/'): ConfigDirs {
  const etc = settings.runtimeProfile ? path.join(root, 'etc/cont-profile.d', settings.runtimeProfile) : path.join(root, 'etc');
  return {
    etc,
    rcSource: path.join(etc, 's6-overlay/s6-rc.d'),
    bundles: settings.runtimeBundleDir ? path.join(root, settings.runtimeBundleDir) : path.join(etc, 's6-overlay/user-bundles.d'),
    contInit: path.join(etc, 'cont-init.d'),
    contFinish: path.join(etc, 'cont-finish.d'),
    services: path.join(etc, 'services.d'),
    fixAttrs: path.join(etc, 'fix-attrs.d'),
  };
}

/** Whether `root` holds an s6-overlay configuration: then `nuwa init` boots it instead of acting as plain tini. */
export function hasOverlayTree(root = '/'): boolean {
  const etc = path.join(root, 'etc');
  return ['s6-overlay', 'cont-init.d', 'cont-finish.d', 'services.d', 'fix-attrs.d', 'cont-profile.d'].some((name) => {
    try {
      return fs.statSync(path.join(etc, name)).isDirectory();
    } catch {
      return false;
    }
  });
}
