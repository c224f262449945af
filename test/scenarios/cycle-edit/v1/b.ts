import { a, A_CONST } from './a.ts';
export function b(): string { return '-b2-' + A_CONST; }
export function callA(): string { return a(); }
