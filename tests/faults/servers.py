"""Two small servers the fault tests switch off and on: an SMTP sink that keeps what it receives
(and can be slow to answer), and a TCP gate in front of Redis that can close like a broker going
away. Each listens on one port for its whole life, so a client configured once finds it again
when it comes back."""

import email
import email.policy
import selectors
import socket
import socketserver
import threading


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class Switchable:
    """A threaded TCP server on a fixed port that can be stopped (connections refused, open
    ones cut) and started again."""

    def __init__(self):
        self.port = 0
        self._server = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def handle(self, client: socket.socket) -> None:
        raise NotImplementedError

    def start(self):
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                with outer._lock:
                    outer._open.add(self.request)
                try:
                    outer.handle(self.request)
                except OSError:
                    pass  # cut by stop(), or the client went away
                finally:
                    with outer._lock:
                        outer._open.discard(self.request)

        self._server = _Server(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server = None
        with self._lock:
            for sock in list(self._open):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self._open.clear()


class SmtpSink(Switchable):
    """Accepts every message and keeps it (`messages`, parsed). With `slow` set, it has the whole
    message but waits until `slow` is cleared (or a minute) before answering "250": the moment a
    client that dies leaves the server with an email the client thinks unsent."""

    def __init__(self):
        super().__init__()
        self.messages: list[email.message.EmailMessage] = []
        self.received = threading.Event()  # set at each complete message
        self.slow = threading.Event()
        self._released = threading.Event()

    def release(self):
        self.slow.clear()
        self._released.set()

    def handle(self, client):
        reader = client.makefile("rb")
        client.sendall(b"220 sink ESMTP\r\n")
        while line := reader.readline():
            command = line.strip().upper()
            if command.startswith(b"EHLO"):
                client.sendall(b"250-sink\r\n250 8BITMIME\r\n")
            elif command.startswith(b"DATA"):
                client.sendall(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                self._receive(reader)
                if self.slow.is_set():
                    self._released.clear()
                    self._released.wait(60)
                client.sendall(b"250 2.0.0 Ok: queued\r\n")
            elif command.startswith(b"QUIT"):
                client.sendall(b"221 Bye\r\n")
                return
            elif command.startswith((b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP")):
                client.sendall(b"250 Ok\r\n")
            else:
                client.sendall(b"502 Not implemented\r\n")

    def _receive(self, reader):
        lines = []
        while (line := reader.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        self.messages.append(email.message_from_bytes(b"".join(lines), policy=email.policy.default))
        self.received.set()

    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for message in self.messages]


class TcpGate(Switchable):
    """Forwards every connection to `upstream` (host, port) while started; stopped, it refuses
    new ones and cuts those open, as a broker that went away does. Frozen, it keeps every
    connection open and answers nothing, as a hung broker or a network dropping packets does."""

    def __init__(self, upstream: tuple[str, int]):
        super().__init__()
        self.upstream = upstream
        self.frozen = threading.Event()

    def handle(self, client):
        while self.frozen.is_set():
            if client.recv(65536) == b"":
                return
        server = socket.create_connection(self.upstream, timeout=5)
        with self._lock:
            self._open.add(server)
        pair = {client: server, server: client}
        try:
            with selectors.DefaultSelector() as selector:
                for sock in pair:
                    selector.register(sock, selectors.EVENT_READ)
                while True:
                    for key, _ in selector.select():
                        data = key.fileobj.recv(65536)
                        if not data:
                            return
                        if not self.frozen.is_set():
                            pair[key.fileobj].sendall(data)
        finally:
            with self._lock:
                self._open.discard(server)
            server.close()
