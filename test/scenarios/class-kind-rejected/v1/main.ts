function Player(): { hp(): number } { return { hp: () => 8 }; }
const players = [new Player()];
setInterval(() => console.log('hp ' + players[0]!.hp()), 15);
