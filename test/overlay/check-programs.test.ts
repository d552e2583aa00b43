/**
 * `nuwa init --check` names each program a script calls that the image lacks, with its file and line: what a #! line
 * chains to (`with-contenv bash`), the first word of an execline script or an `up` file (errors: the exec fails for
 * certain), and s6 / s6-overlay programs shell lines start with (warnings: the line may never run).
 */
import test from 'ava';
import { boot, makeRoot } from './harness';

test('--check reports every program the scripts call that the image lacks, with file and line', async (t) => {
  const root = makeRoot(undefined, {
    'etc/s6-overlay/s6-rc.d/user/type': { content: 'bundle\n' },
    'etc/s6-overlay/s6-rc.d/user/contents.d/web': { content: '' },
    'etc/s6-overlay/s6-rc.d/user/contents.d/init-thing': { content: '' },
    'etc/s6-overlay/s6-rc.d/web/type': { content: 'longrun\n' },
    'etc/s6-overlay/s6-rc.d/web/run': {
      content: '#!/command/with-contenv zsh-not-here\nset -e\ns6-svwait -u /run/service/x\nexec s6-frobnicate -u nginx\n',
      mode: 0o755,
    },
    'etc/s6-overlay/s6-rc.d/web/finish': { content: '#!/bin/sh\n/command/s6-svscanctl -t /run/service\n', mode: 0o755 },
    'etc/s6-overlay/s6-rc.d/init-thing/type': { content: 'oneshot\n' },
    'etc/s6-overlay/s6-rc.d/init-thing/up': { content: '\n/etc/s6-overlay/scripts/missing-script\n' },
    'etc/cont-init.d/10-setup': { content: '#!/bin/sh\nif true; then\n  s6-nosuchtool x\nfi\nexit 0\n', mode: 0o755 },
    'command/s6-svscanctl': { content: '#!/bin/sh\n', mode: 0o755 }, // as install-symlinks gives an image
    'etc/services.d/legacy/run': { content: '#!/usr/bin/execlineb -P\n# comment\nnot-a-program-here arg\n', mode: 0o755 },
    // the real shape: the chain starts with programs every image has, the program it ends with is the one to look up
    'etc/services.d/app/run': {
      content:
        '#!/usr/bin/execlineb -P\nwith-contenv\ns6-setuidgid nobody\nfdmove -c 2 1\nimportas -i HOME HOME\n' +
        'foreground { sh -c "echo starting" }\nif { no-such-prep }\nexec /app/bin/missing-app --home $HOME\n',
      mode: 0o755,
    },
  });
  const { code, output } = await boot(root, ['--check']).finished;
  t.is(code, 1, output);
  const expected = [
    /error: \/etc\/s6-overlay\/s6-rc\.d\/web\/run:1: calls 'zsh-not-here', which this image does not have\n/,
    /warning: \/etc\/s6-overlay\/s6-rc\.d\/web\/run:4: calls 's6-frobnicate', which this image does not have \(on this line/,
    /error: \/etc\/s6-overlay\/s6-rc\.d\/init-thing\/up:2: calls '\/etc\/s6-overlay\/scripts\/missing-script', which this image/,
    /warning: \/etc\/cont-init\.d\/10-setup:3: calls 's6-nosuchtool', which this image does not have/,
    /error: \/etc\/services\.d\/legacy\/run:3: calls 'not-a-program-here', which this image does not have/,
    /warning: \/etc\/services\.d\/app\/run:7: calls 'no-such-prep', which this image does not have/,
    /warning: \/etc\/services\.d\/app\/run:8: calls '\/app\/bin\/missing-app', which this image does not have/,
  ];
  for (const line of expected) t.regex(output, line, output);
  // what the image has (nuwa's applets under /command, /bin/sh) is not reported
  t.notRegex(output, /s6-svwait'|s6-svscanctl'|'set'|'if'|'exit'|'sh'|'nobody'|'HOME'|'fdmove'/, output);
});
