/** The standalone relay binary. */
@NullMarked
package io.turnrelay.cli;

import org.jspecify.annotations.NullMarked;
