/** Client of the Firezone portal's control plane (Phoenix channels V1 over a websocket). */
@NullMarked
package io.turnrelay.cli.portal;

import org.jspecify.annotations.NullMarked;
