import { h, render } from 'preact';
import type { Pushed } from './wire.js';

const hello: Pushed['hello'] | null = null;
render(h('p', null, String(hello)), document.body);
