// The executable's first instructions, before Node's own (scripts/sea.js runs this on dist/nuwa as its last step).
//
// Three things must happen before Node's main(), where no option, SEA setting, addon or line of JavaScript can act:
// - Node raises its soft RLIMIT_NOFILE to the hard limit as the first thing its main() does and keeps no note of the
//   value it replaced: every child would inherit the raised limit (tini and s6 pass on the one they were given). The
//   stub saves the limits as the kernel handed them over (STORE_SIZE bytes of the data segment's last, zero-filled
//   page, past .bss and before the heap); the addon finds them through AT_ENTRY (supervisor/native/start.c,
//   start_nofile) after checking the stub's first bytes, and gives them back.
// - Node marks every inherited descriptor close-on-exec and opens its own beside them: the stub notes in the same
//   store which of descriptors 0-63 were open at exec, what an in-process execline chain passes on (execline/fds.ts).
// - Node hangs for ever (or aborts) when it cannot create its threads under a low process limit: the stub makes sure
//   they can be created, else says so in one line and exits 111 (docs/faults.md).
// The code is supervisor/native/start_stub.S, assembled here (gcc, ld) at the address it gets: the unused tail of an
// executable segment's last page. Its end jumps to Node's own entry.
//
// x86-64 executables of type EXEC (the official Node builds) only: for anything else the build says so and nuwa
// keeps Node's behaviour (the raised limit, and the hang).
'use strict';
const { Buffer } = require('node:buffer');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const PT_LOAD = 1;
const PF_X = 1;
const PF_W = 2;
const PAGE = 4096;
/** The store's bytes: RLIMIT_NOFILE (soft, hard), the mask of descriptors open at exec, how many were checked. */
const STORE_SIZE = 32;
const SOURCE = path.join(__dirname, '../supervisor/native/start_stub.S');
/** The stub's first 17 bytes (push rdx; prlimit64 up to `movabs r10,`), then the store's address: what the addon checks. */
const SIGNATURE = Buffer.from([0x52, 0xb8, 0x2e, 0x01, 0x00, 0x00, 0x31, 0xff, 0xbe, 0x07, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x49, 0xba]);

const hex = (n) => `0x${n.toString(16)}`;
const run = (file, args) => execFileSync(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });

/**
 * start_stub.S assembled in `dir` once; link(at, entry, store) gives its bytes placed at `at`: only .text, whatever
 * else a toolchain adds (an x86 ISA property note, say).
 */
function assembler(dir) {
  const object = path.join(dir, 'start_stub.o');
  const linked = path.join(dir, 'start_stub.elf');
  const flat = path.join(dir, 'start_stub.bin');
  run('gcc', ['-c', '-Wa,--fatal-warnings', '-o', object, SOURCE]);
  return (at, entry, store) => {
    const defs = [`--defsym=node_entry=${hex(entry)}`, `--defsym=start_store=${hex(store)}`];
    run('ld', ['-static', `-Ttext=${hex(at)}`, ...defs, '-o', linked, object]);
    run('objcopy', ['-O', 'binary', '--only-section=.text', linked, flat]);
    const code = fs.readFileSync(flat);
    for (const file of [linked, flat]) fs.rmSync(file, { force: true });
    return code;
  };
}

function programHeaders(elf) {
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const size = elf.readUInt16LE(0x36);
  return Array.from({ length: elf.readUInt16LE(0x38) }, (_, i) => {
    const at = phoff + i * size;
    const num = (off) => Number(elf.readBigUInt64LE(at + off));
    return {
      at,
      type: elf.readUInt32LE(at),
      flags: elf.readUInt32LE(at + 4),
      offset: num(8),
      vaddr: num(16),
      filesz: num(32),
      memsz: num(40),
    };
  });
}

function sectionRanges(elf) {
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const size = elf.readUInt16LE(0x3a);
  const ranges = [[shoff, shoff + size * elf.readUInt16LE(0x3c)]];
  for (let i = 0; i < elf.readUInt16LE(0x3c); i++) {
    const at = shoff + i * size;
    if (elf.readUInt32LE(at + 4) === 8) continue; // SHT_NOBITS (.bss) has no bytes in the file
    const offset = Number(elf.readBigUInt64LE(at + 0x18));
    ranges.push([offset, offset + Number(elf.readBigUInt64LE(at + 0x20))]);
  }
  return ranges;
}

const overlaps = (a0, a1, b0, b1) => a0 < b1 && b0 < a1;
const pageEnd = (n) => Math.ceil(n / PAGE) * PAGE;

/**
 * Patches the ELF in `elf` (a Buffer, changed in place), assembling the stub in `dir`. Returns undefined when done,
 * else why it cannot be.
 */
function addStartLimitsStub(elf, dir) {
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) return 'not a 64-bit ELF file';
  if (elf.readUInt16LE(0x12) !== 0x3e || elf.readUInt16LE(0x10) !== 2) return 'not an x86-64 executable of type EXEC';
  let link;
  try {
    link = assembler(dir);
  } catch (err) {
    return `cannot assemble ${path.relative(process.cwd(), SOURCE)}: ${String(err.stderr || err.message).trim()}`;
  }
  const length = link(0, 0, 0).length;
  const loads = programHeaders(elf).filter((p) => p.type === PT_LOAD);
  // the code: in the unused tail of an executable segment's last page, where no other segment and no section lies
  const host = loads.find((p) => {
    const end = p.offset + p.filesz;
    if (!(p.flags & PF_X) || p.filesz !== p.memsz || end + length > pageEnd(end)) return false;
    if (loads.some((q) => q !== p && overlaps(end, end + length, q.offset, q.offset + q.filesz))) return false;
    if (sectionRanges(elf).some(([a, b]) => overlaps(end, end + length, a, b))) return false;
    return elf.subarray(end, end + length).every((b) => b === 0);
  });
  if (!host) return `no executable segment has ${length} unused bytes in its last page`;
  // the store: the data segment's last page past its end (zero-filled by the kernel, below the heap's start)
  const data = loads.filter((p) => p.flags & PF_W).sort((a, b) => b.vaddr + b.memsz - (a.vaddr + a.memsz))[0];
  const store = data && Math.ceil((data.vaddr + data.memsz) / 16) * 16;
  if (!data || store + STORE_SIZE > pageEnd(data.vaddr + data.memsz)) return `no room for ${STORE_SIZE} bytes past the data segment`;
  if (loads.some((q) => q !== data && overlaps(store, store + STORE_SIZE, q.vaddr, pageEnd(q.vaddr + q.memsz))))
    return 'the data segment is followed at once';

  const at = host.vaddr + host.filesz;
  const code = link(at, Number(elf.readBigUInt64LE(0x18)), store);
  if (code.length !== length || !code.subarray(0, 17).equals(SIGNATURE) || code.readBigUInt64LE(17) !== BigInt(store))
    return 'the assembled stub does not start as the addon expects (supervisor/native/start.c, start_nofile)';
  code.copy(elf, host.offset + host.filesz);
  elf.writeBigUInt64LE(BigInt(host.filesz + length), host.at + 32);
  elf.writeBigUInt64LE(BigInt(host.memsz + length), host.at + 40);
  elf.writeBigUInt64LE(BigInt(at), 0x18);
  return undefined;
}

module.exports = { addStartLimitsStub };
