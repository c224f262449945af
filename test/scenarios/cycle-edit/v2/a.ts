import { b } from './b.ts';
export function a(): string { return 'a3' + b(); }
export const A_CONST = 'y';
