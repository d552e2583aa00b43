/**
 * Bad trees (test/fixtures/overlay/broken): a dependency cycle, a missing dependency, an unknown type, a shell script
 * in a oneshot's up file, a run with CRLF endings, a services.d run without #!, a non-executable cont-init script.
 * Each problem is one line naming its file, printed before anything starts; the broken services (and what names them
 * as dependencies) stay down, the rest boots, and S6_BEHAVIOUR_IF_STAGE2_FAILS decides what happens next.
 * `nuwa init --check` prints every problem at once and exits 1. An s6-rc longrun whose run has no execute bit is not
 * broken: s6-rc-compile copies run with mode 0755, so it starts, with a note.
 */
import test from 'ava';
import { boot, lineIndex, makeRoot } from './harness';

/** One line per problem, each naming the file at fault. */
const PROBLEMS: [file: string, what: RegExp][] = [
  ['/etc/s6-overlay/s6-rc.d/a/dependencies.d', /dependency cycle: a -> b -> c -> a/],
  ['/etc/s6-overlay/s6-rc.d/lonely/dependencies.d/ghost', /'lonely' depends on 'ghost', which is not defined anywhere/],
  ['/etc/s6-overlay/s6-rc.d/weird/type', /unknown type "daemon": expected oneshot, longrun or bundle/],
  [
    '/etc/s6-overlay/s6-rc.d/shelly/up',
    /looks like a shell script \(line 1 is a #! line \(#!\/bin\/bash\).*put the script in an executable file/,
  ],
  ['/etc/s6-overlay/s6-rc.d/crlf/run', /has Windows \(CRLF\) line endings/],
  ['/etc/services.d/noshebang/run', /has no #! line/],
];

const NOEXEC_NOTE =
  /warning: \/etc\/s6-overlay\/s6-rc\.d\/noexec\/run: is not executable \(mode 0644\): run with mode 0755, as s6-rc-compile would/;

test('every problem is reported before anything starts, one line each; the rest boots and CMD runs (policy 0)', async (t) => {
  const { code, output } = await boot(makeRoot('broken'), ['sh', '-c', 'echo "CMD ran"; exit 4']).finished;
  t.is(code, 4, output);
  const firstStart = lineIndex(output, 'service fine: starting');
  for (const [file, what] of PROBLEMS) {
    const line = output.split('\n').find((l) => l.includes(`${file}: `)) ?? '';
    t.regex(line, what, `${file}\n${output}`);
    t.true(lineIndex(output, `${file}: `) < firstStart, `${file} reported before the boot`);
  }
  t.regex(output, /'needs-a' will not start: it depends on 'a', which cannot start/);
  t.regex(output, NOEXEC_NOTE);
  t.regex(output, /service noexec successfully started/);
  t.regex(output, /\/etc\/cont-init\.d\/01-noexec: is not executable/);
  t.regex(output, /fine: up\n/);
  t.regex(output, /cont-init 02-ok: runs\n/);
  t.regex(output, /CMD ran\n/);
  t.notRegex(output, /never runs|no shebang|prepared|needs-a: up|a: up/);
});

test('the same tree under S6_BEHAVIOUR_IF_STAGE2_FAILS=2 stops before CMD with exit code 1', async (t) => {
  const { code, output } = await boot(makeRoot('broken'), ['sh', '-c', 'echo "CMD ran"; exit 4'], {
    env: { S6_BEHAVIOUR_IF_STAGE2_FAILS: '2' },
  }).finished;
  t.is(code, 1, output);
  t.regex(output, /stopping the container/);
  t.notRegex(output, /CMD ran/);
});

test('nuwa init --check prints every problem at once and exits 1; a sound tree passes', async (t) => {
  const { code, output } = await boot(makeRoot('broken'), ['--check']).finished;
  t.is(code, 1, output);
  for (const [file, what] of PROBLEMS) t.regex(output, new RegExp(`error: ${file.replace(/[.]/g, '\\.')}: ${what.source}`), output);
  t.regex(output, /error: \/etc\/cont-init\.d\/01-noexec: is not executable/);
  t.regex(
    output,
    /nuwa init --check: 10 s6-rc service\(s\), 2 cont-init\.d, 0 cont-finish\.d, 1 services\.d: 7 error\(s\), 2 warning\(s\)\n/,
  );
  t.regex(output, NOEXEC_NOTE);
  t.notRegex(output, /starting|CMD/); // nothing was started

  const sound = await boot(makeRoot('app'), ['--check']).finished;
  t.is(sound.code, 0, sound.output);
  t.regex(
    sound.output,
    /nuwa init --check: 5 s6-rc service\(s\), 2 cont-init\.d, 1 cont-finish\.d, 1 services\.d: 0 error\(s\), 0 warning\(s\)\n/,
  );
});

test(
  "a run script whose #! names s6-overlay's /command/execlineb: " + 'the check says the image has execlineb elsewhere and how to link it',
  async (t) => {
    const root = makeRoot(undefined, {
      'etc/services.d/daemon/run': { content: '#!/command/execlineb -P\nsleep 1000\n', mode: 0o755 },
    });
    const { code, output } = await boot(root, ['--check']).finished;
    t.is(code, 1, output);
    t.regex(
      output,
      new RegExp(
        'error: /etc/services\\.d/daemon/run: #! interpreter /command/execlineb does not exist in this image ' +
          '\\(the image has /usr/bin/execlineb: link it there, e\\.g\\. ln -s /usr/bin/execlineb /command/execlineb\\)\\n',
      ),
    );
  },
);
