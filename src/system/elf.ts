import { open } from "node:fs/promises";

/**
 * Just enough ELF to tell what a binary offers a uprobe, in pure TS (no binutils at run time): the
 * functions it defines in its dynamic symbol table (.dynsym, what `nm -D` lists without `U`) and, if
 * not stripped, its full symbol table (.symtab); the libraries it needs (DT_NEEDED) and where it looks
 * for them (DT_RUNPATH/DT_RPATH). ELF32 and ELF64, either byte order. Malformed input is an
 * ElfError with a reason, never a crash or an out-of-bounds read.
 */

export interface ElfInfo {
  bits: 32 | 64;
  littleEndian: boolean;
  /** e_type: 2 executable, 3 shared object (PIE executables are 3 too). */
  type: number;
  /** Function names defined (not undefined references) in .dynsym. */
  dynamicFunctions: Set<string>;
  /** Function names defined in .symtab (empty when stripped). */
  staticFunctions: Set<string>;
  /** DT_NEEDED, in order. */
  needed: string[];
  /** DT_RUNPATH, else DT_RPATH, split at ':' (empty when none). */
  runpath: string[];
  /** Has a PT_INTERP program header: dynamically linked. */
  interpreter: boolean;
}

export class ElfError extends Error {
  override name = "ElfError";
}

const SHT_SYMTAB = 2;
const SHT_DYNAMIC = 6;
const SHT_DYNSYM = 11;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const DT_NEEDED = 1;
const DT_RPATH = 15;
const DT_RUNPATH = 29;
const PT_INTERP = 3;

/** Files larger than this are not read (innd and libinnstorage are well under 2 MB). */
export const MAX_ELF_BYTES = 256 * 1024 * 1024;

