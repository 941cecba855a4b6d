/** RFC 8489 STUN codec with the RFC 8656 TURN attributes: in-place decoding, staged encoding, integrity and fingerprint. */
@NullMarked
package io.turnrelay.core.stun;

import org.jspecify.annotations.NullMarked;
