/** Bounded, expiring per-account state shared by all requests of one {@link dev.moat.Moat}. */
@NullMarked
package dev.moat.state;

import org.jspecify.annotations.NullMarked;
