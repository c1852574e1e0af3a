// ISO 8601 date-time time columns: `2024-01-01`, `2024-01-01 00:01:00`, `2024-01-01T00:01:00.250Z`,
// `…+01:00`. The fit runs on seconds since the first stamp; the CSV gets each stamp back character for
// character. Every field is fixed-width, so two stamps with the same layout (separator, seconds or not,
// fraction digits and separator, zone text) differ only in their instant: the first stamp's layout and the
// time in seconds print every later stamp exactly. Stamps that do not share the first one's layout (a zone
// change at daylight saving, mixed fraction digits) are kept as texts instead (DateStamps.texts).

const STAMP = /^(\d{4})-(\d{2})-(\d{2})(?:([T ])(\d{2}):(\d{2})(?::(\d{2})(?:([.,])(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** One parsed stamp: wall-clock seconds (days since 1970 · 86400 + time of day), fraction, zone. */
export interface Stamp {
  /** Wall-clock seconds of the stamp as written (its zone not applied). */
  local: number;
  /** Fraction of a second as an integer of `digits` decimal digits. */
  frac: number;
  digits: number;
  /** Zone offset in seconds (0 for `Z` and for no zone). */
  offset: number;
  /** The layout: the text with every digit outside the zone replaced by 9, then the zone as written. */
  layout: string;
  /** The pieces that print the layout back. */
  sep: string;
  hasTime: boolean;
  hasSeconds: boolean;
  fracSep: string;
  zone: string;
}

/** Largest |steps| of a stamp after the first (in units of 10^-digits s) kept exact through a double. */
const EXACT_UNITS = 2 ** 51;
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of daysFromCivil: [year, month, day]. */
export function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

function daysInMonth(y: number, m: number): number {
  return daysFromCivil(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1, 1) - daysFromCivil(y, m, 1);
}

/** Parse an ISO 8601 date or date-time (trimmed), or null when the text is not one (or not a valid date). */
export function parseStamp(text: string): Stamp | null {
  const t = text.trim();
  if (t.length < 10 || t.length > 40) return null;
  const g = STAMP.exec(t);
  if (!g) return null;
  const y = +g[1];
  const mo = +g[2];
  const d = +g[3];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  const hasTime = g[4] !== undefined;
  const h = hasTime ? +g[5] : 0;
  const mi = hasTime ? +g[6] : 0;
  const hasSeconds = g[7] !== undefined;
  const s = hasSeconds ? +g[7] : 0;
  if (h > 23 || mi > 59 || s > 59) return null; // leap seconds are not representable as seconds since the first stamp
  const digits = g[9] === undefined ? 0 : g[9].length;
  const frac = digits > 0 ? +g[9] : 0;
  const zone = g[10] ?? '';
  let offset = 0;
  if (zone !== '' && zone !== 'Z') {
    const zh = +zone.slice(1, 3);
    const zm = zone.length > 3 ? +zone.slice(-2) : 0;
    if (zh > 23 || zm > 59) return null;
    offset = (zone[0] === '-' ? -1 : 1) * (zh * 3600 + zm * 60);
  }
  const local = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  const body = t.slice(0, t.length - zone.length).replace(/\d/g, '9');
  return { local, frac, digits, offset, layout: body + zone, sep: g[4] ?? '', hasTime, hasSeconds, fracSep: g[8] ?? '', zone };
}

/** True when the text reads as an ISO 8601 date or date-time. */
export function isStamp(text: string): boolean {
  return parseStamp(text) !== null;
}

/**
 * Seconds of `s` since `first`: exact steps of 10^-digits s when both share a layout and the difference
 * stays exact (then `sameLayout` is true), else the difference of the two instants (zones applied).
 */
export function secondsSince(first: Stamp, s: Stamp): { t: number; sameLayout: boolean } {
  if (s.layout === first.layout) {
    const units = (s.local - first.local) * POW10[first.digits] + (s.frac - first.frac);
    if (Math.abs(units) < EXACT_UNITS) return { t: units / POW10[first.digits], sameLayout: true };
  }
  const a = first.local - first.offset + first.frac / POW10[first.digits];
  const b = s.local - s.offset + s.frac / POW10[s.digits];
  return { t: b - a, sameLayout: false };
}

function pad(x: number, w: number): string {
  return String(x).padStart(w, '0');
}

/** The stamp `t` seconds after `first`, in first's layout (exact for the t that secondsSince gave with sameLayout). */
export function formatStamp(first: Stamp, t: number): string {
  const P = POW10[first.digits];
  const units = Math.round(t * P) + first.frac;
  const carry = Math.floor(units / P);
  const frac = units - carry * P;
  const local = first.local + carry;
  const days = Math.floor(local / 86400);
  const sod = local - days * 86400;
  const [y, m, d] = civilFromDays(days);
  let out = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
  if (first.hasTime) {
    out += `${first.sep}${pad(Math.floor(sod / 3600), 2)}:${pad(Math.floor(sod / 60) % 60, 2)}`;
    if (first.hasSeconds) out += `:${pad(sod % 60, 2)}`;
    if (first.digits > 0) out += first.fracSep + pad(frac, first.digits);
    out += first.zone;
  }
  return out;
}

/** Prints the stamps of a DateStamps: from the texts, or from the first stamp's layout. */
export function stampPrinter(first: string, texts: readonly string[] | undefined): (j: number, t: number) => string {
  if (texts) return (j) => texts[j];
  const f = parseStamp(first);
  if (!f) throw new RangeError(`not a date-time: ${JSON.stringify(first)}`);
  return (_j, t) => formatStamp(f, t);
}
