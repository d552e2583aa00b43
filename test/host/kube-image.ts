/**
 * A small nuwa app image for the Kubernetes tests: dist/nuwa as /init booting an s6-overlay tree whose one service is
 * busybox's httpd on port 8080 (the app), a VOLUME, and nothing else (no layer chain to build). Its run script logs
 * the SIGTERM it gets, so a test can see nuwa's graceful stop reach the app.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireCommand } from '../helpers';
import { importRootfs, makeRootfs } from '../helpers/minimal-image';
import { nuwaSnapshot } from './host-helpers';

export const APP_PORT = 8080;

export function kubeTestImage(tag: string): string {
  const busybox = requireCommand('busybox', 'busybox-static');
  const root = makeRootfs([], { [nuwaSnapshot()]: '/init' });
  fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
  fs.copyFileSync(busybox, path.join(root, 'bin/busybox')); // static: no libraries to copy
  fs.chmodSync(path.join(root, 'bin/busybox'), 0o755);
  for (const tool of ['sh', 'sleep', 'cat', 'wget', 'ls', 'echo']) fs.symlinkSync('busybox', path.join(root, 'bin', tool));
  fs.symlinkSync('/init', path.join(root, 'bin/nuwa'));
  fs.mkdirSync(path.join(root, 'command'));
  fs.symlinkSync('/init', path.join(root, 'command/with-contenv'));
  const files: Record<string, [string, number]> = {
    'etc/passwd': ['root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n', 0o644],
    'etc/group': ['root:x:0:\nnogroup:x:65534:\n', 0o644],
    'srv/www/index.html': ['hello from the nuwa kube test app\n', 0o644],
    // GREETING comes from nuwa.env through the ConfigMap; the trap shows nuwa's SIGTERM reached the app.
    'etc/services.d/web/run': [
      [
        '#!/command/with-contenv sh',
        'echo "web: GREETING=$GREETING"',
        `busybox httpd -f -p ${APP_PORT} -h /srv/www &`,
        `trap 'echo "web: SIGTERM, stopping"; kill $!; exit 0' TERM`,
        'wait',
        '',
      ].join('\n'),
      0o755,
    ],
  };
  for (const [file, [content, mode]] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content, { mode });
  }
  fs.mkdirSync(path.join(root, 'var/lib/app'), { recursive: true });
  return importRootfs(root, tag, [
    'ENTRYPOINT ["/init"]',
    'ENV PATH=/command:/bin:/usr/bin',
    `LABEL nuwa.port=${APP_PORT}`,
    'VOLUME /var/lib/app',
  ]);
}
