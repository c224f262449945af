// Growable byte buffers for the state codec: little-endian numbers, unsigned varints and raw bytes.

import { StateFormatError } from './state-format.js';

export class ByteWriter {
  #buf = new Uint8Array(1 << 16);
  #view = new DataView(this.#buf.buffer);
  #at = 0;

  get length(): number {
    return this.#at;
  }

  #room(n: number): void {
    if (this.#at + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#at + n));
    next.set(this.#buf.subarray(0, this.#at));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.#room(1);
    this.#buf[this.#at++] = v;
  }

  f64(v: number): void {
    this.#room(8);
    this.#view.setFloat64(this.#at, v, true);
    this.#at += 8;
  }

  /** An unsigned integer up to 2^53, seven bits a byte. */
  varint(v: number): void {
    this.#room(8);
    while (v >= 0x80) {
      this.#buf[this.#at++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.#buf[this.#at++] = v;
  }

  result(): Uint8Array {
    return this.#buf.slice(0, this.#at);
  }
}

export class ByteReader {
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  #at = 0;

  constructor(
    buf: Uint8Array,
    private readonly what: string,
  ) {
    this.#buf = buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean {
    return this.#at === this.#buf.byteLength;
  }

  #need(n: number): void {
    if (this.#at + n > this.#buf.byteLength) throw new StateFormatError(`${this.what} ends early (at byte ${this.#at}, ${n} more needed)`);
  }

  /** The next byte, left unread. */
  peek(): number {
    this.#need(1);
    return this.#buf[this.#at]!;
  }

  u8(): number {
    this.#need(1);
    return this.#buf[this.#at++]!;
  }

  f64(): number {
    this.#need(8);
    const v = this.#view.getFloat64(this.#at, true);
    this.#at += 8;
    return v;
  }

  varint(): number {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
    }
    throw new StateFormatError(`${this.what} holds a malformed number at byte ${this.#at}`);
  }
}
