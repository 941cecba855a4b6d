/** The Transport SPI through which an IO layer drives the sans-IO server. */
@NullMarked
package io.turnrelay.core.spi;

import org.jspecify.annotations.NullMarked;
