/** Deterministic, allocation-free token sampling honouring temperature, top-k and top-p. */
@NullMarked
package dev.moat.sampling;

import org.jspecify.annotations.NullMarked;
