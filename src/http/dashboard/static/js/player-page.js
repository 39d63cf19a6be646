// The player page's boot script: its settings come as a JSON data block (never inline script),
// so the page runs under a CSP that allows scripts from this origin only.
import { mountPlayer } from './player.js';

const config = JSON.parse(document.getElementById('kiln-player-config').textContent);
window.kilnPlayer = mountPlayer(document.getElementById('player'), config);
