/**
 * The Transport SPI: what an IO layer implements ({@link io.turnrelay.core.spi.Transport},
 * {@link io.turnrelay.core.spi.TransportProvider}) and what it gets ({@link io.turnrelay.core.spi.RelaySink},
 * {@link io.turnrelay.core.spi.ClientLink}), with helpers for transport authors ({@link io.turnrelay.core.spi.SocketTable},
 * {@link io.turnrelay.core.spi.UdpClientLinks}).
 */
@NullMarked
package io.turnrelay.core.spi;

import org.jspecify.annotations.NullMarked;
