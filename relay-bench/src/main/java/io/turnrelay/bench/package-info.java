/** JMH benchmarks and load tools. */
@NullMarked
package io.turnrelay.bench;

import org.jspecify.annotations.NullMarked;
