console.log('boot');
setInterval(() => console.log('interval-a'), 15);
