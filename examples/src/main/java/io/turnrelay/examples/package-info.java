/** Examples of embedding the relay (issue 4). */
@NullMarked
package io.turnrelay.examples;

import org.jspecify.annotations.NullMarked;
