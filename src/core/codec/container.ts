// The .wsindy container: magic, format version, then typed sections. v1/v2: each section `tag, length,
// payload, CRC32`. v3: each section `type byte, varuint length, payload` (the last one without a length),
// one CRC-32 over the whole file at its end. v4: the header first, without framing (it ends where its
// fields end), then the sections the header says are present, in a fixed order, each `varuint length,
// payload` (the last one without a length), and the file CRC. Parsing checks every length against the
// bytes that remain before slicing, and the CRCs before use.
import { FormatError } from '../errors';
import { ByteReader, ByteWriter } from './bytes';
import { crc32 } from './crc32';
import { readHeaderV3, sectionPlanV4 } from './headerV3';

/** "\x89WSINDY\n": the high byte catches 7-bit transfers, the newline catches line-ending conversion. */
export const MAGIC = Uint8Array.from([0x89, 0x57, 0x53, 0x49, 0x4e, 0x44, 0x59, 0x0a]);
/**
 * v1: one WIND/RESI/UNPR/CHEK set for all steps. v2 (streaming coder): SEGM sections instead. v3: compact
 * framing and binary header (FORMAT.md §8). v4: no section framing but lengths, a header with fewer
 * fixed bytes (FORMAT.md §11); what writers emit.
 */
export const FORMAT_VERSION = 4;
export const MIN_READ_VERSION = 1;
/** Offset of the first section. */
export const PREAMBLE_BYTES = 12;

// SRCX (source extras: comments, units, index, stamps, decimal commas, missing cells) only when the source has them.
export type SectionTag = 'HEAD' | 'MODL' | 'TIME' | 'SRCX' | 'BASI' | 'WIND' | 'RESI' | 'UNPR' | 'CHEK' | 'SEGM';
export const SECTION_TAGS: readonly SectionTag[] = ['HEAD', 'MODL', 'TIME', 'SRCX', 'BASI', 'WIND', 'RESI', 'UNPR', 'CHEK', 'SEGM'];
/** The one tag that repeats (v2 files): one section per time segment, in time order. */
const REPEATED: SectionTag = 'SEGM';
/** Most sections a file may have (the count is a u16). */
const MAX_SECTIONS = 0xffff;
/**
 * The v3 section-type registry: one entry per section type (id = the type byte's low 7 bits). To add a
 * section, add its tag above and one entry here (FORMAT.md §8.1); a v3 reader rejects ids it does not know.
 */
export const SECTION_TYPES_V3: readonly { id: number; tag: SectionTag; repeated?: boolean }[] = [
  { id: 1, tag: 'HEAD' },
  { id: 2, tag: 'MODL' },
  { id: 3, tag: 'TIME' },
  { id: 4, tag: 'BASI' },
  { id: 5, tag: 'WIND' },
  { id: 6, tag: 'RESI' },
  { id: 7, tag: 'UNPR' },
  { id: 8, tag: 'SEGM', repeated: true },
  { id: 9, tag: 'SRCX' },
];
/** v3: type byte bit 7 = the last section, whose payload runs to the file CRC (no length). */
const LAST_SECTION = 0x80;
/** v3: bytes of the file CRC at the end. */
export const TRAILER_BYTES_V3 = 4;
/** Human names used in messages. */
export const SECTION_NAMES: Record<SectionTag, string> = {
  HEAD: 'header',
  MODL: 'model',
  TIME: 'time',
  SRCX: 'source extras',
  BASI: 'basis',
  WIND: 'windows',
  RESI: 'residual',
  UNPR: 'unpredictable',
  CHEK: 'checksum',
  SEGM: 'segment',
};

export interface Section {
  tag: SectionTag;
  /** Absolute offset of the payload in the file. */
  offset: number;
  payload: Uint8Array;
}

