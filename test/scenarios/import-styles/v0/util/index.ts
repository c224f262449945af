export const idx = 'i1';
