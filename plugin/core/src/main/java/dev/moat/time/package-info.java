/** Moat's clock abstraction ({@link dev.moat.time.Clock}); depends on nothing else in Moat. */
@NullMarked
package dev.moat.time;

import org.jspecify.annotations.NullMarked;