export function writeContainer(sections: readonly { tag: SectionTag; payload: Uint8Array }[]): Uint8Array {
  if (sections.length > MAX_SECTIONS) throw new RangeError(`${sections.length} sections: at most ${MAX_SECTIONS}`);
  const w = new ByteWriter();
  w.bytes(MAGIC);
  // v1 readers can read every file without segments: only segmented files carry the new version
  w.u16(sections.some((s) => s.tag === REPEATED) ? 2 : 1);
  w.u16(sections.length);
  const enc = new TextEncoder();
  for (const s of sections) {
    const tag = enc.encode(s.tag);
    w.bytes(tag);
    w.u32(s.payload.length);
    w.bytes(s.payload);
    w.u32(crc32(s.payload, crc32(tag)));
  }
  return w.finish();
}

/**
 * A v3 file: magic, u16 version 3, sections `u8 type, varuint length, payload` in the given order (the
 * last one as `u8 type | 0x80, payload`), then the CRC-32 of every byte before it. Empty sections must
 * not be passed (FORMAT.md: absent means empty).
 */
export function writeContainerV3(sections: readonly { tag: SectionTag; payload: Uint8Array }[]): Uint8Array {
  const w = new ByteWriter();
  w.bytes(MAGIC);
  w.u16(3);
  sections.forEach((s, k) => {
    const type = SECTION_TYPES_V3.find((t) => t.tag === s.tag);
    if (!type) throw new RangeError(`section ${s.tag} has no v3 type`);
    if (s.payload.length === 0) throw new RangeError(`empty section ${s.tag}: leave it out`);
    if (k === sections.length - 1) w.u8(type.id | LAST_SECTION);
    else {
      w.u8(type.id);
      w.varuint(s.payload.length);
    }
    w.bytes(s.payload);
  });
  return withFileCrc(w.finish());
}

/** The bytes followed by the CRC-32 of all of them (v3/v4 trailer). */
function withFileCrc(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + TRAILER_BYTES_V3);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, crc32(body), true);
  return out;
}

/**
 * A v4 file: magic, u16 version 4, the header's bytes, then the sections in the order the header gives
 * them (headerV3.sectionPlanV4), each as varuint length + payload, the last one as its payload alone,
 * then the CRC-32 of every byte before it. Empty sections must not be passed.
 */
export function writeContainerV4(head: Uint8Array, sections: readonly { tag: SectionTag; payload: Uint8Array }[]): Uint8Array {
  const w = new ByteWriter();
  w.bytes(MAGIC);
  w.u16(4);
  w.bytes(head);
  sections.forEach((s, k) => {
    if (s.payload.length === 0) throw new RangeError(`empty section ${s.tag}: leave it out`);
    if (k < sections.length - 1) w.varuint(s.payload.length);
    w.bytes(s.payload);
  });
  return withFileCrc(w.finish());
}

/** The file CRC of a v3/v4 file (checked before anything else is read); returns where the trailer starts. */
function checkFileCrc(bytes: Uint8Array): number {
  if (bytes.length < PREAMBLE_BYTES - 2 + TRAILER_BYTES_V3) throw new FormatError(`truncated at byte ${bytes.length} (the file needs at least ${PREAMBLE_BYTES - 2 + TRAILER_BYTES_V3} bytes)`);
  const end = bytes.length - TRAILER_BYTES_V3;
  const stored = new DataView(bytes.buffer, bytes.byteOffset + end, TRAILER_BYTES_V3).getUint32(0, true);
  if (crc32(bytes.subarray(0, end)) !== stored) throw new FormatError('checksum mismatch: the file is damaged (file CRC)');
  return end;
}

