/**
 * A supervisor at rest gives back what start-up left behind (sys/memory.ts): once start-up has settled, its heap
 * garbage and malloc's free arenas leave its anonymous memory, and the pages of the executable start-up touched leave
 * its RSS; after a burst of restarts, once no child has exited for a moment, the same again. What a host running many
 * containers pays for each one's PID 1.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir, waitFor } from '../helpers';
import { run, startScanner, waitUp, writeService } from '../helpers/s6';

function rssKB(pid: number, field: 'RssAnon' | 'RssFile'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
}

test('once start-up has settled, nuwa svscan gives back heap garbage, free malloc arenas and executable pages', async (t) => {
  const scandir = tempDir('nuwa-memory-');
  const dir = writeService(path.join(scandir, 'sleeper'), { run: 'exec sleep 1000' });
  const scanner = await startScanner('nuwa', scandir);
  try {
    const pid = scanner.process.pid as number;
    await waitUp(dir, true);
    const anonAtStart = rssKB(pid, 'RssAnon');
    const fileAtStart = rssKB(pid, 'RssFile');
    // measured: ~17 MB anonymous and 43–70 MB of file pages before, ~14 MB and 11–36 MB after (where the page cache
    // holds the executable in 2 MB folios, each page used again maps its whole folio back: a coarser drop)
    await waitFor('the anonymous memory to shrink by 2 MB', () => rssKB(pid, 'RssAnon') < anonAtStart - 2048, {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    await waitFor("the executable's pages to leave its RSS", () => rssKB(pid, 'RssFile') < fileAtStart - 16 * 1024, {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    t.is(scanner.process.exitCode, null);
  } finally {
    await scanner.stop();
  }
});

test('after a burst of crash-restarts, once no child has exited for a moment, nuwa svscan gives its memory back', async (t) => {
  const scandir = tempDir('nuwa-memory-');
  const starts = path.join(tempDir(), 'starts');
  // restarted at once however short its run (nuwa's back-off would otherwise space the deaths out)
  const dir = writeService(path.join(scandir, 'crashy'), {
    run: `echo x >> ${starts}\nexit 1`,
    files: { 'nuwa-restart-min-uptime': '0\n' },
  });
  const count = () => (fs.existsSync(starts) ? fs.statSync(starts).size / 2 : 0);
  const scanner = await startScanner('nuwa', scandir);
  try {
    const pid = scanner.process.pid as number;
    // releases are at least 30 s apart (the first one follows start-up): the loop runs past that, with 50+ exits
    await waitFor('the first restarts', () => count() >= 10, { timeoutMs: 60_000 });
    const loopFrom = Date.now();
    await waitFor('35 s of crash loop', () => Date.now() - loopFrom > 35_000 && count() >= 60, { timeoutMs: 120_000, intervalMs: 500 });
    t.is(run('s6-svc', ['-d', dir]).status, 0);
    await waitUp(dir, false);
    const anonAtLoopEnd = rssKB(pid, 'RssAnon');
    // measured: ~20 MB anonymous after such a loop, ~16 MB once given back
    await waitFor('the anonymous memory to shrink by 2 MB', () => rssKB(pid, 'RssAnon') < anonAtLoopEnd - 2048, {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    t.is(scanner.process.exitCode, null);
  } finally {
    await scanner.stop();
  }
});
