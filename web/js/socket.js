// The tracking WebSocket: open it, hand each JSON message on, and reopen it after a drop
// with a growing pause (1 s, 2 s, … 30 s), until the caller says there is nothing to wait for.

export function openSocket(url, { opened, lost, message, stop }) {
  let pause = 1000;
  const connect = () => {
    const socket = new WebSocket(url);
    socket.addEventListener("open", () => {
      pause = 1000;
      opened();
    });
    socket.addEventListener("message", (event) => {
      let push = null;
      try {
        push = JSON.parse(event.data);
      } catch {
        return;
      }
      message(push);
    });
    socket.addEventListener("close", () => {
      if (stop()) return;
      lost();
      setTimeout(connect, pause);
      pause = Math.min(pause * 2, 30_000);
    });
  };
  connect();
}