/** v4 section table: the header says which sections follow; framing[k] = the bytes of section k's length. */
function readContainerV4(bytes: Uint8Array): { version: number; sections: Map<SectionTag, Section>; segments: Section[]; framing: number[] } {
  const end = checkFileCrc(bytes);
  const head = new ByteReader(bytes.subarray(0, end), SECTION_NAMES.HEAD);
  head.pos = PREAMBLE_BYTES - 2;
  const plan = sectionPlanV4(readHeaderV3(head, 4));
  const sections = new Map<SectionTag, Section>([['HEAD', { tag: 'HEAD', offset: PREAMBLE_BYTES - 2, payload: bytes.subarray(PREAMBLE_BYTES - 2, head.pos) }]]);
  const segments: Section[] = [];
  const framing = [0];
  const r = new ByteReader(bytes.subarray(0, end), 'preamble');
  r.pos = head.pos;
  plan.forEach((tag, k) => {
    const name = SECTION_NAMES[tag];
    const at = r.pos;
    const len = k === plan.length - 1 ? r.remaining : r.varuint();
    if (len > r.remaining) throw new FormatError(`truncated at byte ${bytes.length} (section '${name}' needs ${len} bytes)`);
    if (len === 0) throw new FormatError(`corrupt file: empty section '${name}' at byte ${at}`);
    framing.push(r.pos - at);
    const section = { tag, offset: r.pos, payload: r.take(len) };
    if (tag === REPEATED) segments.push(section);
    else sections.set(tag, section);
  });
  if (r.remaining !== 0) throw new FormatError(`corrupt file: ${r.remaining} bytes after the last section`);
  return { version: 4, sections, segments, framing };
}

/** v3 section table; the file CRC is checked first, so every later check sees the bytes as written. */
function readContainerV3(bytes: Uint8Array): { version: number; sections: Map<SectionTag, Section>; segments: Section[]; framing: number[] } {
  const end = checkFileCrc(bytes);
  const r = new ByteReader(bytes.subarray(0, end), 'preamble');
  r.pos = PREAMBLE_BYTES - 2;
  const sections = new Map<SectionTag, Section>();
  const segments: Section[] = [];
  const framing: number[] = [];
  let last = false;
  while (r.remaining > 0) {
    if (last) throw new FormatError(`corrupt file: bytes after the last section at byte ${r.pos}`);
    const at = r.pos;
    const byte = r.u8();
    last = (byte & LAST_SECTION) !== 0;
    const type = SECTION_TYPES_V3.find((t) => t.id === (byte & 0x7f));
    if (!type) throw new FormatError(`corrupt file: unknown section type ${byte & 0x7f} at byte ${at}`);
    const name = SECTION_NAMES[type.tag];
    const len = last ? r.remaining : r.varuint();
    if (len > r.remaining) throw new FormatError(`truncated at byte ${bytes.length} (section '${name}' needs ${len} bytes)`);
    if (len === 0) throw new FormatError(`corrupt file: empty section '${name}' at byte ${at}`);
    if (segments.length + sections.size >= MAX_SECTIONS) throw new FormatError(`corrupt file: more than ${MAX_SECTIONS} sections`);
    framing.push(r.pos - at);
    const offset = r.pos;
    const payload = r.take(len);
    if (type.repeated) segments.push({ tag: type.tag, offset, payload });
    else if (sections.has(type.tag)) throw new FormatError(`corrupt file: section '${name}' appears twice`);
    else sections.set(type.tag, { tag: type.tag, offset, payload });
  }
  if ([...sections.values(), ...segments].sort((a, b) => a.offset - b.offset)[0]?.tag !== 'HEAD') {
    throw new FormatError("corrupt file: the first section must be the header");
  }
  return { version: 3, sections, segments, framing };
}

/** Check magic and version only. */
export function checkPreamble(bytes: Uint8Array): number {
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new FormatError('bad magic: not a .wsindy file');
  }
  const r = new ByteReader(bytes.subarray(0, PREAMBLE_BYTES), 'preamble');
  r.pos = MAGIC.length;
  const version = r.u16();
  if (version > FORMAT_VERSION) {
    throw new FormatError(
      `written by a newer version (${version}) of the format; this reader supports ${MIN_READ_VERSION}–${FORMAT_VERSION}`,
    );
  }
  if (version < MIN_READ_VERSION) {
    throw new FormatError(
      `written by an older version (${version}) of the format; this reader supports ${MIN_READ_VERSION}–${FORMAT_VERSION}`,
    );
  }
  return version;
}

/**
 * Parse the section table. `stopAfter`: stop once these tags are read (cheap header reads skip the
 * heavy sections entirely, without even checking their CRCs).
 */
