export const plain = 'p1';
