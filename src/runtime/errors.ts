// The runtime's error class: a stable code, a message that says what happened and what to do.

import type { Diagnostic } from '../compile/diagnostic.js';
import type { Phase } from './events.js';

export type ImagoErrorCode =
  | 'IMAGO_REMOVED' // calling a function that a change removed
  | 'IMAGO_ENTRY' // the entry file is missing or unreadable
  | 'IMAGO_INTERNAL'; // a bug in imago: the message asks for a report

export class ImagoError extends Error {
  constructor(
    readonly code: ImagoErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ImagoError';
  }
}

/** The message of any thrown value. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Thrown inside a transaction to reject it with diagnostics that already say where and why, and in which phase. */
export class ChangeRejection extends Error {
  constructor(
    readonly phase: Phase,
    readonly diagnostics: Diagnostic[],
  ) {
    super(diagnostics.map((d) => d.message).join('; '));
    this.name = 'ChangeRejection';
  }
}
