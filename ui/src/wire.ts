// The wire types the image's inspector speaks (src/host/inspector/wire.ts and the control protocol),
// read from the server's build: `npm run build` compiles the server first.
export type * from '../../dist/src/host/control/protocol.js';
export type * from '../../dist/src/host/inspector/wire.js';

import type { TimelineEntry } from '../../dist/src/host/inspector/wire.js';

/** What a timeline entry holds (src/runtime/events.ts). */
export type ImageEvent = TimelineEntry['event'];
