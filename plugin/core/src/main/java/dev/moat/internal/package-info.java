/** Implementation details: not API, may change without notice. */
@NullMarked
package dev.moat.internal;

import org.jspecify.annotations.NullMarked;
