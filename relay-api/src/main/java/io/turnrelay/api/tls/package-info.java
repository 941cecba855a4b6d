/**
 * TLS server key material for TURN over TLS ({@code turns:}): PEM or PKCS#12 files, checked when loaded and
 * reloadable while the relay runs. JDK only, for both transports.
 */
@NullMarked
package io.turnrelay.api.tls;

import org.jspecify.annotations.NullMarked;
