/** Netty transport (issue 4). */
@NullMarked
package io.turnrelay.transport.netty;

import org.jspecify.annotations.NullMarked;