/** Reads a file and parses it; ElfError for anything that is not a readable ELF file. */
export async function readElf(path: string): Promise<ElfInfo> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, "r");
  } catch (e) {
    throw new ElfError(`cannot open ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  try {
    const { size, isFile } = await fh.stat().then((s) => ({ size: s.size, isFile: s.isFile() }));
    if (!isFile) throw new ElfError(`${path} is not a regular file`);
    if (size > MAX_ELF_BYTES) throw new ElfError(`${path} is ${size} bytes, more than we read`);
    const buf = Buffer.alloc(size);
    const { bytesRead } = await fh.read(buf, 0, size, 0);
    return parseElf(buf.subarray(0, bytesRead), path);
  } finally {
    await fh.close();
  }
}

/** Pure: an ELF file's bytes → what it defines and needs. */
export function parseElf(buf: Buffer, name = "file"): ElfInfo {
  if (buf.length < 52 || buf.readUInt32BE(0) !== 0x7f454c46) {
    throw new ElfError(`${name} is not an ELF file`);
  }
  const cls = buf[4];
  const data = buf[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) {
    throw new ElfError(`${name}: unknown ELF class ${cls} or byte order ${data}`);
  }
  const r = new Reader(buf, cls === 2, data === 1, name);
  const type = r.u16(16);
  const phoff = r.word(r.is64 ? 32 : 28);
  const shoff = r.word(r.is64 ? 40 : 32);
  const phentsize = r.u16(r.is64 ? 54 : 42);
  const phnum = r.u16(r.is64 ? 56 : 44);
  const shentsize = r.u16(r.is64 ? 58 : 46);
  const shnum = r.u16(r.is64 ? 60 : 48);

  let interpreter = false;
  for (let i = 0; i < phnum; i++) {
    if (r.u32(phoff + i * phentsize) === PT_INTERP) interpreter = true;
  }

  interface Section {
    type: number;
    offset: number;
    size: number;
    link: number;
    entsize: number;
  }
  const sections: Section[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * shentsize;
    sections.push(
      r.is64
        ? {
            type: r.u32(at + 4),
            offset: r.word(at + 24),
            size: r.word(at + 32),
            link: r.u32(at + 40),
            entsize: r.word(at + 56),
          }
        : {
            type: r.u32(at + 4),
            offset: r.u32(at + 16),
            size: r.u32(at + 20),
            link: r.u32(at + 24),
            entsize: r.u32(at + 36),
          },
    );
  }
  const strtab = (index: number): Section => {
    const s = sections[index];
    if (!s) throw new ElfError(`${name}: a section links to missing section ${index}`);
    r.check(s.offset, s.size);
    return s;
  };
  const str = (tab: Section, off: number): string => {
    if (off >= tab.size) throw new ElfError(`${name}: a name lies outside its string table`);
    const start = tab.offset + off;
    const end = buf.indexOf(0, start);
    if (end === -1 || end >= tab.offset + tab.size) {
      throw new ElfError(`${name}: an unterminated name in a string table`);
    }
    return buf.toString("latin1", start, end);
  };

  const functions = (kind: number): Set<string> => {
    const out = new Set<string>();
    for (const s of sections.filter((x) => x.type === kind)) {
      const entsize = s.entsize || (r.is64 ? 24 : 16);
      r.check(s.offset, s.size);
      const names = strtab(s.link);
      for (let at = s.offset; at + entsize <= s.offset + s.size; at += entsize) {
        const nameOff = r.u32(at);
        const info = buf[at + (r.is64 ? 4 : 12)] as number;
        const shndx = r.u16(at + (r.is64 ? 6 : 14));
        const stType = info & 0xf;
        const bind = info >> 4;
        // Defined (shndx != SHN_UNDEF), global or weak, a function: what a uprobe can attach to by name.
        if (shndx === 0 || (bind !== 1 && bind !== 2)) continue;
        if (stType !== STT_FUNC && stType !== STT_GNU_IFUNC) continue;
        out.add(str(names, nameOff));
      }
    }
    return out;
  };

  const needed: string[] = [];
  let rpath: string | null = null;
  let runpath: string | null = null;
  for (const s of sections.filter((x) => x.type === SHT_DYNAMIC)) {
    r.check(s.offset, s.size);
    const names = strtab(s.link);
    const entsize = r.is64 ? 16 : 8;
    for (let at = s.offset; at + entsize <= s.offset + s.size; at += entsize) {
      const tag = r.word(at);
      if (tag === 0) break;
      const val = r.word(at + entsize / 2);
      if (tag === DT_NEEDED) needed.push(str(names, val));
      else if (tag === DT_RUNPATH) runpath = str(names, val);
      else if (tag === DT_RPATH) rpath = str(names, val);
    }
  }

  return {
    bits: r.is64 ? 64 : 32,
    littleEndian: r.le,
    type,
    dynamicFunctions: functions(SHT_DYNSYM),
    staticFunctions: functions(SHT_SYMTAB),
    needed,
    runpath: (runpath ?? rpath ?? "").split(":").filter((p) => p !== ""),
    interpreter,
  };
}

class Reader {
  constructor(
    readonly buf: Buffer,
    readonly is64: boolean,
    readonly le: boolean,
    readonly name: string,
  ) {}

  check(at: number, len: number): void {
    if (!Number.isSafeInteger(at) || at < 0 || len < 0 || at + len > this.buf.length) {
      throw new ElfError(`${this.name} is truncated or malformed (offset ${at} + ${len})`);
    }
  }

  u16(at: number): number {
    this.check(at, 2);
    return this.le ? this.buf.readUInt16LE(at) : this.buf.readUInt16BE(at);
  }

  u32(at: number): number {
    this.check(at, 4);
    return this.le ? this.buf.readUInt32LE(at) : this.buf.readUInt32BE(at);
  }

  /** An address/offset/size: 8 bytes in ELF64, 4 in ELF32; beyond 2^53 is malformed here. */
  word(at: number): number {
    if (!this.is64) return this.u32(at);
    this.check(at, 8);
    const v = this.le ? this.buf.readBigUInt64LE(at) : this.buf.readBigUInt64BE(at);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
    return Number(v);
  }
}
