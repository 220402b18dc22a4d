// Relays this redstate server's inspection stream (already @statelyai/inspect's protocol) to
// Stately's hosted inspector in the iframe, as @statelyai/inspect's own browser adapter does:
// frames wait until the inspector says "@statelyai.connected", then go by postMessage.
const frame = document.getElementById('stately');
const waiting = [];
let connected = false;
window.addEventListener('message', (e) => {
  if (e.data?.type !== '@statelyai.connected') return;
  connected = true;
  for (const ev of waiting.splice(0)) frame.contentWindow.postMessage(ev, '*');
});
function connect() {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`);
  ws.onmessage = (m) => {
    const ev = JSON.parse(m.data);
    if (connected) frame.contentWindow.postMessage(ev, '*');
    else if (waiting.push(ev) > 5000) waiting.shift();
  };
  ws.onclose = () => setTimeout(connect, 1000);
}
connect();
