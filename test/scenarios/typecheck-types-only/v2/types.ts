export interface Config { speed: number; label?: string }
