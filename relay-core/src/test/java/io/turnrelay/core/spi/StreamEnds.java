package io.turnrelay.core.spi;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/** How a test sees that the relay ended its side of a connection. */
public final class StreamEnds {
    private StreamEnds() {}

    /**
     * True when the other end closed (or reset) the connection: the next reads, within the socket's read timeout,
     * see its end; bytes still under way (a TLS alert, queued frames) are read past first.
     */
    public static boolean endedByPeer(Socket socket) throws IOException {
        try {
            InputStream in = socket.getInputStream();
            while (in.read() >= 0) {
                // Anything still under way comes first.
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
