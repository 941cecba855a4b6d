/** Examples of embedding the relay: users, authenticators, TLS, and usage per user from events. */
@NullMarked
package io.turnrelay.examples;

import org.jspecify.annotations.NullMarked;
