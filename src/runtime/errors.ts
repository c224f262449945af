// The runtime's error class: a stable code, a message that says what happened and what to do.

import type { Diagnostic } from '../compile/diagnostic.js';

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

/** Thrown inside a commit to reject the change with diagnostics that already say where and why. */
export class ChangeRejection extends Error {
  /** `phase`: where the change was rejected, when not where it was caught (a store migrated as its class is defined). */
  constructor(
    readonly diagnostics: Diagnostic[],
    readonly phase?: 'migrate',
  ) {
    super(diagnostics.map((d) => d.message).join('; '));
    this.name = 'ChangeRejection';
  }
}
