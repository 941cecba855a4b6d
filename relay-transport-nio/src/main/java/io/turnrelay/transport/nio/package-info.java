/** java.nio Selector transport (issue 4). */
@NullMarked
package io.turnrelay.transport.nio;

import org.jspecify.annotations.NullMarked;
