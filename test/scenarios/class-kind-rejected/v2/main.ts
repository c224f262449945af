class Player { hp(): number { return 9; } }
const players = [new Player()];
setInterval(() => console.log('hp ' + players[0]!.hp()), 15);
