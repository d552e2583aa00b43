// The executable's first instructions, before Node's own (scripts/build.js runs this on dist/nuwa as its last step).
//
// Node raises its soft RLIMIT_NOFILE to the hard limit as the first thing its main() does, before any option, SEA
// setting, addon or line of JavaScript can act, and keeps no note of the value it replaced: every child would inherit
// the raised limit (tini and s6 pass on the one they were given). So the executable's ELF entry point is moved to 33
// bytes of code that save the limits as the kernel handed them over (prlimit64 into 16 bytes of the data segment's
// last, zero-filled page, past .bss and before the heap), then jump to Node's own entry. The addon finds them through
// AT_ENTRY (supervisor/native/nuwa_native.c, start_nofile) after checking these bytes, and gives them back.
//
// x86-64 executables of type EXEC (the official Node builds) only: for anything else the build says so and nuwa
// keeps Node's raised limit.
'use strict';
const { Buffer } = require('node:buffer');

const PT_LOAD = 1;
const PF_X = 1;
const PF_W = 2;
const PAGE = 4096;

/** The code, with the store's address and the jump's displacement filled in. Its first 17 bytes are the signature the addon checks. */
function stubCode(at, store, entry) {
  const code = Buffer.from([
    0x52, // push rdx              (ld.so's finaliser for _start)
    0xb8,
    0x2e,
    0x01,
    0x00,
    0x00, // mov eax, 302 (prlimit64)
    0x31,
    0xff, // xor edi, edi    (this process)
    0xbe,
    0x07,
    0x00,
    0x00,
    0x00, // mov esi, 7 (RLIMIT_NOFILE)
    0x31,
    0xd2, // xor edx, edx    (no new limit)
    0x49,
    0xba,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0, // movabs r10, store (old limit written here)
    0x0f,
    0x05, // syscall
    0x5a, // pop rdx
    0xe9,
    0,
    0,
    0,
    0, // jmp entry
  ]);
  code.writeBigUInt64LE(BigInt(store), 17);
  code.writeInt32LE(entry - (at + code.length), code.length - 4);
  return code;
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

/** Patches the ELF in `elf` (a Buffer, changed in place). Returns undefined when done, else why it cannot be. */
function addStartLimitsStub(elf) {
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) return 'not a 64-bit ELF file';
  if (elf.readUInt16LE(0x12) !== 0x3e || elf.readUInt16LE(0x10) !== 2) return 'not an x86-64 executable of type EXEC';
  const loads = programHeaders(elf).filter((p) => p.type === PT_LOAD);
  const length = 33;
  // the code: in the unused tail of an executable segment's last page, where no other segment and no section lies
  const host = loads.find((p) => {
    const end = p.offset + p.filesz;
    if (!(p.flags & PF_X) || p.filesz !== p.memsz || end + length > pageEnd(end)) return false;
    if (loads.some((q) => q !== p && overlaps(end, end + length, q.offset, q.offset + q.filesz))) return false;
    if (sectionRanges(elf).some(([a, b]) => overlaps(end, end + length, a, b))) return false;
    return elf.subarray(end, end + length).every((b) => b === 0);
  });
  if (!host) return 'no executable segment has 33 unused bytes in its last page';
  // the store: the data segment's last page past its end (zero-filled by the kernel, below the heap's start)
  const data = loads.filter((p) => p.flags & PF_W).sort((a, b) => b.vaddr + b.memsz - (a.vaddr + a.memsz))[0];
  const store = data && Math.ceil((data.vaddr + data.memsz) / 16) * 16;
  if (!data || store + 16 > pageEnd(data.vaddr + data.memsz)) return 'no room for 16 bytes past the data segment';
  if (loads.some((q) => q !== data && overlaps(store, store + 16, q.vaddr, pageEnd(q.vaddr + q.memsz))))
    return 'the data segment is followed at once';

  const at = host.vaddr + host.filesz;
  const entry = Number(elf.readBigUInt64LE(0x18));
  stubCode(at, store, entry).copy(elf, host.offset + host.filesz);
  elf.writeBigUInt64LE(BigInt(host.filesz + length), host.at + 32);
  elf.writeBigUInt64LE(BigInt(host.memsz + length), host.at + 40);
  elf.writeBigUInt64LE(BigInt(at), 0x18);
  return undefined;
}

module.exports = { addStartLimitsStub };
