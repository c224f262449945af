// The image file: one versioned container around a saved image, written so that a crash, a kill -9 or
// a full disk at any moment leaves the previous file whole (Pharo's users lose images to a save that
// fails halfway: pharo#11862), and read so that anything but an intact file of this format is refused
// with what is wrong, before a byte of it is used. Loading never executes anything found in the file.
//
//   "IMAGOIMG"            8 bytes, the magic
//   format                u32 LE (IMAGE_FORMAT)
//   header length H       u32 LE
//   header                H bytes of UTF-8 JSON (what saved it, when, for which entry)
//   payload length P      u64 LE
//   payload               P bytes (the image's state, encoded by its own layer)
//   crc32                 u32 LE over every byte before it (zlib's: ~8 ms for 40 MB; sha256 takes 4x)

import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export const IMAGE_FORMAT = 1;
const MAGIC = Buffer.from('IMAGOIMG', 'latin1');
/** Magic, format, header length, payload length, checksum: the bytes around the header and payload. */
const FRAME = MAGIC.length + 4 + 4 + 8 + 4;

/** What the file says of itself, readable without decoding the payload (`imago image info`). */
export interface ImageHeader {
  /** The entry the image was saved from, relative to its project root. */
  readonly entry: string;
  /** ISO time of the save. */
  readonly savedAt: string;
  /** The imago version that wrote it. */
  readonly imago: string;
  readonly [key: string]: unknown;
}

export type ImageFileRead =
  | { readonly ok: true; readonly header: ImageHeader; readonly payload: Uint8Array; readonly bytes: number }
  | { readonly ok: false; readonly missing: boolean; readonly problem: string };

/** A payload: one block of bytes, or several written one after the other (never copied into one). */
export type Payload = Uint8Array | readonly Uint8Array[];

/** The parts of an image file holding `header` and `payload`, in order: the frame's head, the payload's chunks, the checksum. */
function frameParts(header: ImageHeader, payload: Payload): Uint8Array[] {
  // Empty chunks are left out: zlib.crc32 of an empty view over a 0-byte buffer returns 0, not the CRC it continues (Node 20).
  const chunks = (payload instanceof Uint8Array ? [payload] : [...payload]).filter((c) => c.byteLength > 0);
  const length = chunks.reduce((n, c) => n + c.byteLength, 0);
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const head = Buffer.allocUnsafe(MAGIC.length + 8 + json.length + 8);
  let at = MAGIC.copy(head, 0);
  at = head.writeUInt32LE(IMAGE_FORMAT, at);
  at = head.writeUInt32LE(json.length, at);
  at += json.copy(head, at);
  head.writeBigUInt64LE(BigInt(length), at);
  let crc = zlib.crc32(head);
  for (const c of chunks) crc = zlib.crc32(c, crc);
  const sum = Buffer.allocUnsafe(4);
  sum.writeUInt32LE(crc, 0);
  return [head, ...chunks, sum];
}

/** The bytes of an image file holding `header` and `payload`. */
export function encodeImageFile(header: ImageHeader, payload: Payload): Buffer {
  return Buffer.concat(frameParts(header, payload));
}

