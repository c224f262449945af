export interface Config { speed: string }
