/** The supervisor's own log as `podman logs` shows it: plain lines by default, JSON lines on request. */
import test from 'ava';
import { runAsSubreaper } from '../helpers/pid1';

test('NUWA_LOG_FORMAT=json: init logs one JSON object per line', async (t) => {
  const result = await runAsSubreaper(['/no/such/program'], { NUWA_LOG_FORMAT: 'json' }).finished;
  t.is(result.code, 127);
  const lines = result.stderr.trim().split('\n');
  t.is(lines.length, 1, result.stderr);
  const entry = JSON.parse(lines[0] as string) as Record<string, string>;
  t.like(entry, { level: 'error', component: 'init', message: "cannot run '/no/such/program': not found" });
  t.regex(entry.timestamp ?? '', /^\d{4}-\d\d-\d\dT/);
});

test('S6_VERBOSITY=0 keeps errors and silences warnings', async (t) => {
  const quiet = await runAsSubreaper(['sh', '-c', 'exit 0'], { S6_KILL_GRACETIME: 'soon', S6_VERBOSITY: '0' }).finished;
  t.is(quiet.stderr, '');
  const loud = await runAsSubreaper(['sh', '-c', 'exit 0'], { S6_KILL_GRACETIME: 'soon' }).finished;
  t.is(loud.stderr, 'nuwa init: warning: S6_KILL_GRACETIME="soon" is not a number of milliseconds: using 3000\n');
});
