setInterval(() => console.log('main alone'), 15);
