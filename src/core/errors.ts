// Typed errors: every failure the user can cause has a class and a one-line message.

/** Base class: `code` is stable for programs, `message` is the one line shown to people. */
export class WsindyError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Where in a text input the problem is (1-based line and column; column counts cells, not characters). */
export interface InputLocation {
  file: string;
  line?: number;
  column?: number;
}

/** Bad CSV input: the message names the file, the line and the column. */
export class InputError extends WsindyError {
  constructor(
    readonly location: InputLocation,
    readonly reason: string,
    code = 'E_INPUT',
  ) {
    super(code, formatLocation(location) + reason);
  }
}

export function formatLocation(loc: InputLocation): string {
  let s = loc.file;
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (loc.column !== undefined) s += `:${loc.column}`;
  return s + ': ';
}

/** A `.wsindy` file that cannot be read: bad magic, wrong version, checksum, truncation. */
export class FormatError extends WsindyError {
  constructor(message: string, code = 'E_FORMAT') {
    super(code, message);
  }
}

/** Numerical failure, e.g. an integrated model that blows up at time `time`. */
export class NumericalError extends WsindyError {
  constructor(
    message: string,
    readonly time?: number,
    code = 'E_NUMERIC',
  ) {
    super(code, message);
  }
}

/** Invalid option value (CLI flag or setting). */
export class OptionError extends WsindyError {
  constructor(message: string) {
    super('E_OPTION', message);
  }
}

/** The job was cancelled by the user. */
export class CancelledError extends WsindyError {
  constructor() {
    super('E_CANCELLED', 'Cancelled.');
  }
}

/** Plain-data form of an error, safe to post between threads. */
export interface SerializedError {
  code: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  time?: number;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof InputError) return { code: err.code, message: err.message, ...err.location };
  if (err instanceof NumericalError) return { code: err.code, message: err.message, time: err.time };
  if (err instanceof WsindyError) return { code: err.code, message: err.message };
  const e = err instanceof Error ? err : new Error(String(err));
  return { code: 'E_INTERNAL', message: `Internal error: ${e.message}` };
}