export function readContainer(
  bytes: Uint8Array,
  stopAfter?: ReadonlySet<SectionTag>,
): { version: number; sections: Map<SectionTag, Section>; segments: Section[] } {
  const version = checkPreamble(bytes);
  if (version >= 4) return readContainerV4(bytes);
  if (version >= 3) return readContainerV3(bytes);
  const r = new ByteReader(bytes, 'preamble');
  r.pos = 10;
  const count = r.u16();
  const maxCount = version >= 2 ? MAX_SECTIONS : SECTION_TAGS.length - 1;
  if (count > maxCount) throw new FormatError(`corrupt preamble: ${count} sections (at most ${maxCount})`);
  const sections = new Map<SectionTag, Section>();
  const segments: Section[] = [];
  const dec = new TextDecoder('latin1');
  for (let i = 0; i < count; i++) {
    if (r.remaining < 8) {
      throw new FormatError(`truncated at byte ${bytes.length} (section table needs ${8 - r.remaining} more bytes for section ${i + 1} of ${count})`);
    }
    const tagBytes = r.take(4);
    const tagText = dec.decode(tagBytes);
    if (!(SECTION_TAGS as readonly string[]).includes(tagText)) {
      throw new FormatError(`corrupt file: unknown section tag ${JSON.stringify(tagText)} at byte ${r.pos - 4}`);
    }
    const tag = tagText as SectionTag;
    const name = SECTION_NAMES[tag];
    if (tag === REPEATED && version < 2) throw new FormatError(`corrupt file: a version ${version} file with a '${name}' section`);
    if (sections.has(tag)) throw new FormatError(`corrupt file: section '${name}' appears twice`);
    const len = r.u32();
    if (len + 4 > r.remaining) {
      throw new FormatError(`truncated at byte ${bytes.length} (section '${name}' needs ${len + 4} bytes)`);
    }
    const offset = r.pos;
    const payload = r.take(len);
    const stored = r.u32();
    if (crc32(payload, crc32(tagBytes)) !== stored) throw new FormatError(`checksum mismatch in section '${name}'`);
    if (tag === REPEATED) segments.push({ tag, offset, payload });
    else sections.set(tag, { tag, offset, payload });
    if (stopAfter && [...stopAfter].every((t) => sections.has(t))) return { version, sections, segments };
  }
  if (r.remaining !== 0) throw new FormatError(`corrupt file: ${r.remaining} trailing bytes after the last section`);
  return { version, sections, segments };
}

export function requireSection(sections: Map<SectionTag, Section>, tag: SectionTag): Section {
  const s = sections.get(tag);
  if (!s) throw new FormatError(`corrupt file: missing section '${SECTION_NAMES[tag]}'`);
  return s;
}

export function sectionReader(s: Section): ByteReader {
  return new ByteReader(s.payload, SECTION_NAMES[s.tag], s.offset);
}

/** Where a file's bytes go (benchmarks, `info`): preamble, each section's framing and payload, trailer. */
export interface FileLayout {
  version: number;
  preamble: number;
  sections: { tag: SectionTag; framing: number; payload: number }[];
  trailer: number;
}

export function listSections(bytes: Uint8Array): FileLayout {
  const version = checkPreamble(bytes);
  if (version >= 3) {
    const { sections, segments, framing } = version >= 4 ? readContainerV4(bytes) : readContainerV3(bytes);
    const all = [...sections.values(), ...segments].sort((a, b) => a.offset - b.offset);
    return { version, preamble: PREAMBLE_BYTES - 2, sections: all.map((s, k) => ({ tag: s.tag, framing: framing[k], payload: s.payload.length })), trailer: TRAILER_BYTES_V3 };
  }
  const { sections, segments } = readContainer(bytes);
  const all = [...sections.values(), ...segments].sort((a, b) => a.offset - b.offset);
  return { version, preamble: PREAMBLE_BYTES, sections: all.map((s) => ({ tag: s.tag, framing: 12, payload: s.payload.length })), trailer: 0 };
}
