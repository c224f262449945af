// `npm run bench`: prints measured figures with their goals. Numbers, not pass/fail: this machine is
// shared and noisy, so speed targets live here and never in timed unit tests.

import os from 'node:os';
import { measureClosures, reportClosures } from './closures.js';
import { measureCluster, reportCluster } from './cluster.js';
import { measureControl, reportControl } from './control.js';
import { measureEdit, reportEdit } from './edit.js';
import { measureHeap, reportHeap } from './heap.js';
import { measureImage, reportImage } from './image.js';
import { measureInspector, reportInspector } from './inspector.js';
import { measureLatency, reportLatency } from './latency.js';
import { measureLayout, reportLayout } from './layout.js';
import { measureStartup, reportStartup } from './startup.js';
import { measureSteadyState, reportSteadyState } from './steady-state.js';
import { measureStore, reportStore } from './store.js';
import { measureTypecheck, reportTypecheck } from './typecheck.js';

const only = process.argv[2];
console.log(`imago bench: node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${new Date().toISOString()}`);
if (!only || only === 'latency') {
  for (const l of reportLatency(await measureLatency(20), 'with the type gate (default)')) console.log(l);
  for (const l of reportLatency(await measureLatency(20, ['--typecheck', 'off']), 'with --typecheck=off')) console.log(l);
}
if (!only || only === 'startup') for (const l of reportStartup(await measureStartup())) console.log(l);
if (!only || only === 'steady') for (const l of reportSteadyState(await measureSteadyState())) console.log(l);
if (!only || only === 'steady' || only === 'closures') for (const l of reportClosures(await measureClosures())) console.log(l);
if (!only || only === 'heap') console.log(reportHeap(await measureHeap(1000)));
if (!only || only === 'typecheck') for (const l of reportTypecheck(await measureTypecheck())) console.log(l);
if (!only || only === 'layout') for (const l of reportLayout(await measureLayout())) console.log(l);
if (!only || only === 'store') for (const l of reportStore(await measureStore())) console.log(l);
if (!only || only === 'image') for (const l of reportImage(await measureImage())) console.log(l);
if (!only || only === 'control') for (const l of reportControl(await measureControl())) console.log(l);
if (!only || only === 'edit') for (const l of reportEdit(await measureEdit())) console.log(l);
if (!only || only === 'inspector') for (const l of reportInspector(await measureInspector())) console.log(l);
if (!only || only === 'cluster') for (const l of reportCluster(await measureCluster())) console.log(l);
