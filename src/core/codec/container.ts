// The .wsindy container: magic, format version, then typed sections, each `tag, length, payload, CRC32`.
// Parsing checks every length against the bytes that remain before slicing, and every CRC before use.
import { FormatError } from '../errors';
import { ByteReader, ByteWriter } from './bytes';
import { crc32 } from './crc32';

/** "\x89WSINDY\n": the high byte catches 7-bit transfers, the newline catches line-ending conversion. */
export const MAGIC = Uint8Array.from([0x89, 0x57, 0x53, 0x49, 0x4e, 0x44, 0x59, 0x0a]);
/** v1: one WIND/RESI/UNPR/CHEK set for all steps. v2 (streaming coder): SEGM sections instead. */
export const FORMAT_VERSION = 2;
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
