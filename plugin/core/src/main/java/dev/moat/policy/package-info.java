/** Tier policy: the file format, its validation and the immutable objects it becomes. */
@NullMarked
package dev.moat.policy;

import org.jspecify.annotations.NullMarked;
