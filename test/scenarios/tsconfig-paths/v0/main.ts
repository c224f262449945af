import { version } from '@lib/version';
setInterval(() => console.log(version()), 15);
