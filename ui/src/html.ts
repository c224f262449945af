// htm bound to preact's `h`: the tagged template every component of the page renders with.

import htm from 'htm';
import { h } from 'preact';

export const html = htm.bind(h);
