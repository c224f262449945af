import { b } from './b.ts';
export function a(): string { return 'a1' + b(); }
export const A_CONST = 'x';