/** The header and payload of image file bytes, or what is wrong with them (`file` names it in the message). */
export function decodeImageFile(bytes: Uint8Array, file: string): ImageFileRead {
  const refuse = (problem: string): ImageFileRead => ({ ok: false, missing: false, problem: `${file} ${problem}` });
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length === 0) return refuse('is empty (0 bytes): not an imago image; start with --fresh to replace it');
  if (b.length < MAGIC.length || !b.subarray(0, MAGIC.length).equals(MAGIC)) {
    return refuse(`is not an imago image (it does not begin with ${MAGIC.toString('latin1')}); give --image another file, or remove this one`);
  }
  if (b.length < FRAME) return refuse(`is truncated (${b.length} bytes; an image has at least ${FRAME}): it was cut short; start with --fresh to replace it`);
  const format = b.readUInt32LE(MAGIC.length);
  if (format > IMAGE_FORMAT) {
    return refuse(
      `was written by a newer imago (image format ${format}; this imago reads format ${IMAGE_FORMAT}): resume it with that imago, or start with --fresh`,
    );
  }
  if (format < 1) return refuse(`has an unknown image format (${format}); start with --fresh to replace it`);
  const headLength = b.readUInt32LE(MAGIC.length + 4);
  const payloadAt = MAGIC.length + 8 + headLength;
  if (payloadAt + 8 + 4 > b.length)
    return refuse(`is truncated (${b.length} bytes; its header alone needs ${payloadAt + 12}); start with --fresh to replace it`);
  const payloadLength = b.readBigUInt64LE(payloadAt);
  const end = BigInt(payloadAt + 8) + payloadLength;
  if (end + 4n !== BigInt(b.length)) {
    return refuse(
      end + 4n > BigInt(b.length)
        ? `is truncated (${b.length} bytes of the ${end + 4n} it says it has): it was cut short; start with --fresh to replace it`
        : `has ${BigInt(b.length) - end - 4n} bytes after its end: it is corrupt; start with --fresh to replace it`,
    );
  }
  const sum = b.readUInt32LE(b.length - 4);
  if (zlib.crc32(b.subarray(0, b.length - 4)) !== sum) {
    return refuse('is corrupt: its checksum does not match its content (a byte changed since it was written); start with --fresh to replace it');
  }
  let header: unknown;
  try {
    header = JSON.parse(b.subarray(MAGIC.length + 8, payloadAt).toString('utf8'));
  } catch {
    return refuse('is corrupt: its header is not readable; start with --fresh to replace it');
  }
  const h = header as Partial<ImageHeader> | null;
  if (typeof h !== 'object' || h === null || typeof h.entry !== 'string' || typeof h.savedAt !== 'string' || typeof h.imago !== 'string') {
    return refuse('is corrupt: its header lacks the entry, time or version of the save; start with --fresh to replace it');
  }
  return { ok: true, header: h as ImageHeader, payload: b.subarray(payloadAt + 8, b.length - 4), bytes: b.length };
}

/**
 * Writes an image file so that it is either the old file or the new one whatever happens: the bytes go
 * to a temporary file in the same folder, which is flushed to the disk, renamed over the old file, and
 * the folder flushed too (the rename itself must reach the disk). On any failure the temporary file is
 * removed and the old file is untouched.
 */
export async function writeImageFile(file: string, header: ImageHeader, payload: Payload): Promise<{ readonly bytes: number }> {
  const parts = frameParts(header, payload);
  const size = parts.reduce((n, c) => n + c.byteLength, 0);
  const dir = path.dirname(file);
  const prefix = `.${path.basename(file)}.`;
  // What a save killed halfway left behind (the image it would have replaced is whole): the temporary
  // files of processes that are gone. Another save still writing (this process's, or a live one's) is left.
  for (const name of await fs.promises.readdir(dir).catch(() => [] as string[])) {
    const pid = name.startsWith(prefix) && name.endsWith('.tmp') ? Number(name.slice(prefix.length).split('.')[0]) : Number.NaN;
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) await fs.promises.rm(path.join(dir, name), { force: true }).catch(() => undefined);
  }
  const temp = path.join(dir, `${prefix}${process.pid}.${randomUUID()}.tmp`);
  let handle: fs.promises.FileHandle | null = null;
  try {
    handle = await fs.promises.open(temp, 'wx', 0o644);
    // The parts as they are (a payload of tens of MB is never copied into one buffer first).
    for (let i = 0; i < parts.length; i += 512) await handle.writev(parts.slice(i, i + 512));
    await handle.sync();
    await handle.close();
    handle = null;
    await fs.promises.rename(temp, file);
  } catch (e: unknown) {
    await handle?.close().catch(() => undefined);
    await fs.promises.rm(temp, { force: true }).catch(() => undefined);
    throw e;
  }
  await syncFolder(dir);
  return { bytes: size };
}

/** Whether process `pid` is running (a signal 0 reaches it, or it exists under another user). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: unknown) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Flushes a folder's entries (a rename) to the disk, where the platform allows it. */
async function syncFolder(dir: string): Promise<void> {
  let handle: fs.promises.FileHandle | null = null;
  try {
    handle = await fs.promises.open(dir, 'r');
    await handle.sync();
  } catch {
    /* some platforms cannot sync a folder; the rename is as durable as they make it */
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Reads and checks an image file; a missing file is `missing` (nothing to resume), anything else wrong a problem. */
export async function readImageFile(file: string): Promise<ImageFileRead> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (e: unknown) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, missing: true, problem: `${file} does not exist` };
    return { ok: false, missing: false, problem: `${file} cannot be read (${code ?? String(e)}); check its permissions, or give --image another file` };
  }
  return decodeImageFile(bytes, file);
}
