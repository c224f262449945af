export const from = 'lib';
setInterval(() => console.log('lib-timer'), 15);
