export const idx = 'i2';
