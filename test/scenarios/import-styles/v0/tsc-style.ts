export const tscStyle = 't1';
