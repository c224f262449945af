export interface Unused { x: number }
