export interface Config { speed: number }
