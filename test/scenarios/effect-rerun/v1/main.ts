console.log('boot');
setInterval(() => console.log('interval-b'), 15);
