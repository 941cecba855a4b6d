/** The java.nio Selector transport: UDP, TCP and TLS clients on one thread per worker. */
@NullMarked
package io.turnrelay.transport.nio;

import org.jspecify.annotations.NullMarked;
