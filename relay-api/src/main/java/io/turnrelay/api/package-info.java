/** The embeddable relay's public API: configuration, authentication SPI, peer policy and statistics. */
@NullMarked
package io.turnrelay.api;

import org.jspecify.annotations.NullMarked;
