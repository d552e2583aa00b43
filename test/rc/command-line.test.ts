/**
 * Oneshot up/down command lines: nuwa's lexer (used when the image has no execlineb) must split words exactly as
 * Debian's execlineb does — checked against the real execlineb — and shell scripts pasted into `up` must be told
 * apart from the command lines s6-overlay's documentation shows.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { lex } from '../../supervisor/src/execline/lexer';
import { planCommandLine, shellScriptEvidence } from '../../supervisor/src/rc/command-line';
import { selfCommand } from '../../supervisor/src/sys/self';
import { requireCommand } from '../helpers';

const LINES = [
  '/etc/s6-overlay/scripts/init',
  '/etc/s6-overlay/scripts/init --flag=1 two',
  '/bin/sh -c "echo \\"quoted\\" && exit 3"',
  'one "two words" three\\ four',
  'tab\tseparated   and\n  multi-line words',
  '# a comment line\n/usr/bin/x # trailing comment\n"#not a comment"',
  '"escapes: \\t tab \\n newline \\\\ backslash"',
  'mixed"quo"ted and""empty',
];

test('the lexer splits words exactly as execlineb does', (t) => {
  const execlineb = requireCommand('execlineb', 'execline');
  for (const line of LINES) {
    // printf prints each word it is given between brackets: what execlineb passed it, as nuwa's lexer would.
    const real = spawnSync(execlineb, ['-P', '-c', `/usr/bin/printf "[%s]" ${line}`], { encoding: 'utf8' });
    t.is(real.status, 0, `${line}: ${real.stderr}`);
    t.is(
      lex(line)
        .words.map((w) => `[${w}]`)
        .join(''),
      real.stdout,
      JSON.stringify(line),
    );
  }
});

const SHELL_SCRIPTS: [text: string, evidence: RegExp][] = [
  ['#!/bin/bash\nmkdir -p /data\nchown app /data\n', /line 1 is a #! line \(#!\/bin\/bash\)/],
  ['#!/command/with-contenv sh\necho hi\n', /#! line/],
  ['mkdir -p /data && chown app /data\n', /shell operator or keyword '&&'/],
  ['if [ -f /x ]; then echo yes; fi\n', /shell command separator in '\];'|shell 'if' statement/],
  ['echo "today is" $(date)\n', /command substitution in '\$\(date\)'/],
  ['/usr/bin/app > /var/log/app.log\n', /shell redirection '>'/],
  ['/usr/bin/app 2>&1\n', /shell redirection '2>&1'/],
  ['FOO=bar /usr/bin/app\n', /shell variable assignment 'FOO=bar'/],
  ['cat /etc/x | grep y\n', /shell operator or keyword '\|'/],
  ['for f in /etc/*.conf\ndo echo $f\ndone\n', /'do'|shell 'for' statement/],
  ['while true\ndo\n  sleep 1\ndone\n', /shell 'while' statement/],
  ['mkdir -p /data\nfi\n', /shell operator or keyword 'fi'/],
];

const COMMAND_LINES = [
  '/etc/s6-overlay/scripts/init\n',
  '/bin/sh -c "mkdir -p /data && chown app /data > /dev/null"\n',
  'foreground { echo hi } echo there\n',
  'if { test -f /x } echo y\n',
  'with-contenv /etc/s6-overlay/scripts/migrate\n',
  's6-setuidgid app /app/bin/migrate --database=main\n',
  'redirfd -w 1 /dev/null /usr/bin/app\n',
  'importas -i HOME HOME /bin/echo ${HOME}\n',
  '#!/command/execlineb -P\nforeground { echo a } echo b\n',
  'if { redirfd -w 1 /run/app/flag s6-echo init-app done }\nforeground { echo then fi do esac elif }\n',
  '',
];

test('shell scripts in up/down are recognised, with the evidence named', (t) => {
  for (const [text, evidence] of SHELL_SCRIPTS) {
    const found = shellScriptEvidence(text);
    t.truthy(found, JSON.stringify(text));
    t.regex(found ?? '', evidence, JSON.stringify(text));
    const plan = planCommandLine(text, '/etc/s6-overlay/s6-rc.d/x/up', '/usr/bin/execlineb');
    t.is(plan.kind, 'refused');
    if (plan.kind === 'refused') t.regex(plan.reason, /put the script in an executable file .* and write its path in this file/);
  }
});

test('command lines as s6-overlay documents them are accepted', (t) => {
  for (const text of COMMAND_LINES) t.is(shellScriptEvidence(text), undefined, JSON.stringify(text));
});

test("without execlineb on PATH: one command runs directly, blocks and builtins with nuwa's own, an empty file does nothing", (t) => {
  t.deepEqual(planCommandLine('/bin/sh -c "a && b"\n', 'up', undefined), { kind: 'direct', argv: ['/bin/sh', '-c', 'a && b'] });
  t.deepEqual(planCommandLine('\n# nothing\n', 'up', undefined), { kind: 'nothing' });
  const me = selfCommand();
  for (const line of ['foreground { echo hi } echo there', 'importas -i HOME HOME /bin/echo ${HOME}']) {
    t.deepEqual(planCommandLine(line, 'up', undefined), {
      kind: 'execlineb',
      argv: [me.file, ...me.prefix, 'execlineb', '-P', '-c', line],
      argv0: me.argv0,
    });
  }
  t.deepEqual(planCommandLine('foreground { echo hi } echo there', 'up', '/usr/bin/execlineb'), {
    kind: 'execlineb',
    argv: ['/usr/bin/execlineb', '-P', '-c', 'foreground { echo hi } echo there'],
  });
});
